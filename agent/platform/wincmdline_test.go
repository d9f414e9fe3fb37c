package platform

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
	"unsafe"
)

// commandLineInfo lays out a buffer as NtQueryInformationProcess fills it
// for ProcessCommandLineInformation: a UNICODE_STRING whose Buffer points
// at the UTF-16 text right after it. at moves Buffer by that many bytes
// from there; length overrides Length when not -1.
func commandLineInfo(s string, at, length int) []byte {
	const ptrSize = int(unsafe.Sizeof(uintptr(0)))
	text := utf16.Encode([]rune(s))
	buf := make([]byte, 2*ptrSize+2*len(text)+2) // and a NUL, as Windows writes
	for i, c := range text {
		binary.LittleEndian.PutUint16(buf[2*ptrSize+2*i:], c)
	}
	if length == -1 {
		length = 2 * len(text)
	}
	binary.NativeEndian.PutUint16(buf[0:], uint16(length))
	binary.NativeEndian.PutUint16(buf[2:], uint16(2*len(text)+2))
	ptr := uintptr(unsafe.Pointer(&buf[0])) + uintptr(2*ptrSize+at)
	if ptrSize == 8 {
		binary.NativeEndian.PutUint64(buf[ptrSize:], uint64(ptr))
	} else {
		binary.NativeEndian.PutUint32(buf[ptrSize:], uint32(ptr))
	}
	return buf
}

func TestCommandLineFromInfo(t *testing.T) {
	const game = `"C:\Program Files\Roblox\RobloxPlayerBeta.exe" --app -t "tôi chơi"`
	tests := []struct {
		why     string
		buf     []byte
		want    string
		wantErr string
	}{
		{"a command line is decoded from UTF-16, spaces, quotes and accents kept",
			commandLineInfo(game, 0, -1), game, ""},
		{"characters outside the BMP survive (surrogate pairs)",
			commandLineInfo("notepad 🎮.txt", 0, -1), "notepad 🎮.txt", ""},
		{"an empty command line (Length 0) is empty, whatever Buffer says",
			commandLineInfo("", 0, -1), "", ""},
		{"the text stops at Length, not at the end of the buffer",
			commandLineInfo("game.exe --extra", 0, 2*len("game.exe")), "game.exe", ""},
		{"the text stops at a NUL inside Length",
			commandLineInfo("game.exe\x00junk", 0, -1), "game.exe", ""},
		{"a buffer shorter than the header is an error",
			make([]byte, 3), "", "shorter than a UNICODE_STRING"},
		{"a Length past the end of the buffer is an error, not a read",
			commandLineInfo("game.exe", 0, 200), "", "not inside the buffer"},
		{"a Buffer pointing past the end is an error, not a read",
			commandLineInfo("game.exe", 4096, -1), "", "not inside the buffer"},
		{"a Buffer pointing into the header is an error",
			commandLineInfo("game.exe", -2, -1), "", "not inside the buffer"},
		{"an odd byte length is not UTF-16",
			commandLineInfo("game.exe", 0, 5), "", "odd length"},
	}
	for _, tt := range tests {
		got, err := commandLineFromInfo(tt.buf)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: got %q, %v; want an error containing %q", tt.why, got, err, tt.wantErr)
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.why, err)
		case tt.wantErr == "" && got != tt.want:
			t.Errorf("%s: got %q, want %q", tt.why, got, tt.want)
		}
	}
}
