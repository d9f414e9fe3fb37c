package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kidtime/kidtime/agent/store"
	"github.com/kidtime/kidtime/rules"
)

func TestDemoSeed(t *testing.T) {
	dir := t.TempDir()
	now := "2026-03-21T16:45:00+07:00"
	var out, errb bytes.Buffer
	if code := run([]string{"demo-seed", "--data-dir", dir, "--now", now, "--account-an", "kt-an"}, &out, &errb); code != 0 {
		t.Fatalf("demo-seed: exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"child An", "child Bình", "pending", "tamper"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the summary should mention %q:\n%s", want, out.String())
		}
	}

	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "kidtime.db"))
	if err != nil {
		t.Fatal(err)
	}
	kids, err := st.Children(ctx)
	if err != nil || len(kids) != 2 {
		t.Fatalf("children: %v %v", kids, err)
	}
	if kids[0].Name != "An" || kids[0].Accounts[0] != "kt-an" || kids[0].BirthYear != 2015 {
		t.Errorf("An as stored: %+v", kids[0])
	}
	for _, k := range kids {
		pv, err := st.Policy(ctx, k.Name)
		if err != nil {
			t.Fatalf("policy of %s: %v", k.Name, err)
		}
		var spec rules.Child
		if err := json.Unmarshal(pv.JSON, &spec); err != nil {
			t.Fatalf("policy of %s is not a rules.Child: %v", k.Name, err)
		}
		if _, err := spec.Policy(time.Now()); err != nil {
			t.Errorf("policy of %s does not validate: %v", k.Name, err)
		}
		rows, err := st.Summary(ctx, k.Name, "2026-02-20", "2026-03-21", "day")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 28 {
			t.Errorf("%s: %d days of usage, want about 30", k.Name, len(rows))
		}
		for _, r := range rows {
			if r.Key == "2026-03-21" {
				continue // today, up to "now"
			}
			if r.Screen < 20*time.Minute || r.Screen > 4*time.Hour || r.Games > r.Screen {
				t.Errorf("%s on %s: screen %v games %v look unrealistic", k.Name, r.Key, r.Screen, r.Games)
			}
		}
		apps, err := st.Summary(ctx, k.Name, "2026-02-20", "2026-03-21", "app")
		if err != nil || len(apps) < 3 {
			t.Errorf("%s: apps %v %v", k.Name, apps, err)
		}
	}
	reqs, err := st.Requests(ctx, "", store.StatusPending)
	if err != nil || len(reqs) != 2 {
		t.Errorf("pending requests: %d %v", len(reqs), err)
	}
	all, _ := st.Requests(ctx, "", "")
	if len(all) != 5 {
		t.Errorf("requests: %d, want 5", len(all))
	}
	evs, err := st.Events(ctx, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range evs {
		kinds[e.Kind]++
	}
	for _, k := range []string{"clock_jump", "pin_failed", "agent_restart", "grant", "request", "answer", "warning"} {
		if kinds[k] == 0 {
			t.Errorf("no %q event; have %v", k, kinds)
		}
	}
	st.Close()

	// a second run refuses: the database has children now
	out.Reset()
	errb.Reset()
	if code := run([]string{"demo-seed", "--data-dir", dir}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "already has children") {
		t.Errorf("a second seed should be refused: exit %d, %q", code, errb.String())
	}
}

func TestDemoSeedNeedsDataDir(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"demo-seed"}, &out, &errb); code != 2 {
		t.Errorf("no --data-dir: exit %d, want 2", code)
	}
}
