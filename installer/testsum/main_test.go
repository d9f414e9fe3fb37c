package main

import (
	"os"
	"strings"
	"testing"
)

// ev is one `go test -json` line.
func ev(action, test, output string) string {
	s := `{"Action":"` + action + `","Package":"example.com/p"`
	if test != "" {
		s += `,"Test":"` + test + `"`
	}
	if output != "" {
		s += `,"Output":` + strings.ReplaceAll(`"`+output+`"`, "\n", `\n`)
	}
	return s + "}\n"
}

func TestRun(t *testing.T) {
	nonRoot, err := os.ReadFile("testdata/e2e-nonroot.json")
	if err != nil {
		t.Fatal(err)
	}
	skippedTest := ev("run", "TestB", "") + ev("output", "TestB", "=== RUN   TestB\n") +
		ev("output", "TestB", "    b_test.go:9: needs a GPU\n") + ev("output", "TestB", "--- SKIP: TestB (0.00s)\n") + ev("skip", "TestB", "")
	cases := []struct {
		sentence string
		in       string
		skipsOK  bool
		status   int
		want     []string // lines the output holds
		not      []string // text it must not hold
	}{
		{"the recorded e2e run as another user than root counts every test as skipped, with the reason, and fails without -skips-ok",
			string(nonRoot), false, 1,
			[]string{"e2e: 0 passed, 0 failed, 9 skipped", "skipped (9): needs root: it runs processes as other uids or creates Linux accounts (run the tests as root)", "every test skipped: nothing was checked"}, nil},
		{"the same run passes with -skips-ok",
			string(nonRoot), true, 0,
			[]string{"e2e: 0 passed, 0 failed, 9 skipped", "skipped (9): needs root"}, []string{"nothing was checked"}},
		{"passes and a skip are fine, and the skip's reason is not printed",
			ev("pass", "TestA", "") + skippedTest + ev("pass", "", ""), false, 0,
			[]string{"e2e: 1 passed, 0 failed, 1 skipped", "ok  \texample.com/p"}, []string{"needs a GPU"}},
		{"a failed test fails the run and its output is shown",
			ev("pass", "TestA", "") + ev("output", "TestC", "    c_test.go:3: boom\n") + ev("fail", "TestC", "") + ev("fail", "", ""), true, 1,
			[]string{"--- FAIL example.com/p TestC", "c_test.go:3: boom", "failed: example.com/p TestC", "e2e: 1 passed, 1 failed, 0 skipped"}, nil},
		{"a package that fails to build fails the run",
			"# example.com/p\nx.go:1: syntax error\n" + ev("output", "", "FAIL\texample.com/p [build failed]\n") + ev("fail", "", ""), true, 1,
			[]string{"x.go:1: syntax error", "FAIL\texample.com/p", "e2e: 0 passed, 1 failed, 0 skipped"}, nil},
		{"a package that times out counts as a failure, though no test reported one",
			ev("pass", "TestA", "") + ev("run", "TestT", "") + ev("output", "TestT", "panic: test timed out after 10m0s\n") + ev("fail", "", ""), true, 1,
			[]string{"failed: example.com/p (the package failed with no failing test", "e2e: 1 passed, 1 failed, 0 skipped"}, nil},
		{"a run with no test fails even with -skips-ok",
			"", true, 1, []string{"no test ran", "e2e: 0 passed, 0 failed, 0 skipped"}, nil},
		{"a skip without a message still counts",
			ev("skip", "TestD", "") + ev("pass", "", ""), true, 0, []string{"skipped (1): (no reason given)", "e2e: 0 passed, 0 failed, 1 skipped"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			var out strings.Builder
			status := run("e2e", tc.skipsOK, strings.NewReader(tc.in), &out)
			got := out.String()
			if status != tc.status {
				t.Errorf("status %d; want %d\n%s", status, tc.status, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("output holds %q:\n%s", n, got)
				}
			}
			lines := strings.Split(strings.TrimSpace(got), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "e2e: ") {
				t.Errorf("the last line is %q; want the summary", last)
			}
		})
	}
}

func TestSkipReason(t *testing.T) {
	got := skipReason([]string{"=== RUN   TestX\n", "    x_test.go:12: needs root\n", "    more words\n", "--- SKIP: TestX (0.00s)\n"})
	if got != "needs root more words" {
		t.Errorf("skipReason = %q", got)
	}
}
