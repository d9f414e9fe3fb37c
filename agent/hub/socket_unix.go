//go:build !windows

package hub

const defaultSocket = "/run/kidtime/hub.sock"
