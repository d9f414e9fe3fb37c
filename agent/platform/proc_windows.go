package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// stillActive is STILL_ACTIVE, the exit code of a running process.
const stillActive = 259

// ReadProc reads one process: parent, executable path, start time and
// owner from the process itself (NtQueryInformationProcess and one token
// read, no snapshot: the exec path calls it for each new process), name
// from its path; command line from the kernel
// (NtQueryInformationProcess), when this process may read it. A process it
// may not open, or whose image it cannot read, is looked up in a Toolhelp
// snapshot instead. When the process does not exist the error wraps
// os.ErrNotExist.
func ReadProc(pid int) (Process, error) {
	if pid <= 0 {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, fs.ErrNotExist)
	}
	p, ok, gone := readDirect(pid)
	if gone {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, fs.ErrNotExist)
	}
	if !ok {
		var err error
		if p, err = readFromSnapshot(pid); err != nil {
			return Process{}, err
		}
	}
	if v, err := processCmdline(pid); err == nil && len(v) > 0 {
		p.Cmdline = v
	}
	return p, nil
}

// readDirect reads a process through its own handle; ok is false when that
// is not enough (it may not be opened, or its image not read).
func readDirect(pid int) (p Process, ok, gone bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return Process{}, false, errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	var bi windows.PROCESS_BASIC_INFORMATION
	n := uint32(unsafe.Sizeof(bi))
	if err := windows.NtQueryInformationProcess(h, windows.ProcessBasicInformation, unsafe.Pointer(&bi), n, &n); err != nil {
		return Process{}, false, false
	}
	p = Process{PID: pid, PPID: int(bi.InheritedFromUniqueProcessId)}
	if gone := fillFrom(h, &p); gone {
		return Process{}, false, true
	}
	if p.Exe == "" {
		return Process{}, false, false
	}
	p.Name = filepath.Base(p.Exe)
	return p, true, false
}

// readFromSnapshot reads a process found in a Toolhelp snapshot (pid,
// parent, base name), then what its handle tells.
func readFromSnapshot(pid int) (Process, error) {
	var found *windows.ProcessEntry32
	err := eachProcessEntry(func(e *windows.ProcessEntry32) bool {
		if int(e.ProcessID) == pid {
			c := *e
			found = &c
			return false
		}
		return true
	})
	if err != nil {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, err)
	}
	if found == nil {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, fs.ErrNotExist)
	}
	p := fromEntry(found)
	if gone := fillProcess(&p); gone {
		return Process{}, fmt.Errorf("platform: read process %d: %w", pid, fs.ErrNotExist)
	}
	return p, nil
}

// processCmdline reads a process's command line with
// NtQueryInformationProcess(ProcessCommandLineInformation), which needs only
// PROCESS_QUERY_LIMITED_INFORMATION (Windows 8.1 and later), and splits it
// as the C runtime does (CommandLineToArgvW).
func processCmdline(pid int) ([]string, error) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return nil, fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	// The first call says how big the answer is; the command line can grow
	// in between only by being replaced, so retry a few times.
	size := uint32(512)
	for range 4 {
		buf := make([]byte, size)
		err := windows.NtQueryInformationProcess(h, windows.ProcessCommandLineInformation, unsafe.Pointer(&buf[0]), size, &size)
		switch {
		case err == nil:
			line, err := commandLineFromInfo(buf)
			if err != nil {
				return nil, err
			}
			return windows.DecomposeCommandLine(line)
		case errors.Is(err, windows.STATUS_INFO_LENGTH_MISMATCH), errors.Is(err, windows.STATUS_BUFFER_OVERFLOW), errors.Is(err, windows.STATUS_BUFFER_TOO_SMALL):
			if size <= uint32(len(buf)) {
				size = 2 * uint32(len(buf))
			}
			continue
		default:
			return nil, fmt.Errorf("command line of process %d: %w", pid, err)
		}
	}
	return nil, fmt.Errorf("command line of process %d: it keeps growing", pid)
}

// ScanProcs lists every process from one Toolhelp snapshot, each with its
// executable path, start time and owner (no command line). Processes that
// exit during the scan are left out; those this process may not open (as
// LocalSystem, only protected ones, which run as SYSTEM) keep UID 0 and an
// empty Exe.
func ScanProcs() ([]Process, error) {
	var out []Process
	err := eachProcessEntry(func(e *windows.ProcessEntry32) bool {
		if e.ProcessID == 0 {
			return true // System Idle Process
		}
		p := fromEntry(e)
		if gone := fillProcess(&p); !gone {
			out = append(out, p)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("platform: scan processes: %w", err)
	}
	return out, nil
}

// eachProcessEntry calls f for each process of a Toolhelp snapshot until f
// returns false.
func eachProcessEntry(f func(*windows.ProcessEntry32) bool) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return fmt.Errorf("CreateToolhelp32Snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	var e windows.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	err = windows.Process32First(snap, &e)
	for err == nil {
		if !f(&e) {
			return nil
		}
		err = windows.Process32Next(snap, &e)
	}
	if errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return nil
	}
	return fmt.Errorf("Process32Next: %w", err)
}

func fromEntry(e *windows.ProcessEntry32) Process {
	return Process{PID: int(e.ProcessID), PPID: int(e.ParentProcessID), Name: windows.UTF16ToString(e.ExeFile[:])}
}

// fillProcess adds what only the process itself tells: executable path,
// start time, owner (UID from the token's user SID, User its account name).
// Every field is best effort; gone reports a process that has exited.
func fillProcess(p *Process) (gone bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(p.PID))
	if err != nil {
		// ERROR_INVALID_PARAMETER: no such process (any more).
		return errors.Is(err, windows.ERROR_INVALID_PARAMETER)
	}
	defer windows.CloseHandle(h)
	return fillFrom(h, p)
}

// fillFrom is fillProcess on an open handle.
func fillFrom(h windows.Handle, p *Process) (gone bool) {
	if code := uint32(0); windows.GetExitCodeProcess(h, &code) == nil && code != stillActive {
		return true // exited; something still holds a handle to it
	}
	p.Exe = processImage(h)
	var c, x, k, u windows.Filetime
	if err := windows.GetProcessTimes(h, &c, &x, &k, &u); err == nil {
		p.Start = time.Unix(0, c.Nanoseconds())
		// Wine answers 0x5555555555555555 for a process still being
		// created (see snapshot): it started about now. (Not zero: pid and
		// start tell processes apart, and Wine reuses pids at once.)
		if ft := int64(c.HighDateTime)<<32 | int64(c.LowDateTime); ft < earliestStart || ft > timeToFiletime(time.Now().Add(time.Hour)) {
			p.Start = time.Now()
		}
	}
	if sid, err := processSID(h); err == nil {
		p.UID = rememberSID(sid)
		p.User = sidName(sid)
	}
	return false
}

// processImage returns the full Win32 path of a process's executable, or "".
func processImage(h windows.Handle) string {
	for _, size := range []int{windows.MAX_PATH, windows.MAX_LONG_PATH} {
		buf := make([]uint16, size)
		n := uint32(len(buf))
		err := windows.QueryFullProcessImageName(h, 0, &buf[0], &n)
		if err == nil {
			return windows.UTF16ToString(buf[:n])
		}
		if !errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
			return ""
		}
	}
	return ""
}
