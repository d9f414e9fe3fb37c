// Package e2e is kidtime's end-to-end suite: the real kidtimed and kidtime
// binaries, real Linux accounts made with useradd, real processes started
// as those accounts, short limits in seconds. Run it as root with
//
//	go test -tags e2e ./agent/e2e/...
//
// (make test does, when it runs as root).
package e2e
