package platform

import (
	"errors"

	"github.com/kidtime/kidtime/agent/facts"
)

// The OS facts are agent/facts' types: platform produces them, the rest of
// the agent consumes them as they are. The names are kept here so that the
// adapters read naturally.
type (
	Process       = facts.Process
	ProcEvent     = facts.ProcEvent
	ProcEventKind = facts.ProcEventKind
	Session       = facts.Session
)

// The process event kinds.
const (
	Exec    = facts.Exec
	Exit    = facts.Exit
	Fork    = facts.Fork
	Overrun = facts.Overrun
)

// ErrUnsupported is returned (wrapped) by everything this system cannot do.
// It is errors.ErrUnsupported, so either may be tested with errors.Is.
var ErrUnsupported = errors.ErrUnsupported
