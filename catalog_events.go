package vigil

// Ids of the scheduler and derived events, in Tracee v0.22.6's numbering
// (pkg/events: the common events that follow the network base events).
const (
	IDSchedProcessFork       EventID = 714
	IDSchedProcessExec       EventID = 715
	IDSchedProcessExit       EventID = 716
	IDMemProtAlert           EventID = 724
	IDMagicWrite             EventID = 727
	IDCgroupMkdir            EventID = 729
	IDSecurityBprmCheck      EventID = 731
	IDSecurityFileOpen       EventID = 732
	IDSecuritySocketConnect  EventID = 736
	IDSecuritySbMount        EventID = 740
	IDSecurityKernelReadFile EventID = 743
	IDSocketDup              EventID = 749
	IDSecurityInodeRename    EventID = 768
)

// Frequently used Tracee argument types.
const (
	TypeInt        = "int"
	TypeUInt       = "unsigned int"
	TypeLong       = "long"
	TypeULong      = "unsigned long"
	TypeSizeT      = "size_t"
	TypeOffT       = "off_t"
	TypePidT       = "pid_t"
	TypeUIDT       = "uid_t"
	TypeGIDT       = "gid_t"
	TypeModeT      = "umode_t"
	TypeDevT       = "dev_t"
	TypeU64        = "u64"
	TypeBool       = "bool"
	TypePtr        = "void*"
	TypeStr        = "const char*"
	TypeCharPtr    = "char*"
	TypeStrArr     = "const char**"
	TypeStrArrC    = "const char*const*"
	TypeSockaddr   = "struct sockaddr*"
	TypeBytes      = "bytes"
	TypeIntPtr     = "int*"
	TypeOpenHowPtr = "struct open_how*"
	TypeIovecPtr   = "const struct iovec*"
	TypeBpfAttr    = "union bpf_attr*"
	TypeSocklenPtr = "int*"
)

func a(name, typ string) ArgDef { return ArgDef{Name: name, Type: typ} }

// catalog lists every event Vigil knows. Argument names, order and types are
// Tracee v0.22.6's, so signatures written for Tracee find what they expect.
var catalog = []EventDef{
	// Syscalls: ids are x86_64 syscall numbers.
	{ID: 2, Name: "open", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("pathname", TypeStr), a("flags", TypeInt), a("mode", TypeModeT)}},
	{ID: 9, Name: "mmap", Syscall: true, Sets: []string{"syscalls", "proc", "proc_mem"},
		Args: []ArgDef{a("addr", TypePtr), a("length", TypeSizeT), a("prot", TypeInt), a("flags", TypeInt), a("fd", TypeInt), a("off", TypeOffT)}},
	{ID: 10, Name: "mprotect", Syscall: true, Sets: []string{"syscalls", "proc", "proc_mem"},
		Args: []ArgDef{a("addr", TypePtr), a("len", TypeSizeT), a("prot", TypeInt)}},
	{ID: 33, Name: "dup2", Syscall: true, Sets: []string{"syscalls", "fs", "fs_fd_ops"},
		Args: []ArgDef{a("oldfd", TypeInt), a("newfd", TypeInt)}},
	{ID: 41, Name: "socket", Syscall: true, Sets: []string{"syscalls", "net", "net_sock"},
		Args: []ArgDef{a("domain", TypeInt), a("type", TypeInt), a("protocol", TypeInt)}},
	{ID: 42, Name: "connect", Syscall: true, Sets: []string{"syscalls", "net", "net_sock"},
		Args: []ArgDef{a("sockfd", TypeInt), a("addr", TypeSockaddr), a("addrlen", TypeInt)}},
	{ID: 43, Name: "accept", Syscall: true, Sets: []string{"syscalls", "net", "net_sock"},
		Args: []ArgDef{a("sockfd", TypeInt), a("addr", TypeSockaddr), a("addrlen", TypeIntPtr)}},
	{ID: 49, Name: "bind", Syscall: true, Sets: []string{"syscalls", "net", "net_sock"},
		Args: []ArgDef{a("sockfd", TypeInt), a("addr", TypeSockaddr), a("addrlen", TypeInt)}},
	{ID: 50, Name: "listen", Syscall: true, Sets: []string{"syscalls", "net", "net_sock"},
		Args: []ArgDef{a("sockfd", TypeInt), a("backlog", TypeInt)}},
	{ID: 59, Name: "execve", Syscall: true, Sets: []string{"syscalls", "proc", "proc_life"},
		Args: []ArgDef{a("pathname", TypeStr), a("argv", TypeStrArr), a("envp", TypeStrArr)}},
	{ID: 62, Name: "kill", Syscall: true, Sets: []string{"syscalls", "signals"},
		Args: []ArgDef{a("pid", TypePidT), a("sig", TypeInt)}},
	{ID: 82, Name: "rename", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("oldpath", TypeStr), a("newpath", TypeStr)}},
	{ID: 85, Name: "creat", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("pathname", TypeStr), a("mode", TypeModeT)}},
	{ID: 87, Name: "unlink", Syscall: true, Sets: []string{"syscalls", "fs", "fs_link_ops"},
		Args: []ArgDef{a("pathname", TypeStr)}},
	{ID: 90, Name: "chmod", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_attr"},
		Args: []ArgDef{a("pathname", TypeStr), a("mode", TypeModeT)}},
	{ID: 101, Name: "ptrace", Syscall: true, Sets: []string{"default", "syscalls", "proc"},
		Args: []ArgDef{a("request", TypeLong), a("pid", TypePidT), a("addr", TypePtr), a("data", TypePtr)}},
	{ID: 105, Name: "setuid", Syscall: true, Sets: []string{"syscalls", "proc", "proc_ids"},
		Args: []ArgDef{a("uid", TypeUIDT)}},
	{ID: 106, Name: "setgid", Syscall: true, Sets: []string{"syscalls", "proc", "proc_ids"},
		Args: []ArgDef{a("gid", TypeGIDT)}},
	{ID: 113, Name: "setreuid", Syscall: true, Sets: []string{"syscalls", "proc", "proc_ids"},
		Args: []ArgDef{a("ruid", TypeUIDT), a("euid", TypeUIDT)}},
	{ID: 114, Name: "setregid", Syscall: true, Sets: []string{"syscalls", "proc", "proc_ids"},
		Args: []ArgDef{a("rgid", TypeGIDT), a("egid", TypeGIDT)}},
	{ID: 117, Name: "setresuid", Syscall: true, Sets: []string{"syscalls", "proc", "proc_ids"},
		Args: []ArgDef{a("ruid", TypeUIDT), a("euid", TypeUIDT), a("suid", TypeUIDT)}},
	{ID: 119, Name: "setresgid", Syscall: true, Sets: []string{"syscalls", "proc", "proc_ids"},
		Args: []ArgDef{a("rgid", TypeGIDT), a("egid", TypeGIDT), a("sgid", TypeGIDT)}},
	{ID: 165, Name: "mount", Syscall: true, Sets: []string{"syscalls", "fs"},
		Args: []ArgDef{a("source", TypeStr), a("target", TypeStr), a("filesystemtype", TypeStr), a("mountflags", TypeULong), a("data", TypePtr)}},
	{ID: 166, Name: "umount2", Syscall: true, Sets: []string{"syscalls", "fs"},
		Args: []ArgDef{a("target", TypeStr), a("flags", TypeInt)}},
	{ID: 175, Name: "init_module", Syscall: true, Sets: []string{"default", "syscalls", "system", "system_module"},
		Args: []ArgDef{a("module_image", TypePtr), a("len", TypeULong), a("param_values", TypeStr)}},
	{ID: 257, Name: "openat", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("dirfd", TypeInt), a("pathname", TypeStr), a("flags", TypeInt), a("mode", TypeModeT)}},
	{ID: 263, Name: "unlinkat", Syscall: true, Sets: []string{"syscalls", "fs", "fs_link_ops"},
		Args: []ArgDef{a("dirfd", TypeInt), a("pathname", TypeStr), a("flags", TypeInt)}},
	{ID: 264, Name: "renameat", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("olddirfd", TypeInt), a("oldpath", TypeStr), a("newdirfd", TypeInt), a("newpath", TypeStr)}},
	{ID: 268, Name: "fchmodat", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_attr"},
		Args: []ArgDef{a("dirfd", TypeInt), a("pathname", TypeStr), a("mode", TypeModeT), a("flags", TypeInt)}},
	{ID: 288, Name: "accept4", Syscall: true, Sets: []string{"syscalls", "net", "net_sock"},
		Args: []ArgDef{a("sockfd", TypeInt), a("addr", TypeSockaddr), a("addrlen", TypeIntPtr), a("flags", TypeInt)}},
	{ID: 292, Name: "dup3", Syscall: true, Sets: []string{"syscalls", "fs", "fs_fd_ops"},
		Args: []ArgDef{a("oldfd", TypeInt), a("newfd", TypeInt), a("flags", TypeInt)}},
	// Tracee puts process_vm_readv in "default" too; here "default" is what
	// the built-in signatures select, and none reads another process.
	{ID: 310, Name: "process_vm_readv", Syscall: true, Sets: []string{"syscalls", "proc"},
		Args: []ArgDef{a("pid", TypePidT), a("local_iov", TypeIovecPtr), a("liovcnt", TypeULong), a("remote_iov", TypeIovecPtr), a("riovcnt", TypeULong), a("flags", TypeULong)}},
	{ID: 311, Name: "process_vm_writev", Syscall: true, Sets: []string{"default", "syscalls", "proc"},
		Args: []ArgDef{a("pid", TypePidT), a("local_iov", TypeIovecPtr), a("liovcnt", TypeULong), a("remote_iov", TypeIovecPtr), a("riovcnt", TypeULong), a("flags", TypeULong)}},
	{ID: 313, Name: "finit_module", Syscall: true, Sets: []string{"default", "syscalls", "system", "system_module"},
		Args: []ArgDef{a("fd", TypeInt), a("param_values", TypeStr), a("flags", TypeInt)}},
	{ID: 316, Name: "renameat2", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("olddirfd", TypeInt), a("oldpath", TypeStr), a("newdirfd", TypeInt), a("newpath", TypeStr), a("flags", TypeUInt)}},
	{ID: 321, Name: "bpf", Syscall: true, Sets: []string{"syscalls", "system"},
		Args: []ArgDef{a("cmd", TypeInt), a("attr", TypeBpfAttr), a("size", TypeUInt)}},
	{ID: 319, Name: "memfd_create", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("name", TypeStr), a("flags", TypeUInt)}},
	{ID: 322, Name: "execveat", Syscall: true, Sets: []string{"syscalls", "proc", "proc_life"},
		Args: []ArgDef{a("dirfd", TypeInt), a("pathname", TypeStr), a("argv", TypeStrArr), a("envp", TypeStrArr), a("flags", TypeInt)}},
	{ID: 437, Name: "openat2", Syscall: true, Sets: []string{"syscalls", "fs", "fs_file_ops"},
		Args: []ArgDef{a("dirfd", TypeInt), a("pathname", TypeStr), a("how", TypeOpenHowPtr), a("size", TypeSizeT)}},

	// Scheduler events.
	{ID: IDSchedProcessFork, Name: "sched_process_fork", Sets: []string{"proc", "proc_life"},
		Args: []ArgDef{
			a("parent_tid", TypeInt), a("parent_ns_tid", TypeInt), a("parent_pid", TypeInt), a("parent_ns_pid", TypeInt),
			a("child_tid", TypeInt), a("child_ns_tid", TypeInt), a("child_pid", TypeInt), a("child_ns_pid", TypeInt),
			a("start_time", TypeULong),
		}},
	{ID: IDSchedProcessExec, Name: "sched_process_exec", Sets: []string{"default", "proc", "proc_life"},
		Args: []ArgDef{
			a("cmdpath", TypeStr), a("pathname", TypeStr), a("dev", TypeDevT), a("inode", TypeULong),
			a("ctime", TypeULong), a("inode_mode", TypeModeT), a("interpreter_pathname", TypeStr),
			a("interpreter_dev", TypeDevT), a("interpreter_inode", TypeULong), a("interpreter_ctime", TypeULong),
			a("argv", TypeStrArr), a("interp", TypeStr), a("stdin_type", TypeModeT), a("stdin_path", TypeCharPtr),
			a("invoked_from_kernel", TypeInt), a("env", TypeStrArr),
		}},
	{ID: IDSchedProcessExit, Name: "sched_process_exit", Sets: []string{"proc", "proc_life"},
		Args: []ArgDef{a("exit_code", TypeLong), a("process_group_exit", TypeBool)}},

	// Security events Tracee takes from LSM hooks and kprobes; here they are
	// derived from syscall and scheduler tracepoints (see bpf/).
	{ID: IDMemProtAlert, Name: "mem_prot_alert", Sets: []string{"default"},
		Args: []ArgDef{a("alert", TypeUInt), a("addr", TypePtr), a("len", TypeSizeT), a("prot", TypeInt), a("prev_prot", TypeInt),
			a("pathname", TypeStr), a("dev", TypeDevT), a("inode", TypeULong), a("ctime", TypeU64)}},
	{ID: IDMagicWrite, Name: "magic_write", Sets: []string{"default"},
		Args: []ArgDef{a("pathname", TypeStr), a("bytes", TypeBytes), a("dev", TypeDevT), a("inode", TypeULong)}},
	{ID: IDCgroupMkdir, Name: "cgroup_mkdir", Sets: []string{},
		Args: []ArgDef{a("cgroup_id", TypeU64), a("cgroup_path", TypeStr), a("hierarchy_id", TypeUInt)}},
	{ID: IDSecurityBprmCheck, Name: "security_bprm_check", Sets: []string{"default", "lsm_hooks", "proc", "proc_life"},
		Args: []ArgDef{a("pathname", TypeStr), a("dev", TypeDevT), a("inode", TypeULong), a("argv", TypeStrArrC), a("envp", TypeStrArrC)}},
	{ID: IDSecurityFileOpen, Name: "security_file_open", Sets: []string{"default", "lsm_hooks", "fs", "fs_file_ops"},
		Args: []ArgDef{a("pathname", TypeStr), a("flags", TypeInt), a("dev", TypeDevT), a("inode", TypeULong), a("ctime", TypeULong), a("syscall_pathname", TypeStr)}},
	{ID: IDSecuritySocketConnect, Name: "security_socket_connect", Sets: []string{"default", "lsm_hooks", "net", "net_sock"},
		Args: []ArgDef{a("sockfd", TypeInt), a("type", TypeInt), a("remote_addr", TypeSockaddr)}},
	{ID: IDSecuritySbMount, Name: "security_sb_mount", Sets: []string{"default", "lsm_hooks", "fs"},
		Args: []ArgDef{a("dev_name", TypeStr), a("path", TypeStr), a("type", TypeStr), a("flags", TypeULong)}},
	{ID: IDSecurityKernelReadFile, Name: "security_kernel_read_file", Sets: []string{"default", "lsm_hooks"},
		Args: []ArgDef{a("pathname", TypeStr), a("dev", TypeDevT), a("inode", TypeULong), a("type", TypeInt), a("ctime", TypeULong)}},
	{ID: IDSocketDup, Name: "socket_dup", Sets: []string{"default"},
		Args: []ArgDef{a("oldfd", TypeInt), a("newfd", TypeInt), a("remote_addr", TypeSockaddr)}},
	{ID: IDSecurityInodeRename, Name: "security_inode_rename", Sets: []string{"default"},
		Args: []ArgDef{a("old_path", TypeStr), a("new_path", TypeStr)}},
}
