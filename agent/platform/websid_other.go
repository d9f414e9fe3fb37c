//go:build !windows

package platform

import "errors"

// SIDOfUID: accounts have no SIDs here.
func SIDOfUID(uint32) (string, error) { return "", errors.New("accounts have no SID on this system") }
