package rules

import (
	"testing"
	"time"
)

// BenchmarkEvaluate: one child with the example policy, five running apps.
// The agent calls Evaluate at each Next and on every usage change.
func BenchmarkEvaluate(b *testing.B) {
	f, err := ParseFile(readExample(b))
	if err != nil {
		b.Fatal(err)
	}
	now := at(mon, 16, 0, 0)
	p, _, err := f.PolicyFor("an", now)
	if err != nil {
		b.Fatal(err)
	}
	u := Usage{Screen: 70 * time.Minute, Games: 40 * time.Minute}
	for _, a := range randApps[:5] {
		u.Apps = append(u.Apps, running(a, 20*time.Minute))
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(p, u, now)
	}
}

// BenchmarkParseFile: the example policy file.
func BenchmarkParseFile(b *testing.B) {
	data := readExample(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFile(data); err != nil {
			b.Fatal(err)
		}
	}
}
