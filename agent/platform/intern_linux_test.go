package platform

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSplitCmdline(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\x00\x00", nil},
		{"sleep", []string{"sleep"}},
		{"sleep\x0086400\x00", []string{"sleep", "86400"}},
		{"a\x00\x00b\x00", []string{"a", "", "b"}},
		{"\x00a", []string{"", "a"}},
		{"python3\x00-c\x00" + strings.Repeat("x", 300) + "\x00", []string{"python3", "-c", strings.Repeat("x", 300)}},
	} {
		if got := splitCmdline([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("splitCmdline(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestInterner(t *testing.T) {
	in := &interner{m: make(map[string]string)}
	a := in.str([]byte("/usr/bin/sleep"))
	b := in.str([]byte("/usr/bin/sleep"))
	if a != "/usr/bin/sleep" || b != a {
		t.Fatalf("str: %q, %q", a, b)
	}
	if allocs := testing.AllocsPerRun(100, func() { in.str([]byte("/usr/bin/sleep")) }); allocs != 0 {
		t.Errorf("a held string costs %v allocations, want 0", allocs)
	}
	// The buffer a string was made from may change: the held copy must not.
	buf := []byte("/usr/bin/tail")
	s := in.str(buf)
	copy(buf, "XXXX")
	if s != "/usr/bin/tail" || in.str([]byte("/usr/bin/tail")) != "/usr/bin/tail" {
		t.Errorf("the held string changed with its buffer: %q", s)
	}
	long := strings.Repeat("y", internLong+1)
	if got := in.str([]byte(long)); got != long {
		t.Errorf("a long string came back as %q", got)
	}
	if _, held := in.m[long]; held {
		t.Error("a string longer than internLong is held")
	}
	// Bounded: past internMax it starts again.
	for i := range internMax + 10 {
		in.str([]byte("arg" + strconv.Itoa(i)))
	}
	if len(in.m) > internMax {
		t.Errorf("the interner holds %d strings, past its bound of %d", len(in.m), internMax)
	}
}

func TestReadExe(t *testing.T) {
	dir := t.TempDir()
	// A path longer than readExe's stack buffer, and a deleted program.
	long := filepath.Join(dir, strings.Repeat("d", 200), strings.Repeat("e", 200), strings.Repeat("f", 200))
	if err := os.MkdirAll(long, 0o755); err != nil {
		t.Fatal(err)
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("no sleep on PATH (coreutils): %v", err)
	}
	for _, tc := range []struct {
		name    string
		path    string
		remove  bool
		deleted bool
	}{
		{"short", filepath.Join(dir, "sleepy"), false, false},
		{"longer than the buffer", filepath.Join(long, "sleepy"), false, false},
		{"deleted", filepath.Join(dir, "gone"), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyFile(t, sleep, tc.path, 0o755)
			cmd := startCmd(t, tc.path, "30")
			if tc.remove {
				if err := os.Remove(tc.path); err != nil {
					t.Fatal(err)
				}
			}
			got, deleted, err := readExe(procRoot + "/" + strconv.Itoa(cmd.Process.Pid))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.path || deleted != tc.deleted {
				t.Errorf("readExe = %q, deleted %v; want %q, %v", got, deleted, tc.path, tc.deleted)
			}
		})
	}
	if _, _, err := readExe(procRoot + "/999999999"); !os.IsNotExist(err) {
		t.Errorf("a process that does not exist: %v, want not-exist", err)
	}
}
