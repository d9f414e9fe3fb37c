package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func sleepBinary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	p, err = filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func fileSum(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestHasherCopyKeepsHash(t *testing.T) {
	src := sleepBinary(t)
	dst := filepath.Join(t.TempDir(), "not-a-game")
	copyFile(t, src, dst, 0o755)
	h := NewHasher(16)
	a, err := h.Hash(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash(dst)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a != fileSum(t, src) {
		t.Errorf("hash(original) = %s, hash(copy) = %s, sha256 = %s: want all equal", a, b, fileSum(t, src))
	}
	if h.Len() != 2 {
		t.Errorf("cache holds %d entries, want 2 (two inodes)", h.Len())
	}
}

func TestHasherInvalidation(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"appending a byte changes size and mtime", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = f.Write([]byte{0})
			f.Close()
		}},
		{"rewriting in place with the same size and the old mtime put back still changes ctime", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			b, _ := os.ReadFile(path)
			b[0] ^= 0xff
			time.Sleep(10 * time.Millisecond) // ctime granularity
			if err := os.WriteFile(path, b, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "f"+string(rune('a'+i)))
			if err := os.WriteFile(path, []byte("version one of the program"), 0o755); err != nil {
				t.Fatal(err)
			}
			h := NewHasher(16)
			before, err := h.Hash(path)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(t, path)
			after, err := h.Hash(path)
			if err != nil {
				t.Fatal(err)
			}
			if after == before {
				t.Errorf("hash unchanged after the change: %s", after)
			}
			if after != fileSum(t, path) {
				t.Errorf("hash %s, want the new content's %s", after, fileSum(t, path))
			}
		})
	}
}

func TestHasherBounded(t *testing.T) {
	dir := t.TempDir()
	h := NewHasher(2)
	for _, n := range []string{"a", "b", "c"} {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := h.Hash(p); err != nil {
			t.Fatal(err)
		}
	}
	if h.Len() != 2 {
		t.Errorf("Len = %d, want the bound 2", h.Len())
	}
	if NewHasher(0).Len() != 0 {
		t.Error("a zero-size hasher holds entries")
	}
}

func TestHasherConcurrent(t *testing.T) {
	src := sleepBinary(t)
	want := fileSum(t, src)
	h := NewHasher(4)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := h.Hash(src)
			if err == nil && got != want {
				err = errors.New("got " + got)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Hash: %v, want %s", err, want)
	}
}

func TestHashProcDeletedExecutable(t *testing.T) {
	src := sleepBinary(t)
	dst := filepath.Join(t.TempDir(), "renamed-game")
	copyFile(t, src, dst, 0o755)
	cmd := startCmd(t, dst, "30")
	if err := os.Remove(dst); err != nil {
		t.Fatal(err)
	}
	h := NewHasher(16)
	path, sum, err := h.HashProc(cmd.Process.Pid)
	if err != nil {
		t.Fatalf("HashProc: %v", err)
	}
	if path != dst || sum != fileSum(t, src) {
		t.Errorf("HashProc = %s %s, want %s %s", path, sum, dst, fileSum(t, src))
	}
	p, err := ReadProc(cmd.Process.Pid)
	if err != nil || p.Exe != dst || !p.ExeDeleted {
		t.Errorf("ReadProc = %+v, %v; want Exe %s and ExeDeleted", p, err, dst)
	}
}

func TestHashProcVanished(t *testing.T) {
	cmd := exec.Command("true")
	_ = cmd.Run()
	_, _, err := NewHasher(1).HashProc(cmd.Process.Pid)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("HashProc(gone) = %v, want os.ErrNotExist", err)
	}
}

func benchHash(b *testing.B, cache int) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(exe)
	h := NewHasher(cache)
	if _, err := h.Hash(exe); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	cpu := startCPU()
	for b.Loop() {
		if _, err := h.Hash(exe); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkHashUncached hashes the test binary (several MB) every time;
// BenchmarkHashCached answers from the cache after one open and fstat.
func BenchmarkHashUncached(b *testing.B) { benchHash(b, 0) }
func BenchmarkHashCached(b *testing.B)   { benchHash(b, 16) }
