package ident_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/kidtime/kidtime/agent/ident"
)

func of(t *testing.T, b []byte) string {
	t.Helper()
	id, err := ident.Of(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Of: %v", err)
	}
	return id
}

func appended(b []byte, extra string) []byte {
	return append(append([]byte(nil), b...), extra...)
}

var (
	code      = []byte("\x48\x31\xc0\xc3 the game's code")
	otherCode = []byte("\x48\x31\xc0\xc3 another program")
	buildID   = []byte{0xe3, 0x10, 0x3c, 0x60, 0x3f, 0x62, 0x41, 0x19, 0xa9, 0xe5, 0xc0, 0x25, 0xe4, 0xe5, 0xdc, 0x43, 0x0f, 0x85, 0x19, 0xb0}
	version   = map[string]string{"CompanyName": "Mojang", "ProductName": "Minecraft Launcher", "OriginalFilename": "MinecraftLauncher.exe", "InternalName": "launcher", "FileVersion": "2.1.3"}
)

func TestOf(t *testing.T) {
	withID := makeELF(elfSpec{text: code, buildID: buildID, comment: "GCC 12"})
	noID := makeELF(elfSpec{text: code, comment: "GCC 12"})
	peV := makePE(peSpec{text: code, version: version, fileVer: [4]uint16{2, 1, 3, 0}})
	peNoV := makePE(peSpec{text: code})
	noName := makePE(peSpec{text: code, version: map[string]string{"FileVersion": "1"}})
	otherVersion := map[string]string{}
	for k, v := range version {
		otherVersion[k] = v
	}
	otherVersion["ProductName"] = "Calculator"

	cases := []struct {
		sentence string
		a, b     []byte
		kind     string // the identity kind of a
		same     bool
	}{
		{"an ELF file with a build-id is known by it", withID, withID, ident.ELFBuildID, true},
		{"one byte appended keeps the build-id", withID, appended(withID, "x"), ident.ELFBuildID, true},
		{"a megabyte appended keeps the build-id", withID, appended(withID, strings.Repeat("z", 1<<20)), ident.ELFBuildID, true},
		{"stripping the compiler's comment keeps the build-id", withID, makeELF(elfSpec{text: code, buildID: buildID}), ident.ELFBuildID, true},
		{"the build-id decides even when the code differs (it is the linker's word)", withID, makeELF(elfSpec{text: otherCode, buildID: buildID}), ident.ELFBuildID, true},
		{"another build-id is another program", withID, makeELF(elfSpec{text: code, buildID: bytes.Repeat([]byte{7}, 20)}), ident.ELFBuildID, false},
		{"without a build-id the loaded sections are hashed", noID, noID, ident.ELFSections, true},
		{"appended bytes are outside every section", noID, appended(noID, "\x00"), ident.ELFSections, true},
		{"a section that is not loaded (.comment, symbols) does not count", noID, makeELF(elfSpec{text: code, comment: "clang 17"}), ident.ELFSections, true},
		{"other code is another program", noID, makeELF(elfSpec{text: otherCode}), ident.ELFSections, false},
		{"without a section table the loaded segments are hashed", makeELF(elfSpec{text: code, noShdr: true}), appended(makeELF(elfSpec{text: code, noShdr: true}), "tail"), ident.ELFSections, true},
		{"a PE file with a version resource is known by its product", peV, peV, ident.PEVersion, true},
		{"bytes appended to a PE file (an overlay, a signature) do not count", peV, appended(peV, "signature"), ident.PEVersion, true},
		{"another version of the same product is the same product", peV, makePE(peSpec{text: otherCode, version: version, fileVer: [4]uint16{2, 2, 0, 0}}), ident.PEVersion, true},
		{"another product name is another program", peV, makePE(peSpec{text: code, version: otherVersion}), ident.PEVersion, false},
		{"a PE file without a version resource is known by its sections", peNoV, appended(peNoV, "x"), ident.PESections, true},
		{"a PE file without a version resource and other code is another program", peNoV, makePE(peSpec{text: otherCode}), ident.PESections, false},
		{"a version resource without a product name falls back to the sections", noName, appended(noName, "x"), ident.PESections, true},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			a, b := of(t, tc.a), of(t, tc.b)
			if !strings.HasPrefix(a, tc.kind+":") {
				t.Fatalf("identity %q; want kind %s", a, tc.kind)
			}
			if (a == b) != tc.same {
				t.Errorf("identities %q and %q; want same=%v", a, b, tc.same)
			}
		})
	}
}

func TestOfOtherFiles(t *testing.T) {
	cases := []struct {
		sentence string
		file     []byte
		wantErr  bool
	}{
		{"a script has no identity (its content hash is one)", []byte("#!/bin/sh\nexec sleep 300\n"), false},
		{"an empty file has none", nil, false},
		{"a file that says ELF but is cut short is an error", makeELF(elfSpec{text: code})[:40], true},
		{"a file that says MZ but is not PE is an error", []byte("MZ this is not a PE file at all, only text"), true},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			id, err := ident.Of(bytes.NewReader(tc.file), int64(len(tc.file)))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Of = %q, %v; want error %v", id, err, tc.wantErr)
			}
			if id != "" {
				t.Errorf("identity %q; want none", id)
			}
		})
	}
}

// The real sleep (what the e2e tests use as a game) has a build-id.
func TestOfSystemProgram(t *testing.T) {
	b, err := os.ReadFile("/bin/sleep")
	if err != nil {
		t.Skip("no /bin/sleep:", err)
	}
	id := of(t, b)
	if !strings.HasPrefix(id, ident.ELFBuildID+":") {
		t.Fatalf("/bin/sleep: identity %q; want a build-id", id)
	}
	if got := of(t, appended(b, "\n")); got != id {
		t.Errorf("sleep with a byte appended: %q; want %q", got, id)
	}
}

func TestHosted(t *testing.T) {
	cases := []struct {
		sentence string
		exe      string
		argv     []string
		want     []string // candidate arguments, best first
	}{
		{"the dynamic loader runs the program after its options", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
			[]string{"/lib64/ld-linux-x86-64.so.2", "./game", "300"}, []string{"./game", "300"}},
		{"the loader's options with values are skipped", "/lib64/ld-linux-x86-64.so.2",
			[]string{"ld.so", "--library-path", "/tmp/lib", "--argv0", "homework", "--inhibit-cache", "/home/an/game"}, []string{"/home/an/game", "/tmp/lib", "homework"}},
		{"musl's loader is a loader", "/lib/ld-musl-x86_64.so.1", []string{"ld", "game"}, []string{"game"}},
		{"python runs its script", "/usr/bin/python3.11", []string{"python3", "-u", "-W", "ignore", "game.py", "--fullscreen"}, []string{"game.py", "ignore"}},
		{"python -c runs a string, not a file", "/usr/bin/python3", []string{"python3", "-c", "import game", "game.py"}, nil},
		{"python -m runs a module", "/usr/bin/python3", []string{"python3", "-m", "game"}, nil},
		{"a cluster of flags ending in c is code", "/usr/bin/python3", []string{"python3", "-Bc", "code"}, nil},
		{"a shell runs its script", "/usr/bin/bash", []string{"bash", "-x", "./play.sh"}, []string{"./play.sh"}},
		{"a shell with -c runs a string", "/bin/dash", []string{"sh", "-c", "exec ./game"}, nil},
		{"an interactive shell runs nothing", "/bin/bash", []string{"-bash"}, nil},
		{"a script with a #! line: the kernel passes its path", "/usr/bin/perl", []string{"/usr/bin/perl", "-w", "/home/an/game.pl"}, []string{"/home/an/game.pl"}},
		{"an option read as taking a value does not hide the program", "/usr/bin/perl", []string{"perl", "-l", "game.pl"}, []string{"game.pl"}},
		{"after -- comes the program", "/usr/bin/python3", []string{"python3", "--", "-game.py"}, []string{"-game.py"}},
		{"java runs the archive after -jar", "/usr/lib/jvm/bin/java", []string{"java", "-Xmx2G", "-jar", "/home/an/mc.jar", "nogui"}, []string{"/home/an/mc.jar"}},
		{"java with a class path names no file", "/usr/bin/java", []string{"java", "-cp", "libs", "net.minecraft.client.main.Main"}, nil},
		{"wine runs the program named after it", "/usr/bin/wine64", []string{"wine64", "C:\\Games\\game.exe"}, []string{"C:\\Games\\game.exe"}},
		{"a started Wine program shows its Windows path as argv[0]", "/usr/lib/wine/wine64-preloader", []string{"Z:\\home\\an\\game.exe", "-window"}, []string{"Z:\\home\\an\\game.exe"}},
		{"wine's own names are not the program", "/usr/lib/wine/wine64-preloader", []string{"/usr/lib/wine/wine64-preloader", "/usr/lib/wine/wine64", "game.exe"}, []string{"game.exe"}},
		{"box64 runs the program named first", "/usr/bin/box64", []string{"box64", "./game.x86_64"}, []string{"./game.x86_64"}},
		{"a program that is no host runs nothing else", "/usr/bin/sleep", []string{"sleep", "300"}, nil},
		{"a name that starts like a shell is not one", "/usr/bin/sha256sum", []string{"sha256sum", "file"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.sentence, func(t *testing.T) {
			var got []string
			for _, i := range ident.Hosted(tc.exe, tc.argv) {
				got = append(got, tc.argv[i])
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Hosted(%s, %q) = %q; want %q", tc.exe, tc.argv, got, tc.want)
			}
		})
	}
}

func TestUnixPath(t *testing.T) {
	cases := []struct{ in, want string }{
		{`Z:\home\an\game.exe`, "/home/an/game.exe"},
		{"z:/tmp/x.exe", "/tmp/x.exe"},
		{"/home/an/game", "/home/an/game"},
	}
	for _, tc := range cases {
		if got, ok := ident.UnixPath(tc.in); !ok || got != tc.want {
			t.Errorf("UnixPath(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := ident.UnixPath(`C:\Games\x.exe`); ok {
		t.Error("a C: path needs the Wine prefix")
	}
	if d, r, ok := ident.DriveRelative(`C:\Games\x.exe`); !ok || d != "c:" || r != "Games/x.exe" {
		t.Errorf("DriveRelative = %q, %q, %v", d, r, ok)
	}
}
