//go:build !linux && !windows

package platform

import (
	"context"

	"github.com/kidtime/kidtime/agent/facts"
)

// Create is not done here yet (macOS would need sysadminctl): the parent
// makes the account in the system's settings.
func (Users) Create(context.Context, facts.NewAccount) error {
	return unsupported("create an account")
}
