// Command testsum reads `go test -json` output on stdin, prints the output of
// failed tests, one line per package, and ends with a plain summary line
// ("unit: N passed, N failed, N skipped") so that people and CI see how many
// tests ran. It exits 1 when a test or a package failed, or when none ran.
//
//	testsum [-skips-ok] LABEL
//
// A run where every test skipped counts as one where none ran, unless
// -skips-ok says that is expected (the end-to-end suite run by someone
// other than root); either way the reasons the tests gave are printed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	skipsOK := flag.Bool("skips-ok", false, "exit 0 when every test skipped (and none failed)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: testsum [-skips-ok] LABEL < go-test.json")
		flag.PrintDefaults()
	}
	flag.Parse()
	label := "tests"
	if flag.NArg() > 0 {
		label = flag.Arg(0)
	}
	os.Exit(run(label, *skipsOK, os.Stdin, os.Stdout))
}

func run(label string, skipsOK bool, in io.Reader, w io.Writer) int {
	outputs := map[string][]string{} // "pkg test" -> output lines
	pkgResult := map[string]string{}
	pkgElapsed := map[string]float64{}
	var passed, failed, skipped int
	var failedNames []string
	var reasons []string // why tests skipped, in order of first appearance
	reasonCount := map[string]int{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Build errors and other non-JSON lines: show them as they are.
			fmt.Fprintln(w, string(line))
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				pkgResult[e.Package] = e.Action
				pkgElapsed[e.Package] = e.Elapsed
				if e.Action == "fail" && len(outputs[key]) > 0 {
					fmt.Fprintf(w, "--- package %s output:\n%s", e.Package, strings.Join(outputs[key], ""))
				}
				continue
			}
			switch e.Action {
			case "pass":
				passed++
			case "fail":
				failed++
				failedNames = append(failedNames, e.Package+" "+e.Test)
				fmt.Fprintf(w, "--- FAIL %s %s\n%s", e.Package, e.Test, strings.Join(outputs[key], ""))
			case "skip":
				skipped++
				r := skipReason(outputs[key])
				if reasonCount[r] == 0 {
					reasons = append(reasons, r)
				}
				reasonCount[r]++
			}
			delete(outputs, key)
		}
	}
	pkgs := make([]string, 0, len(pkgResult))
	for p := range pkgResult {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	pkgFailed := false
	for _, p := range pkgs {
		r := pkgResult[p]
		word := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "?   "}[r]
		fmt.Fprintf(w, "%s\t%s\t%.3fs\n", word, p, pkgElapsed[p])
		if r == "fail" {
			pkgFailed = true
			// A package that failed with no test of its own failing (a
			// timeout's panic, a crash, a build error) counts as one
			// failure: the summary line must not say "0 failed".
			if !slices.ContainsFunc(failedNames, func(n string) bool { return strings.HasPrefix(n, p+" ") }) {
				failed++
				failedNames = append(failedNames, p+" (the package failed with no failing test: a timeout, a crash or a build error; its output is above)")
			}
		}
	}
	for _, n := range failedNames {
		fmt.Fprintln(w, "failed:", n)
	}
	allSkipped := passed == 0 && skipped > 0
	if allSkipped {
		// The summary alone would not say why nothing ran.
		for _, r := range reasons {
			fmt.Fprintf(w, "skipped (%d): %s\n", reasonCount[r], r)
		}
	}
	status := 0
	switch {
	case failed > 0 || pkgFailed:
		status = 1
	case allSkipped && !skipsOK:
		fmt.Fprintln(w, "every test skipped: nothing was checked")
		status = 1
	case passed == 0 && !allSkipped:
		fmt.Fprintln(w, "no test ran")
		status = 1
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped\n", label, passed, failed, skipped)
	return status
}

// fileLine is the "file_test.go:12: " that t.Skip puts before its message.
var fileLine = regexp.MustCompile(`^\S+\.go:\d+: `)

// skipReason is the message a skipped test gave (its output without the
// === and --- lines the test runner adds).
func skipReason(out []string) string {
	var msg []string
	for _, l := range out {
		s := strings.TrimSpace(l)
		if s == "" || strings.HasPrefix(s, "=== ") || strings.HasPrefix(s, "--- ") {
			continue
		}
		msg = append(msg, fileLine.ReplaceAllString(s, ""))
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " ")
}
