//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package platform

import "syscall"

func ctimeNano(st *syscall.Stat_t) int64 { return st.Ctimespec.Nano() }
func mtimeNano(st *syscall.Stat_t) int64 { return st.Mtimespec.Nano() }
