//go:build !windows

package platform

import (
	"os"
	"path/filepath"
	"testing"
)

func TestPersonLine(t *testing.T) {
	cases := []struct {
		sentence string
		line     string
		ok       bool
	}{
		{"a person with bash", "an:x:1001:1001:An:/home/an:/bin/bash", true},
		{"a person with zsh in /usr/bin", "binh:x:1002:1002::/home/binh:/usr/bin/zsh", true},
		{"root is not a child's", "root:x:0:0:root:/root:/bin/bash", false},
		{"a system account below the range", "_apt:x:42:65534::/nonexistent:/bin/bash", false},
		{"nobody above the range", "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", false},
		{"a service account in range with nologin", "svc:x:1500:1500::/srv:/usr/sbin/nologin", false},
		{"a service account in range with false", "svc:x:1500:1500::/srv:/bin/false", false},
		{"sync's shell", "s:x:1500:1500::/:/bin/sync", false},
		{"a short line", "broken:x:1500", false},
		{"a uid that is not a number", "odd:x:abc:1:::/bin/sh", false},
	}
	for _, c := range cases {
		if _, _, ok := personLine(c.line, 1000, 60000); ok != c.ok {
			t.Errorf("%s: ok %v, want %v", c.sentence, ok, c.ok)
		}
	}
}

func TestFullName(t *testing.T) {
	cases := []struct{ sentence, line, want string }{
		{"GECOS with its commas", "an:x:1001:1001:Nguyễn Thị An,,,:/home/an:/bin/bash", "Nguyễn Thị An"},
		{"no GECOS", "binh:x:1002:1002::/home/binh:/bin/bash", ""},
		{"GECOS that repeats the login", "chi:x:1003:1003:chi:/home/chi:/bin/bash", ""},
		{"a short line", "broken:x:1500", ""},
	}
	for _, c := range cases {
		if got := fullName(c.line); got != c.want {
			t.Errorf("%s: %q, want %q", c.sentence, got, c.want)
		}
	}
}

func TestLoginRange(t *testing.T) {
	cases := []struct {
		sentence string
		text     string
		lo, hi   uint64
	}{
		{"Debian's", "# comment\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\nSYS_UID_MAX 999\n", 1000, 60000},
		{"a machine whose people start at 500", "UID_MIN 500\nUID_MAX 29999\n", 500, 29999},
		{"nothing said", "", 1000, 60000},
		{"nonsense is ignored", "UID_MIN 70000\nUID_MAX 100\n", 1000, 60000},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "login.defs")
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if lo, hi := loginRange(p); lo != c.lo || hi != c.hi {
			t.Errorf("%s: %d–%d, want %d–%d", c.sentence, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := loginRange(filepath.Join(t.TempDir(), "missing")); lo != 1000 || hi != 60000 {
		t.Errorf("missing file: %d–%d", lo, hi)
	}
}

// The accounts' stamp changes with any of the account files, and only then.
func TestUsersStamp(t *testing.T) {
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "passwd"), filepath.Join(dir, "group"), filepath.Join(dir, "login.defs")}
	for _, f := range files {
		if err := os.WriteFile(f, []byte("root:x:0:0::/root:/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := accountFiles
	accountFiles = files
	t.Cleanup(func() { accountFiles = old })
	type step struct {
		name    string
		change  func(t *testing.T)
		changed bool
	}
	for _, tc := range []step{
		{"nothing touched", func(*testing.T) {}, false},
		{"an account added", func(t *testing.T) { appendLine(t, files[0], "kid:x:1001:1001::/home/kid:/bin/bash") }, true},
		{"an administrator made", func(t *testing.T) { appendLine(t, files[1], "sudo:x:27:kid") }, true},
		{"the file replaced by a copy of itself", func(t *testing.T) {
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			tmp := files[0] + ".new"
			if err := os.WriteFile(tmp, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, files[0]); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a file gone", func(t *testing.T) {
			if err := os.Remove(files[2]); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := Users{}.Stamp()
			tc.change(t)
			after := Users{}.Stamp()
			if (after != before) != tc.changed {
				t.Errorf("stamp %q then %q; want changed=%v", before, after, tc.changed)
			}
		})
	}
}

func appendLine(t *testing.T, path, line string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line + "\n"); err != nil {
		t.Fatal(err)
	}
}
