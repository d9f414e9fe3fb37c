package ipc

// SetAdminDACL replaces the administrators' pipe's DACL for one test and
// returns the function that restores it.
func SetAdminDACL(dacl string) (restore func()) {
	old := adminDACL
	adminDACL = dacl
	return func() { adminDACL = old }
}

// FallBack is fallBack: whether DialAny tries the shared pipe after err.
var FallBack = fallBack

// ErrSquatted marks an administrators' pipe with the wrong owner.
var ErrSquatted = errSquatted
