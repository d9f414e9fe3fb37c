package platform

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// fileIdentity on Windows keys by volume serial number and file index (the
// NTFS equivalent of device and inode), validated by size, last write time
// and creation time. Without the handle information it falls back to the
// case-folded path.
func fileIdentity(f *os.File, fi os.FileInfo) (fileKey, fileStamp) {
	var info windows.ByHandleFileInformation
	if err := windows.GetFileInformationByHandle(windows.Handle(f.Fd()), &info); err != nil {
		return fileKey{path: strings.ToLower(filepath.Clean(f.Name()))}, fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	}
	return fileKey{
			dev: uint64(info.VolumeSerialNumber),
			ino: uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow),
		}, fileStamp{
			size:  int64(info.FileSizeHigh)<<32 | int64(info.FileSizeLow),
			mtime: info.LastWriteTime.Nanoseconds(),
			ctime: info.CreationTime.Nanoseconds(),
		}
}

// statOpen reads what identifying an open file needs: its type from
// os.File.Stat, its identity and stamp from the handle.
func statOpen(f *os.File) (fileStat, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileStat{}, err
	}
	key, stamp := fileIdentity(f, fi)
	return fileStat{mode: fi.Mode().Type(), key: key, stamp: stamp}, nil
}
