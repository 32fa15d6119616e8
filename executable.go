package vigil

// Record attributes of the exec events (sched_process_exec,
// security_bprm_check): the hash of the executed file. The semantic
// conventions have no attribute for a file's or an executable's hash, so
// they are under kernel.*. Tracee's events have no field for them either.
const (
	// AttrExecutableSHA256 is the file's SHA-256, lower-case hex; only when
	// the status is "ok".
	AttrExecutableSHA256 = "kernel.executable.hash.sha256"
	// AttrExecutableHashStatus is ok, pending (not computed yet: the record
	// does not wait for it), too_large or unreadable.
	AttrExecutableHashStatus = "kernel.executable.hash.status"
)
