package monitor

import (
	"testing"

	"github.com/kidtime/kidtime/agent/facts"
)

// TestObtained pins the rule that tells a program the child obtained from
// one an administrator installed, one sentence per case.
func TestObtained(t *testing.T) {
	const kid, sister, root = 1001, 1002, 0
	home := func(f facts.ExeFile) facts.ExeFile { // in the child's home (0750, theirs)
		f.DirKnown, f.DirUID, f.DirGID, f.DirPerm = true, kid, kid, 0o750
		return f
	}
	tmp := func(f facts.ExeFile) facts.ExeFile { // in /tmp (1777, root's)
		f.DirKnown, f.DirUID, f.DirGID, f.DirPerm = true, root, root, 0o1777
		return f
	}
	sys := func(f facts.ExeFile) facts.ExeFile { // in /usr/bin (0755, root's)
		f.DirKnown, f.DirUID, f.DirGID, f.DirPerm = true, root, root, 0o755
		return f
	}
	groups := []uint32{kid, 100}
	cases := []struct {
		sentence string
		f        facts.ExeFile
		want     bool
	}{
		{"a copy in the child's home is theirs",
			home(facts.ExeFile{Path: "/home/kid/game", UID: kid, GID: kid, Perm: 0o755}), true},
		{"a root-owned file in the child's home can be replaced by the child: theirs",
			home(facts.ExeFile{Path: "/home/kid/bin/tool", UID: root, GID: root, Perm: 0o755}), true},
		{"a file the child owns is theirs even where they cannot write now",
			sys(facts.ExeFile{Path: "/opt/x/run", UID: kid, GID: kid, Perm: 0o555}), true},
		{"a world-writable file in a system folder is the child's to change",
			sys(facts.ExeFile{Path: "/opt/x/run", UID: root, GID: root, Perm: 0o777}), true},
		{"a group-writable file of a group the child is in",
			sys(facts.ExeFile{Path: "/srv/share/run", UID: sister, GID: 100, Perm: 0o775, Groups: groups}), true},
		{"a group-writable file of a group the child is not in is not",
			sys(facts.ExeFile{Path: "/srv/share/run", UID: sister, GID: 200, Perm: 0o775, Groups: groups}), false},
		{"a system program is installed",
			sys(facts.ExeFile{Path: "/usr/bin/sleep", UID: root, GID: root, Perm: 0o755}), false},
		{"a program in /tmp the child left there",
			tmp(facts.ExeFile{Path: "/tmp/game", UID: kid, GID: kid, Perm: 0o755}), true},
		{"a program in /tmp a sister left there: in a place the child writes, not an administrator's",
			tmp(facts.ExeFile{Path: "/tmp/game", UID: sister, GID: sister, Perm: 0o755}), true},
		{"a root-owned program in sticky /tmp: only root put it there, the child cannot replace it",
			tmp(facts.ExeFile{Path: "/tmp/helper", UID: root, GID: root, Perm: 0o755}), false},
		{"a program on a USB stick mounted by root, read-only",
			sys(facts.ExeFile{Path: "/media/kid/USB/game", UID: root, GID: root, Perm: 0o555}), true},
		{"a program on removable media under /run/media",
			facts.ExeFile{Path: "/run/media/kid/SD/game", UID: root, Perm: 0o555}, true},
		{"/mediax is not /media",
			sys(facts.ExeFile{Path: "/mediax/game", UID: root, GID: root, Perm: 0o755}), false},
		{"a deleted file or a memfd of the child's (no folder) is theirs",
			facts.ExeFile{Path: "/memfd:x", UID: kid, GID: kid, Perm: 0o777}, true},
		{"a deleted file in /dev/shm of another account (no folder)",
			facts.ExeFile{Path: "/dev/shm/x", UID: sister, GID: sister, Perm: 0o755}, true},
		{"a deleted root-owned file (no folder) was installed",
			facts.ExeFile{Path: "/usr/lib/x/old", UID: root, GID: root, Perm: 0o755}, false},
		{"a folder only its owner (another account) writes, with a file of theirs",
			facts.ExeFile{Path: "/home/sis/game", UID: sister, GID: sister, Perm: 0o755, DirKnown: true, DirUID: sister, DirGID: sister, DirPerm: 0o755}, false},
		{"a sticky folder of the child's own is theirs to change",
			facts.ExeFile{Path: "/home/kid/drop/x", UID: root, GID: root, Perm: 0o755, DirKnown: true, DirUID: kid, DirGID: kid, DirPerm: 0o1777}, true},
		{"a Windows path goes by the Windows rule",
			facts.ExeFile{Path: `C:\Program Files\Game\game.exe`, Profile: `C:\Users\kid`}, false},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			if c.f.Groups == nil {
				c.f.Groups = groups
			}
			if got := Obtained(c.f, kid); got != c.want {
				t.Errorf("Obtained(%+v) = %v, want %v", c.f, got, c.want)
			}
		})
	}
}

// TestObtainedWindows pins the Windows rule: the profile, temporary and
// public folders and removable drives are the child's; Program Files and
// Windows are installed.
func TestObtainedWindows(t *testing.T) {
	const prof = `C:\Users\kid`
	cases := []struct {
		sentence string
		f        facts.ExeFile
		want     bool
	}{
		{"a download is the child's", facts.ExeFile{Path: `C:\Users\kid\Downloads\game.exe`, Profile: prof}, true},
		{"in %TEMP% (under the profile)", facts.ExeFile{Path: `C:\Users\kid\AppData\Local\Temp\x\setup.exe`, Profile: prof}, true},
		{"case and slashes do not matter", facts.ExeFile{Path: `c:/USERS/KID/desktop/g.EXE`, Profile: prof}, true},
		{"the \\\\?\\ prefix does not matter", facts.ExeFile{Path: `\\?\C:\Users\kid\g.exe`, Profile: prof}, true},
		{"the public profile is everyone's", facts.ExeFile{Path: `C:\Users\Public\g.exe`, Profile: prof}, true},
		{"the system's temporary folder", facts.ExeFile{Path: `C:\Windows\Temp\g.exe`, Profile: prof}, true},
		{"a removable drive", facts.ExeFile{Path: `E:\games\g.exe`, Profile: prof, Removable: true}, true},
		{"Program Files is installed", facts.ExeFile{Path: `C:\Program Files\Game\game.exe`, Profile: prof}, false},
		{"Windows is installed", facts.ExeFile{Path: `C:\Windows\System32\notepad.exe`, Profile: prof}, false},
		{"another account's profile is not this child's", facts.ExeFile{Path: `C:\Users\kidbrother\g.exe`, Profile: prof}, false},
		{"a fixed second drive is not removable", facts.ExeFile{Path: `D:\Games\g.exe`, Profile: prof}, false},
		{"an unknown profile still counts the public and temporary folders", facts.ExeFile{Path: `C:\Windows\Temp\g.exe`}, true},
	}
	for _, c := range cases {
		t.Run(c.sentence, func(t *testing.T) {
			if got := ObtainedWindows(c.f); got != c.want {
				t.Errorf("ObtainedWindows(%q, profile %q) = %v, want %v", c.f.Path, c.f.Profile, got, c.want)
			}
			if got := Obtained(c.f, 1001); got != c.want {
				t.Errorf("Obtained(%q) = %v, want %v (the Windows rule)", c.f.Path, got, c.want)
			}
		})
	}
}
