// Command testsum reads `go test -json` output on stdin, prints the output of
// failed tests, one line per package, and ends with a plain summary line
// ("unit: N passed, N failed, N skipped") so that people and CI see how many
// tests ran. It exits 1 when a test or a package failed, or when none ran.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	label := "tests"
	if len(os.Args) > 1 {
		label = os.Args[1]
	}
	os.Exit(run(label))
}

func run(label string) int {
	outputs := map[string][]string{} // "pkg test" -> output lines
	pkgResult := map[string]string{}
	pkgElapsed := map[string]float64{}
	var passed, failed, skipped int
	var failedNames []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Build errors and other non-JSON lines: show them as they are.
			fmt.Println(string(line))
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
		case "pass", "fail", "skip":
			if e.Test == "" {
				pkgResult[e.Package] = e.Action
				pkgElapsed[e.Package] = e.Elapsed
				if e.Action == "fail" && len(outputs[key]) > 0 {
					fmt.Printf("--- package %s output:\n%s", e.Package, strings.Join(outputs[key], ""))
				}
				continue
			}
			switch e.Action {
			case "pass":
				passed++
			case "fail":
				failed++
				failedNames = append(failedNames, e.Package+" "+e.Test)
				fmt.Printf("--- FAIL %s %s\n%s", e.Package, e.Test, strings.Join(outputs[key], ""))
			case "skip":
				skipped++
			}
			delete(outputs, key)
		}
	}
	pkgs := make([]string, 0, len(pkgResult))
	for p := range pkgResult {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	pkgFailed := false
	for _, p := range pkgs {
		r := pkgResult[p]
		word := map[string]string{"pass": "ok  ", "fail": "FAIL", "skip": "?   "}[r]
		fmt.Printf("%s\t%s\t%.3fs\n", word, p, pkgElapsed[p])
		if r == "fail" {
			pkgFailed = true
		}
	}
	for _, n := range failedNames {
		fmt.Println("failed:", n)
	}
	fmt.Printf("%s: %d passed, %d failed, %d skipped\n", label, passed, failed, skipped)
	if failed > 0 || pkgFailed || passed == 0 {
		return 1
	}
	return 0
}
