//go:build windows

package ostest

import (
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

var wine = sync.OnceValue(func() string {
	// ntdll.dll exports wine_get_version under Wine, never on Windows.
	p := windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version")
	if p.Find() == nil {
		r, _, _ := p.Call()
		if r != 0 {
			return "Wine " + windows.BytePtrToString(*(**byte)(unsafe.Pointer(&r)))
		}
		return "Wine"
	}
	// Wine's registry has HKLM\Software\Wine.
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, `Software\Wine`, registry.QUERY_VALUE); err == nil {
		k.Close()
		return "Wine"
	}
	return ""
})

// Wine returns "Wine 8.0" (or "Wine" when the version is unreadable) when
// this Windows test binary runs under Wine (make test-windows), and "" on
// Windows.
func Wine() string { return wine() }

// SkipUnderWine skips the test under Wine, saying what Wine lacks that the
// test needs; on Windows it does nothing.
func SkipUnderWine(t testing.TB, lacks string) {
	t.Helper()
	if w := Wine(); w != "" {
		t.Skipf("under %s: %s (Wine is not Windows; this runs only on Windows)", w, lacks)
	}
}
