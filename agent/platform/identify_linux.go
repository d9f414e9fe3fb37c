package platform

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/kidtime/kidtime/agent/facts"
	"github.com/kidtime/kidtime/agent/ident"
)

// maxHostDepth bounds hosts within hosts (ld.so running python3 running a
// script).
const maxHostDepth = 3

// IdentifyProc identifies the program a running process runs: its
// executable through /proc/PID/exe (reached even when renamed or deleted),
// or, when that is a host (a dynamic loader, an interpreter, Wine), the
// first of the files its arguments name that exists: a relative name is
// found in the process's working folder (/proc/PID/cwd), an absolute one
// under its root (/proc/PID/root), a Wine path through the Wine prefix.
// cmdline is the process's argument vector. A vanished process gives an
// error wrapping os.ErrNotExist.
func (h *Hasher) IdentifyProc(pid int, cmdline []string) (facts.Program, error) {
	dir := procRoot + "/" + strconv.Itoa(pid)
	exe, _, err := readExe(dir)
	if err != nil {
		return facts.Program{}, fmt.Errorf("platform: identify process %d: %w", pid, err)
	}
	f, err := os.Open(dir + "/exe")
	if err != nil {
		return facts.Program{Path: exe}, fmt.Errorf("platform: identify process %d (%s): %w", pid, exe, err)
	}
	prog, err := h.identifyOpen(f, exe)
	f.Close()
	if err != nil {
		return facts.Program{Path: exe}, fmt.Errorf("platform: identify process %d (%s): %w", pid, exe, err)
	}
	argv := cmdline
	for depth := 0; depth < maxHostDepth; depth++ {
		next, rest, ok := h.hosted(dir, prog.Path, argv)
		if !ok {
			break
		}
		next.Host, next.HostSHA256, next.HostID = prog.Host, prog.HostSHA256, prog.HostID
		if next.Host == "" {
			next.Host, next.HostSHA256, next.HostID = prog.Path, prog.SHA256, prog.ID
		}
		prog, argv = next, rest
	}
	return prog, nil
}

// hosted finds the program the host at exe runs with argv, if any.
func (h *Hasher) hosted(dir, exe string, argv []string) (facts.Program, []string, bool) {
	for _, i := range ident.Hosted(exe, argv) {
		open, show, ok := resolveArg(dir, argv[i])
		if !ok {
			continue
		}
		f, err := openProgram(open)
		if err != nil {
			continue
		}
		p, err := h.identifyOpen(f, show)
		f.Close()
		if err != nil {
			continue
		}
		return p, argv[i:], true
	}
	return facts.Program{}, nil, false
}

// resolveArg turns a program named in a process's arguments into the path
// to open (through the process's /proc folder) and the path to show.
func resolveArg(dir, arg string) (open, show string, ok bool) {
	if p, unix := ident.UnixPath(arg); !unix {
		drive, rest, ok := ident.DriveRelative(arg)
		if !ok {
			return "", "", false
		}
		prefix := winePrefix(dir)
		if prefix == "" {
			return "", "", false
		}
		show = filepath.Join(prefix, "dosdevices", drive, rest)
		return dir + "/root" + show, show, true
	} else {
		arg = p
	}
	if filepath.IsAbs(arg) {
		show = filepath.Clean(arg)
		return dir + "/root" + show, show, true
	}
	cwd, err := os.Readlink(dir + "/cwd")
	if err != nil {
		return "", "", false
	}
	return dir + "/cwd/" + arg, filepath.Join(cwd, arg), true
}

// winePrefix is the process's Wine prefix: $WINEPREFIX, else ~/.wine.
func winePrefix(dir string) string {
	b, err := os.ReadFile(dir + "/environ")
	if err != nil {
		return ""
	}
	home := ""
	for _, kv := range bytes.Split(b, []byte{0}) {
		k, v, _ := strings.Cut(string(kv), "=")
		switch k {
		case "WINEPREFIX":
			if filepath.IsAbs(v) {
				return filepath.Clean(v)
			}
		case "HOME":
			home = v
		}
	}
	if !filepath.IsAbs(home) {
		return ""
	}
	return filepath.Join(home, ".wine")
}

// openProgram opens a file a child named without blocking on it (a FIFO
// would otherwise stop the exec path) and only when it is a regular file.
func openProgram(path string) (*os.File, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	st, err := statOpen(f)
	if err != nil || !st.regular() || st.size() == 0 {
		f.Close()
		return nil, fmt.Errorf("open %s: not a program file", path)
	}
	return f, nil
}
