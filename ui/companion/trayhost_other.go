//go:build !linux

package companion

// trayHost is nil where the tray is the system's own (Windows, macOS).
func trayHost() error { return nil }
