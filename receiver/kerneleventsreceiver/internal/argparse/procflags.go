package argparse

import "strconv"

// cloneFlags are the CLONE_* bits (uapi/linux/sched.h) in Tracee's order.
var cloneFlags = []flag{
	{0x100, "CLONE_VM"}, {0x200, "CLONE_FS"}, {0x400, "CLONE_FILES"}, {0x800, "CLONE_SIGHAND"},
	{0x1000, "CLONE_PIDFD"}, {0x2000, "CLONE_PTRACE"}, {0x4000, "CLONE_VFORK"}, {0x8000, "CLONE_PARENT"},
	{0x10000, "CLONE_THREAD"}, {0x20000, "CLONE_NEWNS"}, {0x40000, "CLONE_SYSVSEM"}, {0x80000, "CLONE_SETTLS"},
	{0x100000, "CLONE_PARENT_SETTID"}, {0x200000, "CLONE_CHILD_CLEARTID"}, {0x400000, "CLONE_DETACHED"},
	{0x800000, "CLONE_UNTRACED"}, {0x1000000, "CLONE_CHILD_SETTID"}, {0x2000000, "CLONE_NEWCGROUP"},
	{0x4000000, "CLONE_NEWUTS"}, {0x8000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},
	{0x20000000, "CLONE_NEWPID"}, {0x40000000, "CLONE_NEWNET"}, {0x80000000, "CLONE_IO"},
}

// CloneFlags renders clone(2) flags, e.g. "CLONE_VM|CLONE_FS"; the low
// byte, the signal sent to the parent at exit, is not a flag and is left
// out, so a plain fork-like clone is "".
func CloneFlags(v uint64) string {
	const exitSignal = 0xff
	return joinFlags(v&^exitSignal, cloneFlags)
}

// accessModes are access(2)'s R_OK, W_OK and X_OK in Tracee's order.
var accessModes = []flag{{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}}

// AccessMode renders the mode of access(2) and faccessat(2), e.g.
// "R_OK|W_OK"; F_OK (0) is "", as Tracee shows it.
func AccessMode(v uint64) string { return joinFlags(v, accessModes) }

// execFlags are the flags execveat(2) takes.
var execFlags = []flag{{0x1000, "AT_EMPTY_PATH"}, {0x100, "AT_SYMLINK_NOFOLLOW"}}

// ExecFlags renders execveat(2) flags, e.g. "AT_EMPTY_PATH"; none is "".
func ExecFlags(v uint64) string { return joinFlags(v, execFlags) }

// prctlOptions are prctl(2)'s options (uapi/linux/prctl.h).
var prctlOptions = map[uint64]string{
	1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE", 4: "PR_SET_DUMPABLE",
	5: "PR_GET_UNALIGN", 6: "PR_SET_UNALIGN", 7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS",
	9: "PR_GET_FPEMU", 10: "PR_SET_FPEMU", 11: "PR_GET_FPEXC", 12: "PR_SET_FPEXC",
	13: "PR_GET_TIMING", 14: "PR_SET_TIMING", 15: "PR_SET_NAME", 16: "PR_GET_NAME",
	19: "PR_GET_ENDIAN", 20: "PR_SET_ENDIAN", 21: "PR_GET_SECCOMP", 22: "PR_SET_SECCOMP",
	23: "PR_CAPBSET_READ", 24: "PR_CAPBSET_DROP", 25: "PR_GET_TSC", 26: "PR_SET_TSC",
	27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS", 29: "PR_SET_TIMERSLACK", 30: "PR_GET_TIMERSLACK",
	31: "PR_TASK_PERF_EVENTS_DISABLE", 32: "PR_TASK_PERF_EVENTS_ENABLE", 33: "PR_MCE_KILL",
	34: "PR_MCE_KILL_GET", 35: "PR_SET_MM", 36: "PR_SET_CHILD_SUBREAPER", 37: "PR_GET_CHILD_SUBREAPER",
	38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 40: "PR_GET_TID_ADDRESS",
	41: "PR_SET_THP_DISABLE", 42: "PR_GET_THP_DISABLE", 43: "PR_MPX_ENABLE_MANAGEMENT",
	44: "PR_MPX_DISABLE_MANAGEMENT", 45: "PR_SET_FP_MODE", 46: "PR_GET_FP_MODE", 47: "PR_CAP_AMBIENT",
	50: "PR_SVE_SET_VL", 51: "PR_SVE_GET_VL", 52: "PR_GET_SPECULATION_CTRL", 53: "PR_SET_SPECULATION_CTRL",
	54: "PR_PAC_RESET_KEYS", 55: "PR_SET_TAGGED_ADDR_CTRL", 56: "PR_GET_TAGGED_ADDR_CTRL",
	57: "PR_SET_IO_FLUSHER", 58: "PR_GET_IO_FLUSHER", 0x59616d61: "PR_SET_PTRACER",
}

// PrctlOption names a prctl(2) option, e.g. "PR_SET_NAME"; unknown options
// keep their number. The option is an int: only its low 32 bits count.
func PrctlOption(v uint64) string {
	v = uint64(uint32(v))
	if s, ok := prctlOptions[v]; ok {
		return s
	}
	return strconv.FormatUint(v, 10)
}
