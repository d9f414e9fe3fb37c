package facts

// Program is the file a process runs, as identified: for a process whose
// executable is a host (a dynamic loader, an interpreter, Wine), the
// program the host runs, not the host.
type Program struct {
	// Path is the program's path as the process sees it.
	Path string
	// SHA256 is the hex SHA-256 of its content ("" when unreadable).
	SHA256 string
	// ID is its identity that survives trivial changes (agent/ident: an ELF
	// build-id, a hash of its loaded sections, a PE version resource); ""
	// when it has none, and then its content hash is its identity.
	ID string
	// Host is the path of the host's executable when Path is a program a
	// host runs; "" when the process runs Path itself. HostSHA256 and
	// HostID are that file's hash and identity: a host is known by its
	// name, which a child can give any file.
	Host               string
	HostSHA256, HostID string
}
