package ident

import (
	"path"
	"slices"
	"strings"
)

// HostKind is what kind of host a program is.
type HostKind uint8

// Kinds of host.
const (
	NotHost HostKind = iota
	// Loader: the dynamic loader run as a program (ld-linux*.so*,
	// ld-musl-*.so*), which loads and runs the ELF file named after its
	// options.
	Loader
	// Interpreter: Python, Perl, Ruby, Node, Lua, PHP and the shells run the
	// script named by their first non-option argument (a script with a
	// "#!" line appears so too: the kernel runs its interpreter with the
	// script's path as an argument).
	Interpreter
	// Java runs the archive named after -jar.
	Java
	// Wine and Mono run the Windows program named in their arguments (Wine
	// shows it as argv[0], a Windows path, once it has started).
	Windows
	// Emulator: box64/box86 and qemu-user run the program named first.
	Emulator
)

// Host says whether the program at exe (its path, or its name) runs another
// program named in its arguments, and which kind of host it is.
func Host(exe string) HostKind {
	base := path.Base(strings.ReplaceAll(exe, `\`, "/"))
	lower := strings.ToLower(base)
	switch {
	case strings.HasPrefix(base, "ld-linux") && strings.Contains(base, ".so"),
		strings.HasPrefix(base, "ld-musl-") && strings.Contains(base, ".so"),
		strings.HasPrefix(base, "ld64.so"), base == "ld.so":
		return Loader
	case lower == "java" || lower == "javaw" || lower == "java.exe" || lower == "javaw.exe":
		return Java
	case lower == "wine" || lower == "wine64" || lower == "wine-preloader" || lower == "wine64-preloader" ||
		lower == "wineloader" || lower == "wine.exe" || lower == "mono" || lower == "mono-sgen":
		return Windows
	case lower == "box64" || lower == "box86" || strings.HasPrefix(lower, "qemu-") && !strings.HasPrefix(lower, "qemu-system"):
		return Emulator
	}
	name := strings.TrimSuffix(lower, ".exe")
	// python3.12 is python3's versioned name; pythonw is Windows'.
	for _, p := range []string{"python", "pypy", "perl", "ruby", "node", "nodejs", "lua", "luajit", "php", "bash", "dash", "sh", "zsh", "ksh", "mksh", "fish", "tclsh", "wish"} {
		if name == p || strings.HasPrefix(name, p) && strings.Trim(name[len(p):], "0123456789.w") == "" {
			return Interpreter
		}
	}
	return NotHost
}

// valueOptions are each host's options that take the next argument as
// their value (when the value is not attached); stopOptions end the search:
// the program comes from a string or a module, not from a file.
var (
	loaderValue = set("--library-path", "--inhibit-rpath", "--audit", "--preload", "--argv0", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask")
	interpStop  = set("-c", "-m", "-e", "-E", "--eval", "--print", "--command")
	interpValue = set("-W", "-X", "-I", "-o", "+o", "-O", "--check-hash-based-pycs", "--rcfile", "--init-file", "--require", "-r", "-l", "-x")
)

func set(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// maxCandidates bounds the arguments a caller checks for one process.
const maxCandidates = 4

// Hosted returns the indexes in argv of the arguments that may name the
// program a host runs, best first: the one its options say, then the other
// arguments that are not options, up to an option that says the program is
// a string or a module (python3 -c CODE, python3 -m MODULE). The caller
// takes the first that is a file (relative to the process's working
// folder; Wine's Windows paths resolved), so that an option this parser
// reads wrongly cannot hide the program. None when exe is no host, or runs
// no file (an interactive shell, java -cp DIR Main). For Wine, argv[0] is
// looked at too: once started, Wine shows the program's Windows path there.
func Hosted(exe string, argv []string) []int {
	kind := Host(exe)
	if kind == NotHost {
		return nil
	}
	var out []int
	add := func(i int) {
		if len(out) < maxCandidates && i < len(argv) && argv[i] != "" && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	switch kind {
	case Java:
		for i := 1; i+1 < len(argv); i++ {
			if argv[i] == "-jar" {
				add(i + 1)
				break
			}
		}
		return out
	case Windows:
		for i, a := range argv {
			if a == "" || strings.HasPrefix(a, "-") || Host(a) == Windows {
				continue
			}
			if i == 0 && !looksWindows(a) {
				continue // argv[0] is the host's own name
			}
			add(i)
		}
		return out
	}
	var rest []int // non-option arguments the options say are values
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--":
			add(i + 1)
			return out
		case a == "-":
			return out // stdin
		case !strings.HasPrefix(a, "-") && !(kind == Interpreter && strings.HasPrefix(a, "+")):
			add(i)
			for _, j := range rest {
				add(j)
			}
			for j := i + 1; j < len(argv) && len(out) < maxCandidates; j++ {
				if !strings.HasPrefix(argv[j], "-") {
					add(j)
				}
			}
			return out
		}
		opt, _, attached := strings.Cut(a, "=")
		skip := false
		switch kind {
		case Loader:
			skip = loaderValue[opt] && !attached
		case Interpreter:
			var stop bool
			if stop, skip = interpOption(a); stop {
				return out
			}
		}
		if skip && i+1 < len(argv) {
			i++
			rest = append(rest, i)
		}
	}
	for _, j := range rest {
		add(j)
	}
	return out
}

// interpOption reads one option of an interpreter: stop when the program
// is a string or a module, skip when the next argument is its value.
func interpOption(a string) (stop, skip bool) {
	if interpStop[a] {
		return true, false
	}
	if interpValue[a] {
		return false, true
	}
	if strings.HasPrefix(a, "--") || strings.HasPrefix(a, "+") {
		return false, false
	}
	// A cluster of short flags (-uB, -Bc): a stop letter ends it, and
	// takes the rest or the next argument as code.
	for j := 1; j < len(a); j++ {
		switch a[j] {
		case 'c', 'm', 'e', 'E':
			return true, false
		case 'W', 'X', 'I':
			return false, j == len(a)-1
		}
	}
	return false, false
}

// looksWindows reports a Windows path: C:\..., Z:/..., \\server\....
func looksWindows(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
}

// UnixPath turns a path Wine shows into the Unix path it stands for when
// it can be known without the Wine prefix: Z: is the Unix root. Other
// drives are returned as they are, with ok false.
func UnixPath(p string) (string, bool) {
	if !looksWindows(p) {
		return p, true
	}
	if p[0] == 'z' || p[0] == 'Z' {
		return strings.ReplaceAll(p[2:], `\`, "/"), true
	}
	return p, false
}

// DriveRelative splits a Windows path C:\x\y into the lower-case drive
// ("c:") and the rest with slashes ("x/y"), for a caller that knows the
// Wine prefix's dosdevices folder.
func DriveRelative(p string) (drive, rest string, ok bool) {
	if !looksWindows(p) || p[0] == '\\' {
		return "", "", false
	}
	return strings.ToLower(p[:2]), strings.TrimLeft(strings.ReplaceAll(p[2:], `\`, "/"), "/"), true
}
