package ident

import (
	"crypto/sha256"
	"debug/pe"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// ofPE reads the version resource, else hashes the sections.
func ofPE(r io.ReaderAt, size int64) (string, error) {
	f, err := pe.NewFile(r)
	if err != nil {
		return "", err
	}
	if v, err := versionInfo(f); err == nil && (v["ProductName"] != "" || v["OriginalFilename"] != "") {
		d := sha256.New()
		fmt.Fprintf(d, "%d\x00", f.Machine)
		// The version numbers are left out on purpose: every version of a
		// product is that product (and a version is the easiest thing to
		// edit).
		for _, k := range []string{"CompanyName", "ProductName", "OriginalFilename", "InternalName"} {
			fmt.Fprintf(d, "%s=%s\x00", k, strings.ToLower(strings.TrimSpace(v[k])))
		}
		return PEVersion + ":" + hex.EncodeToString(d.Sum(nil)), nil
	}
	d := sha256.New()
	fmt.Fprintf(d, "%d\x00", f.Machine)
	n := 0
	for _, s := range f.Sections {
		if s.Size == 0 || int64(s.Offset)+int64(s.Size) > size {
			continue
		}
		fmt.Fprintf(d, "%s\x00%d\x00", s.Name, s.VirtualSize)
		if _, err := io.Copy(d, s.Open()); err != nil {
			return "", fmt.Errorf("section %s: %w", s.Name, err)
		}
		n++
	}
	if n == 0 {
		return "", errors.New("no sections")
	}
	return PESections + ":" + hex.EncodeToString(d.Sum(nil)), nil
}

// Resource directory constants.
const (
	dirEntryResource = 2  // IMAGE_DIRECTORY_ENTRY_RESOURCE
	rtVersion        = 16 // RT_VERSION
	maxVersionInfo   = 64 << 10
	fixedSignature   = 0xFEEF04BD
)

// versionInfo reads the strings of the first string table of the file's
// version resource (CompanyName, ProductName, ...), and "FileVersion" from
// the fixed file info when it has one.
func versionInfo(f *pe.File) (map[string]string, error) {
	var dd pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if oh.NumberOfRvaAndSizes <= dirEntryResource {
			return nil, errors.New("no resource directory")
		}
		dd = oh.DataDirectory[dirEntryResource]
	case *pe.OptionalHeader64:
		if oh.NumberOfRvaAndSizes <= dirEntryResource {
			return nil, errors.New("no resource directory")
		}
		dd = oh.DataDirectory[dirEntryResource]
	default:
		return nil, errors.New("no optional header")
	}
	if dd.VirtualAddress == 0 || dd.Size == 0 {
		return nil, errors.New("no resources")
	}
	sec, rsrc, err := sectionAt(f, dd.VirtualAddress)
	if err != nil {
		return nil, err
	}
	leaf, err := firstResource(rsrc, rtVersion)
	if err != nil {
		return nil, err
	}
	dataRVA, dataSize := binary.LittleEndian.Uint32(rsrc[leaf:]), binary.LittleEndian.Uint32(rsrc[leaf+4:])
	if dataSize > maxVersionInfo {
		return nil, fmt.Errorf("version resource of %d bytes", dataSize)
	}
	start := int64(dataRVA) - int64(sec.VirtualAddress)
	data, err := readSection(sec)
	if err != nil {
		return nil, err
	}
	if start < 0 || start+int64(dataSize) > int64(len(data)) {
		return nil, errors.New("version resource outside its section")
	}
	root, _, err := parseBlock(data[start:start+int64(dataSize)], 0, 0)
	if err != nil {
		return nil, fmt.Errorf("version resource: %w", err)
	}
	out := map[string]string{}
	if len(root.value) >= 52 && binary.LittleEndian.Uint32(root.value) == fixedSignature {
		ms, ls := binary.LittleEndian.Uint32(root.value[8:]), binary.LittleEndian.Uint32(root.value[12:])
		out["FileVersion"] = fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
	}
	for _, c := range root.children {
		if c.key != "StringFileInfo" || len(c.children) == 0 {
			continue
		}
		for _, s := range c.children[0].children {
			if _, ok := out[s.key]; !ok || s.key != "FileVersion" {
				out[s.key] = utf16String(s.value)
			}
		}
		break
	}
	return out, nil
}

// sectionAt returns the section holding rva and its data from rva on.
func sectionAt(f *pe.File, rva uint32) (*pe.Section, []byte, error) {
	for _, s := range f.Sections {
		if rva < s.VirtualAddress || rva >= s.VirtualAddress+max(s.VirtualSize, s.Size) {
			continue
		}
		data, err := readSection(s)
		if err != nil {
			return nil, nil, err
		}
		off := rva - s.VirtualAddress
		if int(off) >= len(data) {
			return nil, nil, errors.New("resource directory outside its section's data")
		}
		return s, data[off:], nil
	}
	return nil, nil, fmt.Errorf("no section holds RVA %#x", rva)
}

// maxResourceSection bounds what is read of the section holding resources.
const maxResourceSection = 64 << 20

func readSection(s *pe.Section) ([]byte, error) {
	if s.Size > maxResourceSection {
		return nil, fmt.Errorf("section %s of %d bytes", s.Name, s.Size)
	}
	b, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("read section %s: %w", s.Name, err)
	}
	return b, nil
}

// firstResource walks the resource tree (type, name, language) down the
// entry of the given type id and the first entry below it, and returns
// the offset of the IMAGE_RESOURCE_DATA_ENTRY in rsrc.
func firstResource(rsrc []byte, typ uint32) (int, error) {
	off := 0
	for level := 0; level < 3; level++ {
		if off+16 > len(rsrc) {
			return 0, errors.New("resource directory truncated")
		}
		named := int(binary.LittleEndian.Uint16(rsrc[off+12:]))
		ids := int(binary.LittleEndian.Uint16(rsrc[off+14:]))
		entries := off + 16
		if entries+8*(named+ids) > len(rsrc) {
			return 0, errors.New("resource entries truncated")
		}
		found := -1
		for i := 0; i < named+ids; i++ {
			e := entries + 8*i
			name := binary.LittleEndian.Uint32(rsrc[e:])
			if level == 0 && (name&0x80000000 != 0 || name != typ) {
				continue
			}
			found = e
			break
		}
		if found < 0 {
			return 0, errors.New("no version resource")
		}
		next := binary.LittleEndian.Uint32(rsrc[found+4:])
		isDir := next&0x80000000 != 0
		off = int(next & 0x7fffffff)
		if level < 2 {
			if !isDir {
				return 0, errors.New("resource tree too shallow")
			}
			continue
		}
		if isDir || off+16 > len(rsrc) {
			return 0, errors.New("resource tree too deep")
		}
	}
	return off, nil
}

// viBlock is one block of a VS_VERSIONINFO tree.
type viBlock struct {
	key      string
	value    []byte
	children []viBlock
}

func align4(n int) int { return (n + 3) &^ 3 }

// parseBlock reads the block at off (offsets are from the start of the
// VS_VERSIONINFO, which is 32-bit aligned) and returns the offset after it.
func parseBlock(b []byte, off, depth int) (viBlock, int, error) {
	if off+6 > len(b) {
		return viBlock{}, 0, errors.New("block header truncated")
	}
	length := int(binary.LittleEndian.Uint16(b[off:]))
	valueLen := int(binary.LittleEndian.Uint16(b[off+2:]))
	if binary.LittleEndian.Uint16(b[off+4:]) == 1 {
		valueLen *= 2 // text: the length counts UTF-16 units
	}
	end := off + length
	if length < 6 || end > len(b) {
		return viBlock{}, 0, fmt.Errorf("block at %d: length %d out of bounds", off, length)
	}
	var blk viBlock
	p := off + 6
	var key []uint16
	for ; p+2 <= end; p += 2 {
		c := binary.LittleEndian.Uint16(b[p:])
		if c == 0 {
			p += 2
			break
		}
		key = append(key, c)
	}
	blk.key = string(utf16.Decode(key))
	p = min(align4(p), end)
	blk.value = b[p:min(p+valueLen, end)]
	p = align4(p + valueLen)
	for depth < 4 && p+6 <= end {
		c, next, err := parseBlock(b, p, depth+1)
		if err != nil {
			return viBlock{}, 0, err
		}
		blk.children = append(blk.children, c)
		p = align4(next)
	}
	return blk, end, nil
}

// utf16String decodes a NUL-terminated little-endian UTF-16 value.
func utf16String(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
