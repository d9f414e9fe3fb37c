//go:build !linux

package platform

import "fmt"

// unsupported wraps ErrUnsupported with what was asked.
func unsupported(what string) error {
	return fmt.Errorf("platform: %s: %w on this system", what, ErrUnsupported)
}
