//go:build tools

// Package kidtime pins the modules that the project's packages use, so that
// go.sum stays complete while packages land one by one.
package kidtime

import (
	_ "fyne.io/fyne/v2/app"
	_ "github.com/godbus/dbus/v5"
	_ "github.com/jezek/xgb"
	_ "github.com/kardianos/service"
	_ "github.com/pquerna/otp/totp"
	_ "github.com/shirou/gopsutil/v4/process"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/sys/unix"
	_ "modernc.org/sqlite"
)
