package platform

import (
	"bytes"
	"io/fs"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// A child's new processes are mostly the same few programs: the same
// executable paths, names and arguments again and again. Reading them
// into fresh strings was a third of what taking in a new process
// allocated (two readlinks of /proc/PID/exe alone, 300 bytes); the
// interner hands out the string it already holds instead.

// internMax bounds the interner: past it, it starts again empty (a child
// who runs thousands of distinct commands costs what he did before, no
// more). With internLong, it holds at most about 200 kB (128 kB of
// strings and the map), and typically a few kB: a few programs, their
// names and their usual arguments.
const internMax = 1024

// internLong is the longest string kept: a longer one (a script's whole
// text in an argument, a long URL) is copied each time, as before.
const internLong = 128

type interner struct {
	mu sync.Mutex
	m  map[string]string
}

var procStrings = &interner{m: make(map[string]string)}

// str returns b as a string, the held copy when there is one. The lookup
// with string(b) as the key does not allocate.
func (in *interner) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > internLong {
		return string(b)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if len(in.m) >= internMax {
		in.m = make(map[string]string) // a new map: clear keeps the old one's size
	}
	s := string(b)
	in.m[s] = s
	return s
}

// readExe reads the link /proc/PID/exe (dir is /proc/PID) into a stack
// buffer: the program's path, without the " (deleted)" the kernel appends
// to a removed file's, and whether it was there. Errors are
// os.Readlink's, as *fs.PathError.
func readExe(dir string) (string, bool, error) {
	var buf [512]byte
	path := dir + "/exe"
	n, err := readlinkEINTR(path, buf[:])
	if err != nil {
		return "", false, &fs.PathError{Op: "readlink", Path: path, Err: err}
	}
	if n < len(buf) {
		b, deleted := bytes.CutSuffix(buf[:n], []byte(" (deleted)"))
		return procStrings.str(b), deleted, nil
	}
	// A path as long as the buffer may be cut: read it the long way.
	target, err := readlinkLong(path)
	if err != nil {
		return "", false, err
	}
	exe, deleted := strings.CutSuffix(target, " (deleted)")
	return exe, deleted, nil
}

func readlinkEINTR(path string, buf []byte) (int, error) {
	for {
		n, err := unix.Readlink(path, buf)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// readlinkLong reads a link of any length (up to PATH_MAX and beyond).
func readlinkLong(path string) (string, error) {
	for size := 4096; ; size *= 2 {
		buf := make([]byte, size)
		n, err := readlinkEINTR(path, buf)
		if err != nil {
			return "", &fs.PathError{Op: "readlink", Path: path, Err: err}
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
