package catalog

import "strings"

// libraryDirs are folders in which every subfolder is one installed game:
// the game's name is the folder right after the marker.
var libraryDirs = []string{
	"/steamapps/common/",    // Steam, every OS
	"/games/heroic/",        // Heroic's default (~/Games/Heroic/<game>)
	"/epic games/",          // Epic on Windows (C:\Program Files\Epic Games\<game>)
	"/gog galaxy/games/",    // GOG Galaxy on Windows
	"/gog games/",           // GOG offline installers
	"/itch/apps/",           // itch (~/.config/itch/apps/<game>, %APPDATA%\itch\apps)
	"/xboxgames/",           // Xbox app on Windows (C:\XboxGames\<game>)
	"/usr/share/games/",     // Debian game data
	"/usr/lib/games/",       // Debian game binaries in subfolders
	"/lutris/runners/wine/", // Wine builds that only Lutris runs, for its games
}

// toolFolders are not games although they sit in a library: Steam's
// compatibility tools and runtimes, the Epic launcher itself.
var toolFolders = []string{"proton", "steamlinuxruntime", "steam linux runtime", "steamworks", "launcher", "directx", "vcredist"}

// gamesBinDirs hold only game programs (Debian policy).
var gamesBinDirs = []string{"/usr/games/", "/usr/local/games/"}

// launcherDir recognises a program under a launcher library or games
// folder. p is normPath(orig), which keeps byte offsets, so that the name
// returned, the game's folder (or file) name, keeps orig's case. homeGames
// are normalised "<home>/games/" prefixes.
func launcherDir(orig, p string, homeGames []string) (string, bool) {
	if p == "" {
		return "", false
	}
	// name returns orig's element starting at offset off.
	name := func(off int) string {
		rest := orig[off:]
		if i := strings.IndexAny(rest, `/\`); i >= 0 {
			return rest[:i]
		}
		return rest
	}
	for _, d := range gamesBinDirs {
		if rest, ok := strings.CutPrefix(p, d); ok && rest != "" {
			return name(len(d)), true
		}
	}
	for _, d := range libraryDirs {
		if i := strings.Index(p, d); i >= 0 {
			if off, ok := gameFolder(p, i+len(d)); ok {
				if d == "/lutris/runners/wine/" {
					return "Lutris game", true
				}
				return name(off), true
			}
		}
	}
	for _, h := range homeGames {
		if strings.HasPrefix(p, h) {
			if off, ok := gameFolder(p, len(h)); ok {
				return name(off), true
			}
		}
	}
	// ~/Games without Options.Homes: /home/USER/games/<game>/…
	for _, pre := range []string{"/home/", "/var/home/"} {
		if rest, ok := strings.CutPrefix(p, pre); ok {
			if i := strings.IndexByte(rest, '/'); i > 0 && strings.HasPrefix(rest[i:], "/games/") {
				if off, ok := gameFolder(p, len(pre)+i+len("/games/")); ok {
					return name(off), true
				}
			}
		}
	}
	return "", false
}

// gameFolder checks that p continues at off with a folder (not the program
// itself) that is not a tool, and returns off.
func gameFolder(p string, off int) (int, bool) {
	rest := p[off:]
	i := strings.IndexByte(rest, '/')
	if i <= 0 {
		return 0, false
	}
	for _, t := range toolFolders {
		if strings.HasPrefix(rest[:i], t) {
			return 0, false
		}
	}
	return off, true
}

// emulatorDirs are the install folders of Android emulators; anything run
// from them is the emulator (its helpers, its second instance…).
var emulatorDirs = []struct{ marker, name string }{
	{"/bluestacks", "BlueStacks"}, // BlueStacks, BlueStacks_nxt, BlueStacks X
	{"/ldplayer", "LDPlayer"},     // LDPlayer, LDPlayer9
	{"/changzhi/dnplayer", "LDPlayer"},
	{"/nox/bin/", "NoxPlayer"},
	{"/microvirt/", "MEmu"},
	{"/txgameassistant/", "GameLoop"},
	{"/waydroid/", "Waydroid"},
	{"/genymobile/", "Genymotion"},
}

// emulator recognises an Android emulator by folder, or Android's own
// app_process runtime (Waydroid runs Android apps as host processes).
// p and base are normalised. The name is the emulator's.
func emulator(p, base string) (string, bool) {
	if isAndroidRuntime(base) {
		return "Android app", true
	}
	for _, e := range emulatorDirs {
		if strings.Contains(p, e.marker) {
			return e.name, true
		}
	}
	return "", false
}
