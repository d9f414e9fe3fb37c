package ident_test

import (
	"bytes"
	"debug/elf"
	"debug/pe"
	"encoding/binary"
	"unicode/utf16"
)

// elfSpec describes a small generated ELF64 program.
type elfSpec struct {
	text    []byte // .text content
	buildID []byte // nil: no build-id note
	comment string // a non-loaded section (.comment), like a compiler's
	noShdr  bool   // no section table (sstrip)
}

// makeELF writes a minimal x86-64 ELF executable: a PT_LOAD over .text and
// .data, a PT_NOTE over the build-id note when there is one, and a section
// table with .shstrtab and .comment.
func makeELF(s elfSpec) []byte {
	le := binary.LittleEndian
	const base = 0x400000
	data := []byte("datadata")
	var note []byte
	if s.buildID != nil {
		var nb bytes.Buffer
		_ = binary.Write(&nb, le, [3]uint32{4, uint32(len(s.buildID)), 3})
		nb.WriteString("GNU\x00")
		nb.Write(s.buildID)
		for nb.Len()%4 != 0 {
			nb.WriteByte(0)
		}
		note = nb.Bytes()
	}
	type sec struct {
		name  string
		typ   elf.SectionType
		flags elf.SectionFlag
		body  []byte
		off   uint64
	}
	secs := []*sec{
		{name: ".text", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, body: s.text},
		{name: ".data", typ: elf.SHT_PROGBITS, flags: elf.SHF_ALLOC | elf.SHF_WRITE, body: data},
	}
	if note != nil {
		secs = append(secs, &sec{name: ".note.gnu.build-id", typ: elf.SHT_NOTE, flags: elf.SHF_ALLOC, body: note})
	}
	secs = append(secs, &sec{name: ".comment", typ: elf.SHT_PROGBITS, body: []byte(s.comment)})
	var shstr bytes.Buffer
	shstr.WriteByte(0)
	names := map[string]uint32{}
	for _, x := range append(secs, &sec{name: ".shstrtab"}) {
		names[x.name] = uint32(shstr.Len())
		shstr.WriteString(x.name + "\x00")
	}
	secs = append(secs, &sec{name: ".shstrtab", typ: elf.SHT_STRTAB, body: shstr.Bytes()})

	nprog := 1
	if note != nil {
		nprog = 2
	}
	off := uint64(64 + 56*nprog)
	var body bytes.Buffer
	for _, x := range secs {
		for (off+uint64(body.Len()))%8 != 0 {
			body.WriteByte(0)
		}
		x.off = off + uint64(body.Len())
		body.Write(x.body)
	}
	shoff := off + uint64(body.Len())
	for shoff%8 != 0 {
		body.WriteByte(0)
		shoff++
	}
	loadEnd := secs[1].off + uint64(len(data))

	var out bytes.Buffer
	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: 1,
		Entry: base + secs[0].off, Phoff: 64, Ehsize: 64, Phentsize: 56, Phnum: uint16(nprog),
		Shentsize: 64,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS], hdr.Ident[elf.EI_DATA], hdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	if !s.noShdr {
		hdr.Shoff, hdr.Shnum, hdr.Shstrndx = shoff, uint16(len(secs)+1), uint16(len(secs))
	}
	_ = binary.Write(&out, le, hdr)
	_ = binary.Write(&out, le, elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X),
		Off: 0, Vaddr: base, Paddr: base, Filesz: loadEnd, Memsz: loadEnd, Align: 0x1000})
	if note != nil {
		n := secs[2]
		_ = binary.Write(&out, le, elf.Prog64{Type: uint32(elf.PT_NOTE), Flags: uint32(elf.PF_R),
			Off: n.off, Vaddr: base + n.off, Paddr: base + n.off, Filesz: uint64(len(note)), Memsz: uint64(len(note)), Align: 4})
	}
	out.Write(body.Bytes())
	if !s.noShdr {
		_ = binary.Write(&out, le, elf.Section64{})
		for _, x := range secs {
			sh := elf.Section64{Name: names[x.name], Type: uint32(x.typ), Flags: uint64(x.flags), Off: x.off, Size: uint64(len(x.body)), Addralign: 1}
			if x.flags&elf.SHF_ALLOC != 0 {
				sh.Addr = base + x.off
			}
			if x.typ == elf.SHT_NOTE {
				sh.Addralign = 4
			}
			_ = binary.Write(&out, le, sh)
		}
	}
	return out.Bytes()
}

// peSpec describes a small generated PE32+ program.
type peSpec struct {
	text    []byte
	version map[string]string // nil: no version resource
	fileVer [4]uint16
}

// makePE writes a minimal x86-64 PE file: .text, and .rsrc holding a
// VS_VERSIONINFO when the spec has one.
func makePE(s peSpec) []byte {
	le := binary.LittleEndian
	const fileAlign, textRVA, rsrcRVA = 0x200, 0x1000, 0x2000
	pad := func(b []byte, n int) []byte {
		for len(b)%n != 0 {
			b = append(b, 0)
		}
		return b
	}
	text := pad(append([]byte(nil), s.text...), fileAlign)
	var rsrc []byte
	if s.version != nil {
		rsrc = resourceTree(rsrcRVA, versionInfoBlob(s.version, s.fileVer))
		rsrc = pad(rsrc, fileAlign)
	}
	nsec := 1
	if rsrc != nil {
		nsec = 2
	}
	var out bytes.Buffer
	dos := make([]byte, 0x40)
	dos[0], dos[1] = 'M', 'Z'
	le.PutUint32(dos[0x3c:], 0x40)
	out.Write(dos)
	out.WriteString("PE\x00\x00")
	_ = binary.Write(&out, le, pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: uint16(nsec),
		SizeOfOptionalHeader: 240, Characteristics: 0x22})
	oh := pe.OptionalHeader64{Magic: 0x20b, AddressOfEntryPoint: textRVA, BaseOfCode: textRVA, ImageBase: 0x140000000,
		SectionAlignment: 0x1000, FileAlignment: fileAlign, MajorSubsystemVersion: 6, SizeOfImage: 0x3000,
		SizeOfHeaders: fileAlign, Subsystem: 3, NumberOfRvaAndSizes: 16}
	if rsrc != nil {
		oh.DataDirectory[2] = pe.DataDirectory{VirtualAddress: rsrcRVA, Size: uint32(len(rsrc))}
	}
	_ = binary.Write(&out, le, oh)
	sh := func(name string, rva, size, off, ch uint32) pe.SectionHeader32 {
		h := pe.SectionHeader32{VirtualSize: size, VirtualAddress: rva, SizeOfRawData: size, PointerToRawData: off, Characteristics: ch}
		copy(h.Name[:], name)
		return h
	}
	_ = binary.Write(&out, le, sh(".text", textRVA, uint32(len(text)), fileAlign, 0x60000020))
	if rsrc != nil {
		_ = binary.Write(&out, le, sh(".rsrc", rsrcRVA, uint32(len(rsrc)), uint32(fileAlign+len(text)), 0x40000040))
	}
	b := pad(out.Bytes(), fileAlign)
	b = append(b, text...)
	return append(b, rsrc...)
}

// resourceTree lays out type 16 / id 1 / language 0x409 → the blob.
func resourceTree(rva uint32, blob []byte) []byte {
	le := binary.LittleEndian
	b := make([]byte, 88)
	dir := func(at int, id, next uint32) {
		le.PutUint16(b[at+14:], 1) // one id entry
		le.PutUint32(b[at+16:], id)
		le.PutUint32(b[at+20:], next)
	}
	dir(0, 16, 0x80000000|24)
	dir(24, 1, 0x80000000|48)
	dir(48, 0x409, 72)
	le.PutUint32(b[72:], rva+88)
	le.PutUint32(b[76:], uint32(len(blob)))
	return append(b, blob...)
}

// versionInfoBlob builds VS_VERSIONINFO with a fixed file info and one
// string table.
func versionInfoBlob(strs map[string]string, v [4]uint16) []byte {
	fixed := make([]byte, 52)
	le := binary.LittleEndian
	le.PutUint32(fixed, 0xFEEF04BD)
	le.PutUint32(fixed[4:], 0x10000)
	le.PutUint32(fixed[8:], uint32(v[0])<<16|uint32(v[1]))
	le.PutUint32(fixed[12:], uint32(v[2])<<16|uint32(v[3]))
	var strings [][]byte
	for _, k := range []string{"CompanyName", "FileVersion", "InternalName", "OriginalFilename", "ProductName"} {
		if val, ok := strs[k]; ok {
			strings = append(strings, viBlock(k, utf16z(val), 1, len(val)+1))
		}
	}
	table := viBlock("040904b0", nil, 1, 0, strings...)
	sfi := viBlock("StringFileInfo", nil, 1, 0, table)
	return viBlock("VS_VERSION_INFO", fixed, 0, len(fixed), sfi)
}

func utf16z(s string) []byte {
	var b []byte
	for _, c := range append(utf16.Encode([]rune(s)), 0) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

// viBlock is one version-info block: header, key, value, children, each
// 32-bit aligned.
func viBlock(key string, value []byte, typ uint16, valueLen int, children ...[]byte) []byte {
	b := make([]byte, 6)
	b = append(b, utf16z(key)...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	b = append(b, value...)
	for _, c := range children {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint16(b, uint16(len(b)))
	binary.LittleEndian.PutUint16(b[2:], uint16(valueLen))
	binary.LittleEndian.PutUint16(b[4:], typ)
	return b
}
