// Package ident tells what a program file is in a way that survives
// trivial changes to the file, and which program a loader or an
// interpreter runs (DESIGN.md §5: "a loader or interpreter is a host").
//
// A file's identity (Of) is, in this order:
//
//   - ELF with a GNU build-id note: "elf-build-id:HEX". The linker derives
//     it from the program's content; appending bytes, renaming, copying,
//     stripping symbols or debug sections keep it.
//   - ELF without one: "elf-sections:HEX", a SHA-256 of the machine and the
//     contents of the sections loaded into memory (SHF_ALLOC, with their
//     names), or of the PT_LOAD segments when the section table is gone.
//     Bytes appended after them, symbols and debug sections do not count.
//   - PE (Windows, Wine) with a version resource naming the product:
//     "pe-version:HEX" over the machine, CompanyName, ProductName,
//     OriginalFilename, InternalName and the fixed file version.
//   - PE without one: "pe-sections:HEX" over the sections' raw data: the
//     overlay (appended bytes, an Authenticode signature) does not count.
//   - anything else (scripts, data): "", and the content hash is the
//     identity.
//
// An identity is a claim the file makes about itself: a child can forge a
// build-id or a version resource. The agent therefore uses a link between
// two files of one identity only to make a program stricter to use, never
// looser (agent/monitor).
//
// It is stdlib only and reads nothing but the io.ReaderAt it is given.
package ident

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Kinds of identity, the prefix of an identity string.
const (
	ELFBuildID  = "elf-build-id"
	ELFSections = "elf-sections"
	PEVersion   = "pe-version"
	PESections  = "pe-sections"
)

// Of returns the identity of the file r of size bytes, or "" when the file
// is neither ELF nor PE. A file that says it is ELF or PE but cannot be
// parsed is an error.
func Of(r io.ReaderAt, size int64) (string, error) {
	var magic [4]byte
	if size < int64(len(magic)) {
		return "", nil
	}
	if _, err := r.ReadAt(magic[:], 0); err != nil {
		return "", fmt.Errorf("ident: read magic: %w", err)
	}
	switch {
	case bytes.Equal(magic[:], []byte(elf.ELFMAG)):
		id, err := ofELF(r)
		if err != nil {
			return "", fmt.Errorf("ident: ELF: %w", err)
		}
		return id, nil
	case magic[0] == 'M' && magic[1] == 'Z':
		id, err := ofPE(r, size)
		if err != nil {
			return "", fmt.Errorf("ident: PE: %w", err)
		}
		return id, nil
	}
	return "", nil
}

// maxNote bounds the notes read when looking for the build-id.
const maxNote = 64 << 10

// ofELF reads the build-id, else hashes the loaded sections.
func ofELF(r io.ReaderAt) (string, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return "", err
	}
	if id := buildID(f); id != nil {
		return ELFBuildID + ":" + hex.EncodeToString(id), nil
	}
	d := sha256.New()
	fmt.Fprintf(d, "%d/%d/%d\x00", f.Class, f.Machine, f.Type)
	n := 0
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || s.Size == 0 {
			continue
		}
		fmt.Fprintf(d, "%s\x00%d\x00", s.Name, s.Size)
		if _, err := io.Copy(d, s.Open()); err != nil {
			return "", fmt.Errorf("section %s: %w", s.Name, err)
		}
		n++
	}
	if n == 0 {
		// No section table (sstrip): what the kernel maps is the program.
		for _, p := range f.Progs {
			if p.Type != elf.PT_LOAD || p.Filesz == 0 {
				continue
			}
			fmt.Fprintf(d, "load\x00%d\x00%d\x00", p.Vaddr, p.Filesz)
			if _, err := io.Copy(d, p.Open()); err != nil {
				return "", fmt.Errorf("segment at %#x: %w", p.Vaddr, err)
			}
			n++
		}
	}
	if n == 0 {
		return "", errors.New("nothing loadable")
	}
	return ELFSections + ":" + hex.EncodeToString(d.Sum(nil)), nil
}

// buildID finds the NT_GNU_BUILD_ID note in the note segments (what the
// loader sees, present even without a section table), else in the note
// sections. It returns nil when there is none or it is implausible.
func buildID(f *elf.File) []byte {
	for _, p := range f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		if id := findBuildID(io.NewSectionReader(p, 0, min(int64(p.Filesz), maxNote)), f.ByteOrder, p.Align); id != nil {
			return id
		}
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		if id := findBuildID(io.NewSectionReader(s, 0, min(int64(s.Size), maxNote)), f.ByteOrder, s.Addralign); id != nil {
			return id
		}
	}
	return nil
}

// ntGNUBuildID is the note type of a GNU build-id.
const ntGNUBuildID = 3

// findBuildID walks the notes in r.
func findBuildID(r io.Reader, bo binary.ByteOrder, align uint64) []byte {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil
	}
	if align != 8 {
		align = 4
	}
	pad := func(n uint64) uint64 { return (n + align - 1) &^ (align - 1) }
	for len(b) >= 12 {
		namesz, descsz, typ := uint64(bo.Uint32(b)), uint64(bo.Uint32(b[4:])), bo.Uint32(b[8:])
		rest := b[12:]
		nameEnd := pad(namesz)
		if nameEnd > uint64(len(rest)) {
			return nil
		}
		name := rest[:namesz]
		rest = rest[nameEnd:]
		descEnd := pad(descsz)
		if descsz > uint64(len(rest)) {
			return nil
		}
		desc := rest[:descsz]
		if typ == ntGNUBuildID && string(name) == "GNU\x00" && descsz >= 8 && descsz <= 64 {
			return bytes.Clone(desc)
		}
		if descEnd > uint64(len(rest)) {
			return nil
		}
		b = rest[descEnd:]
	}
	return nil
}
