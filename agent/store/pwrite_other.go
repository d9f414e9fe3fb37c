//go:build !linux

package store

import "os"

// pwrite writes b at off.
func pwrite(f *os.File, b []byte, off int64) error {
	_, err := f.WriteAt(b, off)
	return err
}
