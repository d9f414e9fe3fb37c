// Package ntptest is a time server on loopback for tests: it answers SNTP
// requests with whatever time the test says. Under agent/internal, no
// command can link it.
package ntptest

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// Serve answers SNTP on loopback with the time now() gives, until the test
// ends, and returns its address (host:port).
func Serve(t testing.TB, now func() time.Time) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 128)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if n < 48 {
				continue
			}
			out := make([]byte, 48)
			out[0] = 0<<6 | 4<<3 | 4 // no leap, version 4, server
			out[1] = 2               // stratum
			out[2] = 6
			out[3] = 0xEC
			binary.BigEndian.PutUint32(out[4:], 1<<8) // root delay
			binary.BigEndian.PutUint32(out[8:], 1<<8) // root dispersion
			copy(out[12:], "KTST")                    // reference id
			ts := ntpTime(now())
			binary.BigEndian.PutUint64(out[16:], ts-1<<32) // reference: a second ago
			copy(out[24:32], buf[40:48])                   // originate = the client's transmit
			binary.BigEndian.PutUint64(out[32:], ts)
			binary.BigEndian.PutUint64(out[40:], ts)
			_, _ = pc.WriteTo(out, addr)
		}
	}()
	return pc.LocalAddr().String()
}

func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return sec<<32 | frac
}
