package monitor

import (
	"slices"
	"strings"

	"github.com/kidtime/kidtime/agent/facts"
)

// ExeStater reads what the approval rule needs of a running program's file
// (platform.Host, and the fake, satisfy it): one or two stats, no hashing.
type ExeStater interface {
	ExeFile(pid int, path string) (facts.ExeFile, error)
}

// ApprovalKey is the identity under which a parent's yes or no for a
// program is kept: the file's own content hash, not the program it is
// linked to (App.Key). A build-id or a version resource is the file's own
// claim and can be forged; a yes must not pass to another file by it, so
// a copy with a byte appended asks again.
func ApprovalKey(a App) string { return a.ownKey() }

// removableRoots are where Linux desktops mount removable media.
var removableRoots = []string{"/media", "/run/media"}

// tempRoots are the world-writable folders every account can leave a
// program in.
var tempRoots = []string{"/tmp", "/var/tmp", "/dev/shm"}

// Obtained reports whether the program in f is one the child (uid) obtained
// rather than one an administrator installed: a program in a place the
// child can write, not installed by an administrator.
//
// On Unix that is a file
//   - on removable media (/media, /run/media), whoever owns it;
//   - owned by the child, or that the child may write;
//   - in a folder the child may write, where the child could replace it
//     (the folder is not sticky, or is the child's), whoever owns it;
//   - in a folder the child may write (sticky, as /tmp), owned by anyone
//     but root; with the folder unknown (a deleted file), in /tmp, /var/tmp
//     or /dev/shm and owned by anyone but root.
//
// A root-owned file the child can neither write nor replace was installed
// by an administrator, wherever it is. On Windows, see ObtainedWindows.
func Obtained(f facts.ExeFile, uid uint32) bool {
	if isWindowsPath(f.Path) {
		return ObtainedWindows(f)
	}
	if underAny(f.Path, removableRoots) || f.UID == uid || writableBy(f.UID, f.GID, f.Perm, uid, f.Groups) {
		return true
	}
	if !f.DirKnown {
		return f.UID != 0 && underAny(f.Path, tempRoots)
	}
	if !writableBy(f.DirUID, f.DirGID, f.DirPerm, uid, f.Groups) {
		return false
	}
	sticky := f.DirPerm&0o1000 != 0
	return !sticky || f.DirUID == uid || f.UID != 0
}

// writableBy reports whether permission bits let uid (in groups) write.
func writableBy(owner, group, perm, uid uint32, groups []uint32) bool {
	switch {
	case owner == uid:
		return perm&0o200 != 0
	case slices.Contains(groups, group):
		return perm&0o020 != 0
	}
	return perm&0o002 != 0
}

// underAny reports whether the Unix path p is one of roots or inside one.
func underAny(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// ObtainedWindows is the rule on Windows: a program on a removable drive,
// under the owner's profile (which holds %TEMP%, Downloads and AppData), in
// the shared C:\Users\Public or in the system's temporary folder
// (C:\Windows\Temp, where every account may create files) is the child's;
// Program Files, Windows and the other folders only administrators write
// are installed. Paths are compared without case, with either slash, and
// without the \\?\ prefix.
func ObtainedWindows(f facts.ExeFile) bool {
	if f.Removable {
		return true
	}
	p := winNorm(f.Path)
	if p == "" {
		return false
	}
	if prof := winNorm(f.Profile); prof != "" && winUnder(p, prof) {
		return true
	}
	vol := p[:2] // "c:"
	for _, d := range []string{`\users\public`, `\windows\temp`} {
		if winUnder(p, vol+d) {
			return true
		}
	}
	return false
}

func winNorm(p string) string {
	p = strings.ReplaceAll(p, "/", `\`)
	p = strings.TrimPrefix(p, `\\?\`)
	p = strings.TrimRight(strings.ToLower(p), `\`)
	if len(p) < 2 || p[1] != ':' {
		return ""
	}
	return p
}

func winUnder(p, root string) bool {
	return p == root || strings.HasPrefix(p, root+`\`)
}

// isWindowsPath reports whether p is a Windows drive path.
func isWindowsPath(p string) bool {
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\?\`)
}
