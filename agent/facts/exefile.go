package facts

// ExeFile is what the OS says of a running program's file and its folder:
// enough to tell a program the child obtained (one in a place the child can
// write, not installed by an administrator) from an installed one. It is
// read with a stat or two, never by reading the file.
type ExeFile struct {
	// Path is the executable's path, as the process table gives it.
	Path string

	// Unix: the file's owner, group and permission bits (0o7777), as
	// reached through the running image (a deleted or replaced file, or a
	// memfd, is still the file that runs).
	UID, GID uint32
	Perm     uint32
	// DirKnown is set when the file's folder could be read (not for a
	// deleted file or a memfd); DirUID, DirGID and DirPerm are then its
	// owner, group and permission bits (the sticky bit included).
	DirKnown       bool
	DirUID, DirGID uint32
	DirPerm        uint32
	// Groups are the process's groups (its gid and supplementary groups):
	// a group-writable file is writable by the child when its group is one.
	Groups []uint32

	// Windows: Profile is the process owner's profile folder
	// (C:\Users\NAME), and Removable is set when the file is on a
	// removable drive (a USB stick, a memory card).
	Profile   string
	Removable bool
}
