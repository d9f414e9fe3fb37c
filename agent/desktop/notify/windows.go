//go:build windows

package notify

import (
	"context"
	"errors"
	"fmt"
)

// Notifier is not implemented on Windows: the companion shows its
// notifications through Fyne, which uses the Windows toast API.
type Notifier struct{}

// New returns an error wrapping errors.ErrUnsupported on Windows.
func New(ctx context.Context) (*Notifier, error) {
	return nil, fmt.Errorf("desktop notifications from agent/desktop/notify on Windows: %w", errors.ErrUnsupported)
}

// Notify returns an error wrapping errors.ErrUnsupported on Windows.
func (n *Notifier) Notify(ctx context.Context, title, body string, urgency Urgency) (uint32, error) {
	return 0, fmt.Errorf("notify: %w", errors.ErrUnsupported)
}

// Update returns an error wrapping errors.ErrUnsupported on Windows.
func (n *Notifier) Update(ctx context.Context, id uint32, title, body string, urgency Urgency) (uint32, error) {
	return 0, fmt.Errorf("notify: %w", errors.ErrUnsupported)
}

// Dismiss returns an error wrapping errors.ErrUnsupported on Windows.
func (n *Notifier) Dismiss(ctx context.Context, id uint32) error {
	return fmt.Errorf("close notification: %w", errors.ErrUnsupported)
}

// Close does nothing on Windows.
func (n *Notifier) Close() error { return nil }
