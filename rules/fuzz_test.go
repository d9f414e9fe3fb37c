package rules

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var fuzzSeeds = []string{
	`{"version":1}`,
	`{"version":1,"children":[{"name":"A","birthYear":2012,"accounts":["a"],"allowed":{"daily":["20:00-02:00"]}}]}`,
	`{"version":1,"children":[{"name":"A","birthYear":2020,"games":{"daily":"0","perGame":"unlimited","days":{"sat":"2h"}},"apps":[{"match":{"name":"x"},"rule":"limit","limit":"1m"}]}]}`,
	`{"version":1,"defaultProfile":{"preset":"age:15","screen":{"daily":"unlimited"},"allowed":{"weekend":[]}}}`,
	`{"version":1,"children":[{"name":"An","birthYear":2015,"allowed":{"weekdays":["06:30-20:00","25:00-26:00"]}}]}`,
	`{"version":1,"children":[{"name":"An","birthYear":2015,"grace":"60s","grace":"1m"}]}`,
	`{"version":1,"children":[`,
	`[]`,
	`{"version":1,"children":[{"name":"An","birthYear":2015,"web":{"filter":"strict","safeSearch":false,"block":["social"],"deny":["A.example."],"allow":["*.school.edu.vn"]}}]}`,
	`{"version":1,"defaultProfile":{"preset":"age:7","web":{"filter":"off","deny":["x..y"]}}}`,
}

// FuzzParseFile: the decoder never panics; every error names a field (or
// the document); what it accepts encodes and reads back to the same File and
// resolves to valid policies.
func FuzzParseFile(f *testing.F) {
	f.Add(readExample(f))
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	now := at(mon, 12, 0, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile(data)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %q is not a list of field errors", err, err)
			}
			for _, e := range es {
				if e.Path == "" || e.Reason == "" {
					t.Fatalf("error without a field or reason: %#v", e)
				}
			}
			return
		}
		out, err := EncodeFile(file)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := ParseFile(out)
		if err != nil {
			t.Fatalf("re-read of encoded file: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(file, again) {
			t.Fatalf("round trip changed the file:\n%s", out)
		}
		for i := range file.Children {
			c := &file.Children[i]
			p, err := c.Policy(now)
			if err != nil {
				if !strings.Contains(err.Error(), "birthYear") {
					t.Fatalf("child %d accepted but does not resolve: %v", i, err)
				}
				continue
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("resolved policy invalid: %v", err)
			}
		}
		if file.DefaultProfile != nil {
			if _, err := file.DefaultProfile.Policy(); err != nil {
				t.Fatalf("default profile accepted but does not resolve: %v", err)
			}
		}
	})
}

// FuzzEvaluate runs Evaluate on decoded policies with fuzzed usage and
// times: no panic, time left never negative, next change in the future.
func FuzzEvaluate(f *testing.F) {
	f.Add(readExample(f), int64(0), int64(3600), int64(600), int64(300), uint8(3))
	for _, s := range fuzzSeeds[:4] {
		f.Add([]byte(s), int64(86399), int64(7200), int64(3600), int64(3601), uint8(255))
	}
	base := time.Date(2025, time.January, 1, 0, 0, 0, 0, ict)
	f.Fuzz(func(t *testing.T, data []byte, sec, screen, games, appUsed int64, running uint8) {
		file, err := ParseFile(data)
		if err != nil {
			return
		}
		now := base.Add(time.Duration(sec%(366*86400)) * time.Second)
		if sec < 0 {
			now = base.Add(-time.Duration(-(sec % (366 * 86400))) * time.Second)
		}
		u := Usage{Screen: time.Duration(screen) * time.Second, Games: time.Duration(games) * time.Second}
		for i, a := range randApps {
			u.Apps = append(u.Apps, AppUsage{App: a, Used: time.Duration(appUsed+int64(i)*60) * time.Second, Running: running&(1<<i) != 0})
		}
		var policies []Policy
		for i := range file.Children {
			if p, err := file.Children[i].Policy(now); err == nil {
				policies = append(policies, p)
			}
		}
		if file.DefaultProfile != nil {
			if p, err := file.DefaultProfile.Policy(); err == nil {
				policies = append(policies, p)
			}
		}
		for _, p := range policies {
			p.Grants = []Grant{{Day: DateOf(now), Screen: time.Duration(running) * time.Minute}}
			checkInvariants(t, p, u, now, Evaluate(p, u, now))
		}
	})
}
