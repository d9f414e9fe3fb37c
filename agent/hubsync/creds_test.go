package hubsync

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestCreds(t *testing.T) {
	dir := t.TempDir()
	if _, ok, err := LoadCreds(dir); ok || err != nil {
		t.Fatalf("no file: ok %v, %v; want not joined", ok, err)
	}
	c := Creds{Hub: "h:4333", Fingerprint: "ab", HubID: "ab", PC: "pc1", Name: "kitchen", Seed: "SUxxx", Joined: time.Now().UTC().Truncate(time.Second)}
	if err := SaveCreds(dir, c); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(filepath.Join(dir, CredsFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("credentials mode %v, %v; want 0600", fi.Mode(), err)
		}
	}
	got, ok, err := LoadCreds(dir)
	if !ok || err != nil || got != c {
		t.Errorf("read back %+v %v %v; want %+v", got, ok, err, c)
	}
	if err := os.WriteFile(filepath.Join(dir, CredsFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := LoadCreds(dir); ok || err == nil {
		t.Error("damaged credentials were read")
	}
	if err := RemoveCreds(dir); err != nil {
		t.Fatal(err)
	}
	if err := RemoveCreds(dir); err != nil {
		t.Errorf("removing twice: %v", err)
	}
}
