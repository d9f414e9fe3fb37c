package catalog_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/catalog"
	"github.com/kidtime/kidtime/assets"
)

// newBuiltin returns a classifier over the real built-in catalog and
// nothing installed.
func newBuiltin(t testing.TB) *catalog.Classifier {
	t.Helper()
	c, err := catalog.New(catalog.Options{Catalog: assets.Catalog, DesktopDirs: []string{}, MetainfoDirs: []string{}})
	if err != nil {
		t.Fatalf("New with the built-in catalog: %v", err)
	}
	return c
}

func TestBuiltinCatalog(t *testing.T) {
	c := newBuiltin(t)
	tests := []struct {
		name   string
		facts  catalog.ProcessFacts
		want   catalog.Info
		wantID string
	}{
		{name: "the Minecraft launcher is found by its file name",
			facts: catalog.ProcessFacts{Exe: "/opt/minecraft-launcher/minecraft-launcher"},
			want:  catalog.Info{Name: "Minecraft", Category: catalog.Game, MinAge: 7}},
		{name: "Minecraft itself runs in Java and is found by its main class",
			facts: catalog.ProcessFacts{Exe: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
				Cmdline: []string{"java", "-Xmx2G", "-cp", "/home/kid/lib/a.jar:b.jar", "net.minecraft.client.main.Main", "--username", "kid"}},
			want: catalog.Info{Name: "Minecraft", Category: catalog.Game, MinAge: 7}},
		{name: "Minecraft's bundled Java runtime is Minecraft by its folder",
			facts: catalog.ProcessFacts{Exe: `C:\Users\Kid\AppData\Roaming\.minecraft\runtime\java-runtime-gamma\bin\javaw.exe`},
			want:  catalog.Info{Name: "Minecraft", Category: catalog.Game, MinAge: 7}},
		{name: "a program that is not a host is never matched by its arguments (grep minecraft is not Minecraft)",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/grep", Cmdline: []string{"grep", "net.minecraft.client.main.Main", "RobloxPlayerBeta.exe"}},
			want:  catalog.Info{Name: "grep", Category: catalog.Unknown, MinAge: -1}},
		{name: "Roblox under Wine is found by the Windows path in wine's argv[0]",
			facts: catalog.ProcessFacts{Exe: "/usr/lib/wine/wine64-preloader",
				Cmdline: []string{`C:\users\kid\AppData\Local\Roblox\Versions\version-abc\RobloxPlayerBeta.exe`, "--app"}},
			want: catalog.Info{Name: "Roblox", Category: catalog.Game, MinAge: 7}},
		{name: "Roblox through Sober (flatpak) is found by its file name",
			facts: catalog.ProcessFacts{Exe: "/app/bin/sober"},
			want:  catalog.Info{Name: "Roblox", Category: catalog.Game, MinAge: 7}},
		{name: "a Windows game is found by its .exe name whatever its case and folder",
			facts: catalog.ProcessFacts{Exe: `D:\Riot Games\League of Legends\LEAGUECLIENT.EXE`},
			want:  catalog.Info{Name: "League of Legends", Category: catalog.Game, MinAge: 12}},
		{name: "a process whose executable could not be read is found by its 15-byte comm name",
			facts: catalog.ProcessFacts{Name: "RobloxPlayerBet"},
			want:  catalog.Info{Name: "Roblox", Category: catalog.Game, MinAge: 7}},
		{name: "Free Fire under Waydroid is found by its Android package, even in a sub-process",
			facts: catalog.ProcessFacts{Exe: "/system/bin/app_process64", Cmdline: []string{"com.dts.freefireth:pushservice"}},
			want:  catalog.Info{Name: "Free Fire", Category: catalog.Game, MinAge: 12}},
		{name: "Lutris, a Python script, is found by the script name in python's arguments",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/python3.11", Cmdline: []string{"/usr/bin/python3", "/usr/bin/lutris"}},
			want:  catalog.Info{Name: "Lutris", Category: catalog.Launcher, MinAge: -1}},
		{name: "BlueStacks' player is an emulator",
			facts: catalog.ProcessFacts{Exe: `C:\Program Files\BlueStacks_nxt\HD-Player.exe`},
			want:  catalog.Info{Name: "BlueStacks", Category: catalog.Emulator, MinAge: -1}},
		{name: "LDPlayer is an emulator",
			facts: catalog.ProcessFacts{Exe: `C:\LDPlayer\LDPlayer9\dnplayer.exe`},
			want:  catalog.Info{Name: "LDPlayer", Category: catalog.Emulator, MinAge: -1}},
		{name: "GCompris is an education app",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/gcompris-qt"},
			want:  catalog.Info{Name: "GCompris", Category: catalog.Education, MinAge: -1}},
		{name: "Scratch desktop is an education app",
			facts: catalog.ProcessFacts{Exe: `C:\Program Files\Scratch 3\Scratch 3.exe`},
			want:  catalog.Info{Name: "Scratch", Category: catalog.Education, MinAge: -1}},
		{name: "Cốc Cốc is a browser, found by its folder although its exe is browser.exe",
			facts: catalog.ProcessFacts{Exe: `C:\Program Files\CocCoc\Browser\Application\browser.exe`},
			want:  catalog.Info{Name: "Cốc Cốc", Category: catalog.Browser, MinAge: -1}},
		{name: "Firefox ESR is a browser",
			facts: catalog.ProcessFacts{Exe: "/usr/lib/firefox-esr/firefox-esr"},
			want:  catalog.Info{Name: "Firefox", Category: catalog.Browser, MinAge: -1}},
		{name: "GTA V is rated 18",
			facts: catalog.ProcessFacts{Exe: `E:\SteamLibrary\steamapps\common\Grand Theft Auto V\GTA5.exe`},
			want:  catalog.Info{Name: "Grand Theft Auto V", Category: catalog.Game, MinAge: 18}},
		{name: "the Steam client is a launcher, not a game",
			facts: catalog.ProcessFacts{Exe: "/home/kid/.local/share/Steam/ubuntu12_32/steam"},
			want:  catalog.Info{Name: "Steam", Category: catalog.Launcher, MinAge: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Classify(tt.facts)
			if tt.want.Source == "" && tt.want.Category != catalog.Unknown {
				tt.want.Source = catalog.SourceCatalog
			}
			if tt.want.Category == catalog.Unknown {
				tt.want.Source = catalog.SourceUnknown
			}
			got.ID = ""
			if got != tt.want {
				t.Errorf("Classify(%+v)\n got  %+v\n want %+v", tt.facts, got, tt.want)
			}
		})
	}
}

func TestCatalogHash(t *testing.T) {
	const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	cat := `{"version":1,"apps":[{"id":"mygame","name":"My Game","category":"game","minAge":12,"sha256":["` + strings.ToUpper(sum) + `"]}]}`
	c, err := catalog.New(catalog.Options{Catalog: []byte(cat), DesktopDirs: []string{}, MetainfoDirs: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Classify(catalog.ProcessFacts{Exe: "/tmp/renamed-copy", SHA256: sum})
	if got.Name != "My Game" || got.Category != catalog.Game || got.ID != "mygame" {
		t.Errorf("a renamed copy with a catalogued hash: got %+v, want My Game", got)
	}
}

func TestMalformedCatalog(t *testing.T) {
	tests := []struct {
		name    string
		catalog string
		wantErr string
	}{
		{"text that is not JSON is refused", `{"version":1,"apps":[`, "parse catalog JSON"},
		{"a misspelt field is refused rather than ignored", `{"version":1,"apps":[{"id":"a","name":"A","category":"game","exes":["a"]}]}`, "unknown field"},
		{"a catalog of another version is refused", `{"version":2,"apps":[{"id":"a","name":"A","category":"game","exe":["a"]}]}`, "version 2"},
		{"an unknown category is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"toy","exe":["a"]}]}`, `category "toy"`},
		{"an entry without a name is refused", `{"version":1,"apps":[{"id":"a","category":"game","exe":["a"]}]}`, "name is empty"},
		{"an exe claimed by two entries is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"game","exe":["x.exe"]},{"id":"b","name":"B","category":"game","exe":["X.EXE"]}]}`, `already belongs to "a"`},
		{"an age beyond 21 is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"game","minAge":30,"exe":["a"]}]}`, "minAge 30"},
		{"a pattern that matches everything is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"game","paths":["**"]}]}`, "matches everything"},
		{"an entry with nothing to match by is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"game"}]}`, "nothing to match"},
		{"an exe with a folder in it is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"game","exe":["bin/a"]}]}`, "plain file name"},
		{"a bad hash is refused", `{"version":1,"apps":[{"id":"a","name":"A","category":"game","sha256":["abc"]}]}`, "64 hex digits"},
		{"an empty catalog is refused", `{"version":1,"apps":[]}`, "no apps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := catalog.New(catalog.Options{Catalog: []byte(tt.catalog), DesktopDirs: []string{}, MetainfoDirs: []string{}})
			if err == nil {
				t.Fatalf("New accepted %s", tt.catalog)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const oarsIntense = `<?xml version="1.0" encoding="UTF-8"?>
<component type="desktop-application">
  <id>org.example.Tanks</id>
  <name>Tank Battle</name>
  <name xml:lang="vi">Đấu xe tăng</name>
  <launchable type="desktop-id">org.example.Tanks.desktop</launchable>
  <content_rating type="oars-1.1">
    <content_attribute id="violence-cartoon">mild</content_attribute>
    <content_attribute id="violence-realistic">intense</content_attribute>
    <content_attribute id="language-humor">mild</content_attribute>
  </content_rating>
</component>`

func TestInstalledApps(t *testing.T) {
	dir := t.TempDir()
	apps := filepath.Join(dir, "applications")
	meta := filepath.Join(dir, "metainfo")
	write(t, filepath.Join(apps, "org.example.Tanks.desktop"), `[Desktop Entry]
Type=Application
Name=Tanks
Exec=env SDL_VIDEODRIVER=x11 /opt/tanks/bin/tanks-game --fullscreen %U
Categories=Game;ActionGame;
`)
	write(t, filepath.Join(apps, "blocks.desktop"), `# a puzzle, installed as a flatpak
[Desktop Entry]
Name=Blocks
Exec=/usr/bin/flatpak run --branch=stable --arch=x86_64 --command=blocks-bin org.example.Blocks @@u %U @@
Type=Application
Categories=Game;LogicGame;
[Desktop Action New]
Name=New game
Exec=something-else
`)
	write(t, filepath.Join(apps, "steam-game.desktop"), `[Desktop Entry]
Type=Application
Name=Some Steam game
Exec=steam steam://rungameid/105600
Categories=Game;
`)
	write(t, filepath.Join(apps, "atlas.desktop"), `[Desktop Entry]
Type=Application
Name=World Atlas
Exec="/opt/World Atlas/atlas" %f
Categories=Education;Geography;
`)
	write(t, filepath.Join(apps, "notes.desktop"), `[Desktop Entry]
Type=Application
Name=Notes
Exec=python3 /usr/share/notes/notes.py
Categories=Utility;
`)
	write(t, filepath.Join(apps, "hidden.desktop"), `[Desktop Entry]
Type=Application
Name=Gone
Exec=gone-game
Hidden=true
Categories=Game;
`)
	write(t, filepath.Join(apps, "broken.desktop"), "this is not a desktop file\x00\xff")
	write(t, filepath.Join(meta, "org.example.Tanks.metainfo.xml"), oarsIntense)
	write(t, filepath.Join(meta, "org.example.Chess.metainfo.xml"), `<component type="desktop-application">
  <id>org.example.Chess</id><name>Chess</name>
  <provides><binary>chess-board</binary></provides>
  <categories><category>Game</category><category>BoardGame</category></categories>
  <content_rating type="oars-1.1"/>
</component>`)
	write(t, filepath.Join(meta, "org.example.Quiz.metainfo.xml"), `<component type="desktop-application">
  <id>org.example.Quiz</id><name>Quiz</name>
  <provides><binary>quiz</binary></provides>
  <categories><category>Game</category></categories>
</component>`)
	write(t, filepath.Join(meta, "broken.metainfo.xml"), "<component><id>")

	c, err := catalog.New(catalog.Options{DesktopDirs: []string{apps}, MetainfoDirs: []string{meta}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tests := []struct {
		name  string
		facts catalog.ProcessFacts
		want  catalog.Info
	}{
		{name: "a program whose desktop file says Game is a game, rated from its metainfo (violence-realistic intense = 14)",
			facts: catalog.ProcessFacts{Exe: "/opt/tanks/bin/tanks-game"},
			want:  catalog.Info{Name: "Tanks", Category: catalog.Game, MinAge: 14, Source: catalog.SourceDesktop}},
		{name: "a flatpak's program is matched by the --command of its desktop file",
			facts: catalog.ProcessFacts{Exe: "/app/bin/blocks-bin"},
			want:  catalog.Info{Name: "Blocks", Category: catalog.Game, MinAge: -1, Source: catalog.SourceDesktop}},
		{name: "a desktop file with Categories=Education makes an education app",
			facts: catalog.ProcessFacts{Exe: "/opt/World Atlas/atlas"},
			want:  catalog.Info{Name: "World Atlas", Category: catalog.Education, MinAge: -1, Source: catalog.SourceDesktop}},
		{name: "a Python script's desktop file is matched through python's arguments",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/python3.11", Cmdline: []string{"python3", "/usr/share/notes/notes.py"}},
			want:  catalog.Info{Name: "Notes", Category: catalog.Other, MinAge: -1, Source: catalog.SourceDesktop}},
		{name: "metainfo alone (no desktop file) classifies by its categories, and an empty rating means all ages",
			facts: catalog.ProcessFacts{Exe: "/usr/games/chess-board"},
			want:  catalog.Info{Name: "Chess", Category: catalog.Game, MinAge: 0, Source: catalog.SourceAppStream}},
		{name: "metainfo without a content rating leaves the age unknown",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/quiz"},
			want:  catalog.Info{Name: "Quiz", Category: catalog.Game, MinAge: -1, Source: catalog.SourceAppStream}},
		{name: "a desktop file that opens a steam:// URL does not make Steam a game",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/steam"},
			want:  catalog.Info{Name: "Steam", Category: catalog.Launcher, MinAge: -1, Source: catalog.SourceCatalog}},
		{name: "a hidden (deleted) desktop file is ignored",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/gone-game"},
			want:  catalog.Info{Name: "gone-game", Category: catalog.Unknown, MinAge: -1, Source: catalog.SourceUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Classify(tt.facts)
			got.ID = ""
			if got != tt.want {
				t.Errorf("Classify(%+v)\n got  %+v\n want %+v", tt.facts, got, tt.want)
			}
		})
	}

	t.Run("Reload picks up a game installed after New", func(t *testing.T) {
		facts := catalog.ProcessFacts{Exe: "/usr/bin/newgame"}
		if got := c.Classify(facts); got.Category != catalog.Unknown {
			t.Fatalf("before install: %+v, want unknown", got)
		}
		write(t, filepath.Join(apps, "newgame.desktop"), "[Desktop Entry]\nType=Application\nName=New Game\nExec=newgame\nCategories=Game;\n")
		if got := c.Classify(facts); got.Category != catalog.Unknown {
			t.Fatalf("before Reload: %+v, want unknown (the index is built once)", got)
		}
		c.Reload()
		if got := c.Classify(facts); got.Category != catalog.Game || got.Name != "New Game" {
			t.Fatalf("after Reload: %+v, want the game New Game", got)
		}
	})

	t.Run("Installed lists the apps a parent can rule on before they run", func(t *testing.T) {
		got := map[string]catalog.InstalledApp{}
		for _, a := range c.Installed() {
			got[a.Name] = a
		}
		for name, want := range map[string]catalog.InstalledApp{
			"Tanks":       {Name: "Tanks", Programs: []string{"tanks-game"}, Category: catalog.Game},
			"Blocks":      {Name: "Blocks", Programs: []string{"blocks-bin"}, Category: catalog.Game},
			"World Atlas": {Name: "World Atlas", Programs: []string{"atlas"}, Category: catalog.Education},
		} {
			if g := got[name]; g.Name != want.Name || g.Category != want.Category || !slices.Equal(g.Programs, want.Programs) {
				t.Errorf("%s: %+v, want %+v", name, g, want)
			}
		}
		if _, ok := got["Gone"]; ok {
			t.Error("a hidden desktop file's app is not installed")
		}
	})
}

func TestLauncherDirsAndEmulators(t *testing.T) {
	c, err := catalog.New(catalog.Options{DesktopDirs: []string{}, MetainfoDirs: []string{},
		Homes: func() []string { return []string{"/srv/kids/an"} }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		facts catalog.ProcessFacts
		want  catalog.Info
	}{
		{name: "a native game in a Steam library is a game named after its folder",
			facts: catalog.ProcessFacts{Exe: "/home/kid/.local/share/Steam/steamapps/common/Terraria2/Terraria2.bin.x86_64"},
			want:  catalog.Info{Name: "Terraria2", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "a game in a Steam library on a Windows drive is a game",
			facts: catalog.ProcessFacts{Exe: `D:\SteamLibrary\steamapps\common\Hollow Knight\hollow_knight.exe`},
			want:  catalog.Info{Name: "Hollow Knight", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "a Proton game is named from wine's arguments, not from Proton's folder",
			facts: catalog.ProcessFacts{Exe: "/home/kid/.steam/steam/steamapps/common/Proton 9.0 (Beta)/files/bin/wine64-preloader",
				Cmdline: []string{`Z:\home\kid\.steam\steam\steamapps\common\Elden Ring\Game\eldenring.exe`}},
			want: catalog.Info{Name: "Elden Ring", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "Steam's runtime container is not a game by itself",
			facts: catalog.ProcessFacts{Exe: "/home/kid/.steam/steam/steamapps/common/SteamLinuxRuntime_sniper/pressure-vessel/bin/pv-adverb"},
			want:  catalog.Info{Name: "pv-adverb", Category: catalog.Unknown, MinAge: -1, Source: catalog.SourceUnknown}},
		{name: "a Heroic game under ~/Games/Heroic is a game",
			facts: catalog.ProcessFacts{Exe: "/home/kid/Games/Heroic/Celeste/Celeste.bin.x86_64"},
			want:  catalog.Info{Name: "Celeste", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "a Lutris game under ~/Games is a game",
			facts: catalog.ProcessFacts{Exe: "/home/kid/Games/some-rpg/bin/rpg"},
			want:  catalog.Info{Name: "some-rpg", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "~/Games of a home given in Options.Homes is a library too",
			facts: catalog.ProcessFacts{Exe: "/srv/kids/an/Games/Racer/racer"},
			want:  catalog.Info{Name: "Racer", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "a program directly in ~/Games is not inside a game folder",
			facts: catalog.ProcessFacts{Exe: "/home/kid/Games/setup.sh"},
			want:  catalog.Info{Name: "setup.sh", Category: catalog.Unknown, MinAge: -1, Source: catalog.SourceUnknown}},
		{name: "Debian's /usr/games holds only games",
			facts: catalog.ProcessFacts{Exe: "/usr/games/gnome-mines"},
			want:  catalog.Info{Name: "gnome-mines", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "an Epic game on Windows is a game",
			facts: catalog.ProcessFacts{Exe: `C:\Program Files\Epic Games\RocketLeagueX\Binaries\rl.exe`},
			want:  catalog.Info{Name: "RocketLeagueX", Category: catalog.Game, MinAge: -1, Source: catalog.SourceLauncherDir}},
		{name: "any program in BlueStacks' folder is the emulator",
			facts: catalog.ProcessFacts{Exe: `C:\Program Files\BlueStacks_nxt\HD-MultiInstanceManager.exe`},
			want:  catalog.Info{Name: "BlueStacks", Category: catalog.Emulator, MinAge: -1, Source: catalog.SourceEmulator}},
		{name: "an Android app under Waydroid that the catalog does not know is an emulated app",
			facts: catalog.ProcessFacts{Exe: "/system/bin/app_process64", Cmdline: []string{"com.example.unknowngame"}},
			want:  catalog.Info{Name: "Android app", Category: catalog.Emulator, MinAge: -1, Source: catalog.SourceEmulator}},
		{name: "an ordinary program is unknown, named after its file",
			facts: catalog.ProcessFacts{Exe: "/usr/bin/Thunar"},
			want:  catalog.Info{Name: "Thunar", Category: catalog.Unknown, MinAge: -1, Source: catalog.SourceUnknown}},
		{name: "a process with no executable path is unknown, named after its comm",
			facts: catalog.ProcessFacts{Name: "kworker/0:1"},
			want:  catalog.Info{Name: "kworker/0:1", Category: catalog.Unknown, MinAge: -1, Source: catalog.SourceUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Classify(tt.facts)
			got.ID = ""
			if got != tt.want {
				t.Errorf("Classify(%+v)\n got  %+v\n want %+v", tt.facts, got, tt.want)
			}
		})
	}
}

func TestCategoryIsGame(t *testing.T) {
	for c, want := range map[catalog.Category]bool{
		catalog.Game: true, catalog.Emulator: true, catalog.Launcher: false,
		catalog.Education: false, catalog.Browser: false, catalog.Other: false, catalog.Unknown: false,
	} {
		if got := c.IsGame(); got != want {
			t.Errorf("Category(%q).IsGame() = %v, want %v", c, got, want)
		}
	}
}

// TestSystemFiles indexes this machine's real application folders: it must
// not fail on whatever is installed.
func TestSystemFiles(t *testing.T) {
	c, err := catalog.New(catalog.Options{})
	if err != nil {
		t.Fatalf("New with the default folders: %v", err)
	}
	if got := c.Classify(catalog.ProcessFacts{Exe: "/usr/games/supertuxkart"}); got.Category != catalog.Game {
		t.Errorf("SuperTuxKart on this system: %+v, want a game", got)
	}
}

var sink catalog.Info

func BenchmarkClassify(b *testing.B) {
	c := newBuiltin(b)
	cases := []struct {
		name  string
		facts catalog.ProcessFacts
	}{
		{"catalog exe", catalog.ProcessFacts{Exe: "/usr/games/supertuxkart", Cmdline: []string{"supertuxkart"}}},
		{"java host", catalog.ProcessFacts{Exe: "/usr/lib/jvm/java-17/bin/java", Cmdline: []string{"java", "-cp", "/x/a.jar", "-Xmx2G", "net.minecraft.client.main.Main", "--version", "1.20"}}},
		{"steam library", catalog.ProcessFacts{Exe: "/home/kid/.local/share/Steam/steamapps/common/Game/game.x86_64"}},
		{"unknown", catalog.ProcessFacts{Exe: "/usr/lib/x86_64-linux-gnu/libexec/kf5/kioslave5", Cmdline: []string{"kioslave5", "a", "b"}}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = c.Classify(bc.facts)
			}
		})
	}
}

func TestRenamedGameKeepsItsClass(t *testing.T) {
	const stk = "1111111111111111111111111111111111111111111111111111111111111111"
	const gta = "2222222222222222222222222222222222222222222222222222222222222222"
	c := newBuiltin(t)

	first := c.Classify(catalog.ProcessFacts{Exe: "/usr/games/supertuxkart", SHA256: stk})
	if first.Name != "SuperTuxKart" {
		t.Fatalf("the original: %+v, want SuperTuxKart", first)
	}
	tests := []struct {
		name  string
		setup func()
		facts catalog.ProcessFacts
		want  catalog.Info
	}{
		{name: "a game copied under an education app's name is still the game",
			facts: catalog.ProcessFacts{Exe: "/home/kid/bin/gcompris-qt", SHA256: strings.ToUpper(stk)},
			want:  first},
		{name: "a remembered 18+ game copied into a library folder keeps its age",
			setup: func() {
				c.Remember(gta, catalog.Info{Name: "Grand Theft Auto V", Category: catalog.Game, MinAge: 18, Source: catalog.SourceCatalog})
			},
			facts: catalog.ProcessFacts{Exe: "/home/kid/Games/homework/homework.exe", SHA256: gta},
			want:  catalog.Info{Name: "Grand Theft Auto V", Category: catalog.Game, MinAge: 18, Source: catalog.SourceCatalog}},
		{name: "remembering a non-game does nothing: an unknown program stays unknown",
			setup: func() {
				c.Remember("3333333333333333333333333333333333333333333333333333333333333333", catalog.Info{Name: "Calc", Category: catalog.Education})
			},
			facts: catalog.ProcessFacts{Exe: "/usr/bin/galculator", SHA256: "3333333333333333333333333333333333333333333333333333333333333333"},
			want:  catalog.Info{Name: "galculator", Category: catalog.Unknown, MinAge: -1, Source: catalog.SourceUnknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			if got := c.Classify(tt.facts); got != tt.want {
				t.Errorf("Classify(%+v)\n got  %+v\n want %+v", tt.facts, got, tt.want)
			}
		})
	}
}

func TestHomeDesktopFilesOnlyMakeGames(t *testing.T) {
	home := t.TempDir()
	apps := filepath.Join(home, ".local/share/applications")
	write(t, filepath.Join(apps, "homework.desktop"), `[Desktop Entry]
Type=Application
Name=Homework
Exec=/home/kid/.local/share/Steam/steamapps/common/Shooter/shooter
Categories=Education;
`)
	write(t, filepath.Join(apps, "mygame.desktop"), `[Desktop Entry]
Type=Application
Name=My Game
Exec=/home/kid/bin/mygame
Categories=Game;
`)
	c, err := catalog.New(catalog.Options{DesktopDirs: []string{}, MetainfoDirs: []string{}, Homes: func() []string { return []string{home} }})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(catalog.ProcessFacts{Exe: "/home/kid/.local/share/Steam/steamapps/common/Shooter/shooter"}); got.Category != catalog.Game {
		t.Errorf("a child's desktop file calling a Steam game Education: %+v, want it still a game", got)
	}
	if got := c.Classify(catalog.ProcessFacts{Exe: "/home/kid/bin/mygame"}); got.Category != catalog.Game || got.Name != "My Game" {
		t.Errorf("a child's desktop file saying Game: %+v, want the game My Game", got)
	}
}
