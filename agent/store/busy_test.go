package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// lockedFile makes a database file whose lock an exclusive-mode
// connection holds until release is called, and a real SQLITE_BUSY error
// from a second connection that does not wait.
func lockedFile(t *testing.T) (path string, release func(), busy error) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "kidtime.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	holder, err := sql.Open("sqlite", path+"?_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		t.Fatal(err)
	}
	holder.SetMaxOpenConns(1)
	// In exclusive locking mode the lock taken stays after the commit.
	if _, err := holder.Exec("BEGIN EXCLUSIVE; COMMIT"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, busy = other.Exec("SELECT count(*) FROM sqlite_master")
	if !isBusy(busy) {
		t.Fatalf("a second connection to a file held in exclusive mode: %v, want SQLITE_BUSY", busy)
	}
	return path, func() { holder.Close() }, busy
}

func TestConnectBusy(t *testing.T) {
	_, release, busy := lockedFile(t)
	release()
	other := errors.New("disk on fire")
	for _, tc := range []struct {
		name    string
		errs    []error // what each ping returns, the last one from then on
		limit   time.Duration
		want    error
		atLeast int
		atMost  int
	}{
		{"connects at once", []error{nil}, time.Second, nil, 1, 1},
		{"busy twice, then connects", []error{busy, busy, nil}, time.Second, nil, 3, 3},
		{"busy past the limit", []error{busy}, 60 * time.Millisecond, busy, 2, 20},
		{"another error: no second try", []error{other}, time.Second, other, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			ping := func(context.Context) error {
				err := tc.errs[min(n, len(tc.errs)-1)]
				n++
				return err
			}
			err := connectBusy(context.Background(), ping, tc.limit)
			if !errors.Is(err, tc.want) && err != tc.want {
				t.Errorf("connectBusy: %v, want %v", err, tc.want)
			}
			if n < tc.atLeast || n > tc.atMost {
				t.Errorf("%d tries, want %d to %d", n, tc.atLeast, tc.atMost)
			}
		})
	}
	t.Run("a cancelled context stops the tries", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		ping := func(context.Context) error {
			if n++; n == 2 {
				cancel()
			}
			return busy
		}
		start := time.Now()
		if err := connectBusy(ctx, ping, 10*time.Second); !isBusy(err) {
			t.Errorf("connectBusy: %v, want the busy error", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("returned %v after the cancel", d)
		}
	})
}

// TestOpenWaitsForABusyFile: a store opened while another connection
// holds the file opens once it is let go, where a single try fails.
func TestOpenWaitsForABusyFile(t *testing.T) {
	path, release, _ := lockedFile(t)
	time.AfterFunc(300*time.Millisecond, release)
	start := time.Now()
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open while the file was held for 300 ms: %v", err)
	}
	defer st.Close()
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("Open returned after %v, before the file was let go", d)
	}
}
