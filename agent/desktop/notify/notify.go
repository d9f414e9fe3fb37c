// Package notify shows desktop notifications in the session it runs in.
//
// It is the part of the desktop probes (package agent/desktop) that the
// daemon itself needs, for `kidtimed notify`, which the service runs as the
// child in the child's session. It is kept apart so that kidtimed links no
// X11 code: it talks only to the freedesktop notification service on the
// session D-Bus. On Windows it is not implemented; the companion shows its
// notifications through Fyne there.
package notify

// Urgency is the urgency level of a notification, as in the freedesktop
// notification specification.
type Urgency byte

// Urgency levels.
const (
	UrgencyLow      Urgency = 0
	UrgencyNormal   Urgency = 1
	UrgencyCritical Urgency = 2
)

// String names the urgency level.
func (u Urgency) String() string {
	switch u {
	case UrgencyLow:
		return "low"
	case UrgencyNormal:
		return "normal"
	case UrgencyCritical:
		return "critical"
	}
	return "unknown"
}
