// The built-in app catalog: catalog.json, read by agent/catalog.

package assets

import _ "embed" // for //go:embed

// Catalog is catalog.json: the built-in list of known games, launchers,
// Android emulators, education apps and browsers that agent/catalog uses
// to classify processes (DESIGN.md §5). Its format:
//
//	{
//	  "version": 1,
//	  "hosts": ["java", "wine64-preloader", "python3*", ...],
//	  "apps": [
//	    {
//	      "id":       "minecraft",              // unique, stable, lower case
//	      "name":     "Minecraft",              // display name
//	      "category": "game",                   // game | education | browser | launcher | emulator | other
//	      "minAge":   7,                        // optional: minimum age (PEGI where rated); absent = unknown
//	      "always":   false,                    // optional: always allowed by default (neither counted nor closed)
//	      "exe":      ["MinecraftLauncher.exe"],// executable file names, no directories, case-insensitive
//	      "paths":    ["*/.minecraft/*"],       // patterns on the whole executable path
//	      "cmdline":  ["*net.minecraft.client.main.main*"], // patterns on a host's arguments
//	      "android":  ["com.mojang.minecraftpe"],           // Android package names
//	      "sha256":   ["<64 hex digits>"]                   // optional exact executable hashes
//	    }
//	  ]
//	}
//
// Patterns are case-insensitive; "*" matches any run of characters,
// including "/", and nothing else is special. Paths use "/" (Windows
// backslashes are turned into "/" before matching), so "*/steamapps/*"
// matches both C:\Games\steamapps\x.exe and /home/kid/steamapps/x.
//
// "hosts" lists programs that run another program named in their
// arguments: Java, Wine, Python, Perl, Mono. For a process whose executable
// is a host, the file names in its arguments are looked up in "exe" too
// (wine's argv[0] is the Windows path of the .exe it runs), and its
// arguments, joined by single spaces, are matched against "cmdline"
// patterns. "cmdline" patterns are never tried on other processes, so that
// `grep minecraft` is not Minecraft.
//
// "android" names match the processes of Android apps run by Waydroid,
// which appear on the host as app_process with the package as argv[0].
//
// An exe name, Android package or hash may belong to one entry only.
//
//go:embed catalog.json
var Catalog []byte
