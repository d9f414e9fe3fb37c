package clock

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Elapsed is the time since boot, suspend included: what /proc/uptime says.
func TestSystemElapsedIsBootTime(t *testing.T) {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Skip(err)
	}
	f := strings.Fields(string(b))
	up, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		t.Fatalf("/proc/uptime %q: %v", b, err)
	}
	got := System{}.Elapsed()
	want := time.Duration(up * float64(time.Second))
	if d := got - want; d < 0 || d > 500*time.Millisecond {
		t.Errorf("Elapsed = %v; /proc/uptime says %v", got, want)
	}
}
