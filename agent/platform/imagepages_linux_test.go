package platform

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestImageRanges(t *testing.T) {
	const maps = `00400000-00c15000 r-xp 00000000 fe:00 4242                       /usr/sbin/kidtimed
00c15000-013fd000 r--p 00815000 fe:00 4242                       /usr/sbin/kidtimed
013fd000-0147f000 rw-p 00ffd000 fe:00 4242                       /usr/sbin/kidtimed
0147f000-034cc000 rw-p 00000000 00:00 0
7f00000000-7f00001000 r--s 00000000 fe:00 4242                   /usr/sbin/kidtimed
7f00001000-7f00002000 r--p 00000000 fe:01 4242                   /other/device
7f00002000-7f00003000 r--p 00000000 fe:00 4243                   /other/inode
7f00003000-7f00004000 r-xp 00000000 fe:00 4242                   /usr/sbin/kidtimed (deleted)
garbage line
7f00005000-7f00004000 r--p 00000000 fe:00 4242                   /backwards
7f00006000 r--p 00000000 fe:00 4242                              /no-dash
`
	got := imageRanges([]byte(maps), 0xfe, 0, 4242)
	want := []addrRange{
		{0x400000, 0xc15000},
		{0xc15000, 0x13fd000},
		{0x7f00003000, 0x7f00004000},
	}
	if len(got) != len(want) {
		t.Fatalf("ranges = %#x, want %#x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("range %d = %#x, want %#x", i, got[i], want[i])
		}
	}
}

// written is in the binary's writable data (its initial value is in the
// file): if the release dropped a written private page, it would read 1
// again.
var written = []int{1, 2, 3}

func TestReleaseImagePages(t *testing.T) {
	written[0] = 42
	before := imageResident(t)
	n, err := ReleaseImagePages()
	if err != nil {
		t.Fatal(err)
	}
	after := imageResident(t)
	t.Logf("released %d bytes of mappings; the image's resident read-only pages %d kB -> %d kB", n, before/1024, after/1024)
	if n <= 0 {
		t.Fatalf("released %d bytes", n)
	}
	if after > before/2 {
		t.Errorf("resident read-only pages of the image: %d kB before, %d kB after; want at most half", before/1024, after/1024)
	}
	if written[0] != 42 {
		t.Fatalf("a written data page was dropped: written[0] = %d", written[0])
	}
	// The code released comes back as it runs.
	if s := strconv.Itoa(12345) + strings.Repeat("x", 3); s != "12345xxx" {
		t.Fatalf("got %q", s)
	}
}

// imageResident sums smaps' Rss of this process's own read-only, private
// mappings of its executable.
func imageResident(t *testing.T) int64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	ino := strconv.FormatUint(st.Ino, 10)
	var total int64
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 5 && strings.Contains(f[0], "-") && len(f[1]) == 4 {
			in = len(f) >= 6 && f[4] == ino && f[1][1] == '-' && f[1][3] == 'p'
			continue
		}
		if in && len(f) >= 2 && f[0] == "Rss:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			total += kb * 1024
		}
	}
	if total == 0 {
		t.Fatal("no resident read-only mapping of the executable found in /proc/self/smaps")
	}
	return total
}
