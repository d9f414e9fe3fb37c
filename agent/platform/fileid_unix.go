//go:build !windows

package platform

import (
	"io/fs"
	"os"
	"syscall"
)

// statOpen reads what identifying an open file needs with one fstat into
// a stack buffer: os.File.Stat allocates a FileInfo (about 200 bytes) for
// every new process of a child.
func statOpen(f *os.File) (fileStat, error) {
	// Through SyscallConn, not Fd: Fd would put a descriptor opened
	// non-blocking (openProgram's, which may be a FIFO) into blocking mode.
	rc, err := f.SyscallConn()
	if err != nil {
		return fileStat{}, &fs.PathError{Op: "stat", Path: f.Name(), Err: err}
	}
	var st syscall.Stat_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstat(int(fd), &st) }); err != nil {
		return fileStat{}, &fs.PathError{Op: "stat", Path: f.Name(), Err: err}
	}
	if serr != nil {
		return fileStat{}, &fs.PathError{Op: "stat", Path: f.Name(), Err: serr}
	}
	return fileStat{
		mode: fileType(uint32(st.Mode)), // uint16 on darwin
		key:  fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)},
		stamp: fileStamp{
			size:  st.Size,
			mtime: mtimeNano(&st),
			ctime: ctimeNano(&st),
		},
	}, nil
}

// fileType is the type bits of a stat mode as an fs.FileMode (0: a
// regular file).
func fileType(mode uint32) fs.FileMode {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		return 0
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}
