//go:build !windows

package platform

import (
	"os"
	"syscall"
)

func fileIdentity(f *os.File, fi os.FileInfo) (fileKey, fileStamp) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileKey{path: f.Name()}, fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	}
	return fileKey{dev: uint64(st.Dev), ino: uint64(st.Ino)}, fileStamp{
		size:  st.Size,
		mtime: fi.ModTime().UnixNano(),
		ctime: ctimeNano(st),
	}
}
