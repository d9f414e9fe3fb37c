package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const crashEnv = "KIDTIME_STORE_CRASH_WRITER"

// TestCrashWriterChild is the writer process of TestCrashSafety: it writes
// heartbeats, events and requests as fast as it can and prints a line after
// each commit, until it is killed.
func TestCrashWriterChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("the writer process of TestCrashSafety")
	}
	ctx := context.Background()
	s, err := Open(ctx, path, WithLogger(quietLog()))
	if err != nil {
		fmt.Printf("crash-writer error %v\n", err)
		os.Exit(2)
	}
	first, _ := strconv.Atoi(os.Getenv(crashEnv + "_FIRST"))
	for i := first; ; i++ {
		start := t0.Add(time.Duration(i) * time.Second)
		if err := s.AddUsage(ctx, Interval{Child: "An", Kind: KindScreen, Session: "s1", Day: day0, Start: start, End: start.Add(time.Second)}); err != nil {
			fmt.Printf("crash-writer error %v\n", err)
			os.Exit(2)
		}
		fmt.Printf("crash-writer usage %d\n", i)
		if i%7 == 0 {
			e, err := s.AppendEvent(ctx, Event{Child: "An", Kind: "warning", Detail: map[string]any{"i": i}})
			if err != nil {
				fmt.Printf("crash-writer error %v\n", err)
				os.Exit(2)
			}
			fmt.Printf("crash-writer event %d\n", e.ID)
		}
		if i%11 == 0 {
			r, err := s.AddRequest(ctx, Request{Child: "An", Kind: KindGame, Amount: time.Minute, Day: day0})
			if err != nil {
				fmt.Printf("crash-writer error %v\n", err)
				os.Exit(2)
			}
			fmt.Printf("crash-writer request %d\n", r.ID)
		}
	}
}

// TestCrashSafety kills a writing process with SIGKILL, three times at
// different points, and checks after each kill that the database is intact
// and holds everything the writer reported as committed.
func TestCrashSafety(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("inside the writer")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kidtime.db")
	s, err := Open(ctx, path, WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	addChild(t, s, "An")
	s.Close()

	var events, requests []int64
	next := 0 // the writer's next heartbeat number
	for round, killAfter := range []int{150, 400, 90} {
		t.Run(fmt.Sprintf("kill %d after %d heartbeats", round+1, killAfter), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+path, fmt.Sprintf("%s_FIRST=%d", crashEnv, next))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			lastUsage, seen, killed := -1, 0, false
			for sc.Scan() {
				f := strings.Fields(sc.Text())
				if len(f) < 3 || f[0] != "crash-writer" {
					continue
				}
				if f[1] == "error" {
					t.Fatalf("writer: %s", sc.Text())
				}
				n, _ := strconv.ParseInt(f[2], 10, 64)
				switch f[1] {
				case "usage":
					lastUsage = int(n)
					seen++
				case "event":
					events = append(events, n)
				case "request":
					requests = append(requests, n)
				}
				if seen == killAfter && !killed {
					if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
						t.Fatal(err)
					}
					killed = true
				}
			}
			err = cmd.Wait()
			if !killed {
				t.Fatalf("writer ended on its own after %d heartbeats: %v", seen, err)
			}
			if walInfo, err := os.Stat(path + "-wal"); err != nil || walInfo.Size() == 0 {
				t.Logf("no WAL left behind (%v): the kill came between checkpoints", err)
			}

			s, err := Open(ctx, path, WithLogger(quietLog()))
			if err != nil {
				t.Fatalf("reopen after kill: %v", err)
			}
			defer s.Close()
			var integrity string
			if err := s.r.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
				t.Fatalf("integrity_check %q, %v", integrity, err)
			}
			u, err := s.Today(ctx, "An", day0)
			if err != nil {
				t.Fatal(err)
			}
			// Every reported heartbeat is there; at most one more, committed
			// but killed before it was printed.
			want := time.Duration(lastUsage+1) * time.Second
			if u.Screen != want && u.Screen != want+time.Second {
				t.Errorf("screen time %v after the writer reported %v", u.Screen, want)
			}
			next = int(u.Screen / time.Second)
			var counted int64
			if err := s.r.QueryRow("SELECT sum(counted_ms) FROM usage").Scan(&counted); err != nil || durMs(counted) != u.Screen {
				t.Errorf("intervals hold %v, rollups %v (%v)", durMs(counted), u.Screen, err)
			}
			have := map[int64]bool{}
			es, err := s.Events(ctx, time.Time{}, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				have[e.ID] = true
			}
			for _, id := range events {
				if !have[id] {
					t.Errorf("event %d reported committed is missing", id)
				}
			}
			for _, id := range requests {
				if _, err := s.Request(ctx, id); err != nil {
					t.Errorf("request %d reported committed: %v", id, err)
				}
			}
			if len(events) == 0 || len(requests) == 0 {
				t.Errorf("the writer reported %d events and %d requests; want some", len(events), len(requests))
			}
		})
	}
}
