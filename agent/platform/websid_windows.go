package platform

// SIDOfUID is the SID behind a uid (see [SIDToUID]): the safe web's
// Windows Firewall rules name the children's accounts by SID.
func SIDOfUID(uid uint32) (string, error) { return resolveUID(uid) }
