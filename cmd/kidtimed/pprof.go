package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
)

// Profiles for measuring the daemon (make bench-idle), never needed in use:
//
//   - KIDTIMED_CPUPROFILE=FILE: a CPU profile of the whole run, written at exit.
//   - KIDTIMED_PPROF_DIR=DIR (root only): CPU profiles in DIR, cpu-01.pprof
//     from the start; each SIGUSR1 closes the current one with a heap profile
//     beside it (heap-01.pprof: in use and allocated since the start) and
//     opens the next, so a benchmark gets one profile per window. Exit closes
//     the last.
//   - KIDTIMED_PPROF_HZ=N: the CPU profiles' sampling rate (default 100 a
//     second; up to 1000): an idle window of two minutes holds only a few
//     samples at 100.
const (
	envCPUProfile = "KIDTIMED_CPUPROFILE"
	envPprofDir   = "KIDTIMED_PPROF_DIR"
	envPprofHz    = "KIDTIMED_PPROF_HZ"
)

const pprofHelp = `
profiles (for measuring):
  KIDTIMED_CPUPROFILE=FILE   a CPU profile of the run, written at exit
  KIDTIMED_PPROF_DIR=DIR     (root only) CPU and heap profiles in DIR, cpu-NN.pprof and
                             heap-NN.pprof; SIGUSR1 ends one and starts the next
  KIDTIMED_PPROF_HZ=N        the CPU profiles' samples a second (default 100, at most 1000)
`

// startProfiles starts what the environment asks for and returns the
// function that finishes it at exit.
func startProfiles() (func(), error) {
	if err := profileRate(); err != nil {
		return func() {}, err
	}
	if dir := os.Getenv(envPprofDir); dir != "" {
		if os.Geteuid() != 0 {
			return func() {}, fmt.Errorf("%s is honoured only for root", envPprofDir)
		}
		return startPprofDir(dir)
	}
	if p := os.Getenv(envCPUProfile); p != "" {
		return startCPUProfile(p)
	}
	return func() {}, nil
}

// cpuHz is the CPU profiles' rate; 0: pprof's own (100 a second).
var cpuHz int

// profileRate reads KIDTIMED_PPROF_HZ.
func profileRate() error {
	v := os.Getenv(envPprofHz)
	if v == "" {
		return nil
	}
	hz, err := strconv.Atoi(v)
	if err != nil || hz < 1 || hz > 1000 {
		return fmt.Errorf("%s=%q: not a number of samples a second from 1 to 1000", envPprofHz, v)
	}
	cpuHz = hz
	return nil
}

// startCPU starts the CPU profiler at cpuHz. pprof.StartCPUProfile sets its
// own rate of 100 unless one is set already; it then says so on stderr
// ("cannot set cpu profile rate") and keeps the rate set here. It fails
// only when a profile runs already, which the rate set here then leaves
// alone (the runtime refuses a new rate while one runs).
func startCPU(f *os.File) error {
	if cpuHz > 0 {
		runtime.SetCPUProfileRate(cpuHz)
	}
	return pprof.StartCPUProfile(f)
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := startCPU(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// pprofDir writes numbered CPU and heap profiles into a folder.
type pprofDir struct {
	dir string
	mu  sync.Mutex
	n   int
	cpu *os.File
}

func startPprofDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	p := &pprofDir{dir: dir}
	if err := p.next(); err != nil {
		return nil, err
	}
	sig := make(chan os.Signal, 1)
	if usr1 != nil {
		signal.Notify(sig, usr1)
	}
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-sig:
				p.finish()
				if err := p.next(); err != nil {
					fmt.Fprintf(os.Stderr, "kidtimed: %v\n", err)
				}
			case <-stop:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(stop)
		p.finish()
	}, nil
}

// next opens cpu-NN.pprof and starts the CPU profile.
func (p *pprofDir) next() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	f, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("cpu-%02d.pprof", p.n)))
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := startCPU(f); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	p.cpu = f
	return nil
}

// finish stops the CPU profile and writes heap-NN.pprof.
func (p *pprofDir) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cpu == nil {
		return
	}
	pprof.StopCPUProfile()
	p.cpu.Close()
	p.cpu = nil
	runtime.GC() // the heap profile shows the state as of the last GC
	f, err := os.Create(filepath.Join(p.dir, fmt.Sprintf("heap-%02d.pprof", p.n)))
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("allocs").WriteTo(f, 0)
}
