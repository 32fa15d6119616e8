package catalog

// SyscallNumber returns the number the kernel of an architecture (GOARCH
// notation) gives a syscall event; ok is false when the event is no syscall
// or the architecture has no such syscall (arm64 has no open, stat, fork,
// ...: its generic table replaced them with *at and clone variants). Event
// ids are x86_64's numbers, which Tracee uses on every architecture.
func SyscallNumber(arch string, id EventID) (nr uint32, ok bool) {
	d, known := eventsByID[id]
	if !known || !d.Syscall {
		return 0, false
	}
	switch arch {
	case "amd64":
		return uint32(id), true
	case "arm64":
		nr, ok = arm64Syscalls[id]
		return nr, ok
	}
	return 0, false
}
