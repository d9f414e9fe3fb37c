package ident_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/ident"
)

// BenchmarkOf reads identities of a file that is not cached: a build-id
// is read from the note segment alone; without one, every loaded byte is
// hashed (here 1 MiB of code); a PE's version resource is walked.
func BenchmarkOf(b *testing.B) {
	big := []byte(strings.Repeat("\x90", 1<<20))
	for _, bc := range []struct {
		name string
		file []byte
	}{
		{"elf build-id 1MiB", makeELF(elfSpec{text: big, buildID: buildID})},
		{"elf sections 1MiB", makeELF(elfSpec{text: big})},
		{"pe version", makePE(peSpec{text: code, version: version})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := bytes.NewReader(bc.file)
			b.SetBytes(int64(len(bc.file)))
			b.ReportAllocs()
			for b.Loop() {
				if id, err := ident.Of(r, int64(len(bc.file))); err != nil || id == "" {
					b.Fatalf("Of = %q, %v", id, err)
				}
			}
		})
	}
}
