//go:build linux

package main

import (
	"os"
	"testing"
)

func TestParseStatCPU(t *testing.T) {
	// A name with spaces and ")" must not shift the fields.
	line := "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 1234 0 5 0 731 219 0 0 20 0 8 0 100 2000000 3000 18446744073709551615\n"
	got, err := parseStatCPU([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if got != 731+219 {
		t.Errorf("utime+stime = %d; want %d", got, 731+219)
	}
	if _, err := parseStatCPU([]byte("4242 (short) S 1 2")); err == nil {
		t.Error("a truncated line parsed without error")
	}
	if _, err := parseStatCPU([]byte("no parenthesis")); err == nil {
		t.Error("a line without a name parsed without error")
	}
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip(err)
	}
	if _, err := parseStatCPU(b); err != nil {
		t.Errorf("own stat: %v", err)
	}
}

func TestParseStatus(t *testing.T) {
	text := "Name:\tkidtimed\nVmPeak:\t 1000 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   15360 kB\nThreads:\t7\n"
	m, err := parseStatus([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if m.HWM != 20480*1024 || m.RSS != 15360*1024 || m.Threads != 7 {
		t.Errorf("got %+v", m)
	}
	if _, err := parseStatus([]byte("Name:\tx\nVmRSS:\t1 kB\n")); err == nil {
		t.Error("status without VmHWM and Threads parsed without error")
	}
}

func TestBetween(t *testing.T) {
	a := sample{cpu: 100, threads: map[string]uint64{"1": 50, "2": 50, "3": 0}}
	b := sample{at: a.at.Add(10e9), cpu: 103, threads: map[string]uint64{"1": 52, "2": 50, "3": 1, "4": 0}}
	w := between(a, b)
	if w.cpu.Milliseconds() != 30 {
		t.Errorf("cpu %v; want 30ms", w.cpu)
	}
	if w.busy != 3 { // 1 and 3 ran, 4 was born
		t.Errorf("busy %d; want 3", w.busy)
	}
	if p := w.pct(); p < 0.29 || p > 0.31 {
		t.Errorf("pct %.3f; want 0.3", p)
	}
}

func TestCountExecEvents(t *testing.T) {
	msg := func(what uint32) []byte {
		b := make([]byte, 16+20+16+8)
		b[0] = byte(len(b))
		b[16+20] = byte(what)
		b[16+20+3] = byte(what >> 24)
		return b
	}
	var dgram []byte
	for _, w := range []uint32{2, 1, 2, 0x80000000} {
		dgram = append(dgram, msg(w)...)
	}
	if n := countExecEvents(dgram); n != 2 {
		t.Errorf("%d execs; want 2", n)
	}
	if n := countExecEvents(dgram[:10]); n != 0 {
		t.Errorf("%d execs in a truncated datagram; want 0", n)
	}
}

func TestParseSchedstat(t *testing.T) {
	for _, tc := range []struct {
		name     string
		text     string
		ns, runs uint64
		wantErr  bool
	}{
		{"a thread's line", "123456789 5000 42\n", 123456789, 42, false},
		{"too few fields", "123 456\n", 0, 0, true},
		{"not a number", "x 1 2\n", 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, runs, err := parseSchedstat([]byte(tc.text))
			if (err != nil) != tc.wantErr || ns != tc.ns || runs != tc.runs {
				t.Errorf("parseSchedstat(%q) = %d, %d, %v; want %d, %d, error %v", tc.text, ns, runs, err, tc.ns, tc.runs, tc.wantErr)
			}
		})
	}
	b, err := os.ReadFile("/proc/self/schedstat")
	if err != nil {
		t.Skip(err)
	}
	if ns, _, err := parseSchedstat(b); err != nil || ns == 0 {
		t.Errorf("own schedstat: %d ns, %v", ns, err)
	}
}
