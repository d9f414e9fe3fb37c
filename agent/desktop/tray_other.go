//go:build !linux

package desktop

// TrayHost is nil where the tray is the system's own (Windows, macOS).
func TrayHost() error { return nil }
