//go:build !windows

package web

// WriteBrowserRegistry: browsers read their policies from files here
// (WriteBrowserPolicies).
func WriteBrowserRegistry(string) ([]string, error) { return nil, nil }

// RemoveBrowserRegistry: nothing was written in a registry here.
func RemoveBrowserRegistry(string) error { return nil }
