package platform

// Decoding a Windows process's command line as NtQueryInformationProcess
// returns it, kept free of system calls so that it is tested on every OS.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
	"unsafe"
)

// commandLineFromInfo decodes the buffer NtQueryInformationProcess fills for
// ProcessCommandLineInformation: a UNICODE_STRING (Length and MaximumLength
// in bytes, then, at pointer alignment, Buffer), whose Buffer points into
// the same buffer, after the header. The string ends at Length or at the
// first NUL. A Buffer outside buf is an error, never a read.
func commandLineFromInfo(buf []byte) (string, error) {
	const ptrSize = int(unsafe.Sizeof(uintptr(0)))
	if len(buf) < 2*ptrSize {
		return "", fmt.Errorf("command line information: %d bytes, shorter than a UNICODE_STRING", len(buf))
	}
	length := int(binary.NativeEndian.Uint16(buf[0:2]))
	if length == 0 {
		return "", nil
	}
	var ptr uintptr
	if ptrSize == 8 {
		ptr = uintptr(binary.NativeEndian.Uint64(buf[ptrSize:]))
	} else {
		ptr = uintptr(binary.NativeEndian.Uint32(buf[ptrSize:]))
	}
	base := uintptr(unsafe.Pointer(&buf[0]))
	if ptr < base+uintptr(2*ptrSize) || ptr-base > uintptr(len(buf)) || uintptr(length) > uintptr(len(buf))-(ptr-base) {
		return "", errors.New("command line information: the string is not inside the buffer")
	}
	if length%2 != 0 {
		return "", fmt.Errorf("command line information: odd length %d for UTF-16", length)
	}
	data := buf[ptr-base:][:length]
	u := make([]uint16, 0, length/2)
	for i := 0; i < length; i += 2 {
		c := binary.LittleEndian.Uint16(data[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), nil
}
