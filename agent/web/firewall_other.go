//go:build !linux && !windows

package web

// Firewall is kidtime's table; on this system it cannot be made.
type Firewall struct{}

// NewFirewall says that per-account redirection is not available here.
func NewFirewall() (*Firewall, error) { return nil, ErrNoFirewall }

// NewFirewallNamed says the same.
func NewFirewallNamed(string) (*Firewall, error) { return nil, ErrNoFirewall }

// Apply is never reached (NewFirewall fails).
func (f *Firewall) Apply(Rules) error { return ErrNoFirewall }

// Remove has nothing to remove here.
func (f *Firewall) Remove() error { return nil }

// Close does nothing.
func (f *Firewall) Close() error { return nil }

// RemoveTable has nothing to remove here.
func RemoveTable(string) error { return nil }

// TableExists is false: there is no table here.
func TableExists(string) (bool, error) { return false, nil }
