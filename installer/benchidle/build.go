//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// otherBuild runs a two-core build of another account for d: two workers,
// each compiling a generated C file of 60 functions (about 0.1 s) again and
// again with the machine's cc (each compile runs cc, cc1, as: several
// execs, and seconds of CPU between them, as a real build does). It
// returns how many compiles finished. Without a C compiler it says so.
func otherBuild(other account, d time.Duration) (int, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return 0, fmt.Errorf("no C compiler (cc) for the build")
	}
	dir, err := os.MkdirTemp("", "ktbench-build-")
	if err != nil {
		return 0, fmt.Errorf("build: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return 0, fmt.Errorf("build: %w", err)
	}
	var src strings.Builder
	for i := range 60 {
		fmt.Fprintf(&src, "int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += (i * %d) ^ (s >> 3); return s; }\n", i, i+7)
	}
	unit := filepath.Join(dir, "unit.c")
	if err := os.WriteFile(unit, []byte(src.String()), 0o644); err != nil {
		return 0, fmt.Errorf("build: %w", err)
	}
	var (
		mu       sync.Mutex
		compiles int
		wg       sync.WaitGroup
		cmds     []*exec.Cmd
	)
	script := fmt.Sprintf(`while :; do %s -O2 -c %s -o /dev/null || exit 1; echo; done`, cc, unit)
	for range 2 {
		cmd := asUser(other, "sh", "-c", script)
		cmd.SysProcAttr.Setpgid = true
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 0, fmt.Errorf("build: %w", err)
		}
		if err := cmd.Start(); err != nil {
			return 0, fmt.Errorf("build: start a worker as %s: %w", other.name, err)
		}
		cmds = append(cmds, cmd)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				mu.Lock()
				compiles++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(d)
	for _, cmd := range cmds {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	wg.Wait()
	for _, cmd := range cmds {
		_ = cmd.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	if compiles == 0 {
		return 0, fmt.Errorf("build: no compile finished in %v (%s as %s)", d, cc, other.name)
	}
	return compiles, nil
}
