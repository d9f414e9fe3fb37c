//go:build !windows

package ostest

import "testing"

// Wine is "" off Windows (see ostest_windows.go).
func Wine() string { return "" }

// SkipUnderWine does nothing off Windows.
func SkipUnderWine(t testing.TB, lacks string) {}
