package catalog

import (
	"slices"
	"strings"
	"testing"
)

// refMatch is a plain recursive wildcard matcher, the oracle for glob.
func refMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	if p[0] == '*' {
		for i := 0; i <= len(s); i++ {
			if refMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && p[0] == s[0] && refMatch(p[1:], s[1:])
}

func TestGlob(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		want             bool
	}{
		{"a star crosses slashes", "*/steamapps/common/*", "/home/kid/.steam/steamapps/common/game/x", true},
		{"a literal pattern matches only itself", "/opt/coccoc/browser", "/opt/coccoc/browser", true},
		{"a literal pattern does not match a longer string", "/opt/coccoc", "/opt/coccoc/x", false},
		{"an anchored start must be the prefix", "/opt/*", "/usr/opt/x", false},
		{"an anchored end must be the suffix", "*.exe", "game.exe.bak", false},
		{"the literal parts must come in order", "*b*a*", "ab", false},
		{"a part may need a later occurrence at the end", "*ab", "abxab", true},
		{"stars alone match the empty string", "**", "", true},
		{"overlapping prefix and suffix are not double-counted", "ab*ba", "aba", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.s); got != tt.want {
			t.Errorf("%s: match(%q, %q) = %v, want %v", tt.name, tt.pattern, tt.s, got, tt.want)
		}
		if ref := refMatch(tt.pattern, tt.s); ref != tt.want {
			t.Errorf("%s: the oracle disagrees with the table on (%q, %q)", tt.name, tt.pattern, tt.s)
		}
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("*/a*b/*", "x/aab/y")
	f.Add("ab*ba", "aba")
	f.Add("*a*", "")
	f.Fuzz(func(t *testing.T, p, s string) {
		if len(p) > 12 || len(s) > 24 {
			return // keep the exponential oracle cheap
		}
		if got, want := match(p, s), refMatch(p, s); got != want {
			t.Fatalf("match(%q, %q) = %v, oracle says %v", p, s, got, want)
		}
	})
}

func TestDesktopPrograms(t *testing.T) {
	host := func(b string) bool { return b == "python3" || b == "java" || b == "wine" }
	tests := []struct {
		name string
		exec string
		try  string
		want []string
	}{
		{"a plain program and its field code", "/usr/games/supertux2 %f", "", []string{"supertux2"}},
		{"env and its variables are skipped", "env -u X LANG=vi_VN.UTF-8 SDL_X=1 /opt/g/Game.x86_64 --x", "", []string{"game.x86_64"}},
		{"a quoted path with spaces stays one argument", `"/opt/My Game/run game" %U`, "", []string{"run game"}},
		{"flatpak's --command names the program", "/usr/bin/flatpak run --branch=stable --command=sober org.vinegarhq.Sober", "", []string{"sober"}},
		{"flatpak without --command names the app id", "flatpak run --arch=x86_64 org.example.Game", "", []string{"org.example.game"}},
		{"a host's first non-option argument is the program", "java -Xmx1G -jar /opt/mindustry/Mindustry.jar", "", []string{"mindustry.jar"}},
		{"TryExec adds its program", "launch-it", "/usr/bin/the-game", []string{"launch-it", "the-game"}},
		{"a steam:// launch gives nothing", "steam steam://rungameid/570", "", nil},
		{"a lutris: launch gives nothing", "env LUTRIS_SKIP_INIT=1 lutris lutris:rungameid/3", "", nil},
		{"a Windows drive letter is not a URL", `wine C:\\Games\\x.exe`, "", []string{"x.exe"}},
		{"an empty Exec gives nothing", "", "", nil},
	}
	for _, tt := range tests {
		got := desktopEntry{exec: tt.exec, tryExec: tt.try}.programs(host)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: programs(Exec=%q) = %q, want %q", tt.name, tt.exec, got, tt.want)
		}
	}
}

func TestMinAge(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		want int
	}{
		{"no content_rating is unknown", `<component><id>a</id></component>`, -1},
		{"an empty OARS rating is all ages", `<component><id>a</id><content_rating type="oars-1.0"/></component>`, 0},
		{"the strictest attribute decides", `<component><id>a</id><content_rating type="oars-1.1">
			<content_attribute id="violence-cartoon">intense</content_attribute>
			<content_attribute id="social-chat">moderate</content_attribute></content_rating></component>`, 10},
		{"an attribute set to none adds nothing", `<component><id>a</id><content_rating type="oars-1.1">
			<content_attribute id="violence-bloodshed">none</content_attribute></content_rating></component>`, 0},
		{"an unknown attribute counts as none", `<component><id>a</id><content_rating type="oars-1.1">
			<content_attribute id="violence-robots">intense</content_attribute></content_rating></component>`, 0},
		{"a non-OARS rating system is unknown", `<component><id>a</id><content_rating type="pegi">
			<content_attribute id="violence-realistic">intense</content_attribute></content_rating></component>`, -1},
		{"0 A.D.'s rating is 14, as appstreamcli says", `<component><id>com.play0ad.zeroad</id><content_rating type="oars-1.1">
			<content_attribute id="violence-realistic">intense</content_attribute>
			<content_attribute id="violence-bloodshed">moderate</content_attribute>
			<content_attribute id="social-chat">intense</content_attribute>
			<content_attribute id="social-info">intense</content_attribute></content_rating></component>`, 14},
	}
	for _, tt := range tests {
		c, err := parseMetainfo([]byte(tt.xml))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := c.minAge(); got != tt.want {
			t.Errorf("%s: minAge = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func FuzzParseDesktopFile(f *testing.F) {
	f.Add("[Desktop Entry]\nName=X\nExec=env A=1 \"/a b/c\" %U\nCategories=Game;\n")
	f.Add("[Other]\nExec=x\n")
	f.Fuzz(func(t *testing.T, s string) {
		de, err := parseDesktopFile(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, p := range de.programs(func(string) bool { return true }) {
			if p == "" || strings.Contains(p, "/") {
				t.Fatalf("program %q from %q", p, s)
			}
		}
	})
}

func FuzzParseMetainfo(f *testing.F) {
	f.Add(`<component><id>a</id><content_rating type="oars-1.1"><content_attribute id="sex-nudity">mild</content_attribute></content_rating></component>`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseMetainfo([]byte(s))
		if err != nil {
			return
		}
		if a := c.minAge(); a < -1 || a > 18 {
			t.Fatalf("minAge %d from %q", a, s)
		}
	})
}
