package argparse

// IntForm turns an integer argument into its parsed string form.
type IntForm func(uint64) string

// intForms lists the integer arguments Tracee v0.22.6 shows parsed, by event
// and argument name. Every other integer argument stays a number.
var intForms = map[string]map[string]IntForm{
	"open":                      {"flags": OpenFlags},
	"openat":                    {"flags": OpenFlags},
	"security_file_open":        {"flags": OpenFlags},
	"mmap":                      {"prot": MmapProt, "flags": MmapFlags},
	"mprotect":                  {"prot": MmapProt},
	"mem_prot_alert":            {"alert": MemProtAlert, "prot": MmapProt, "prev_prot": MmapProt},
	"ptrace":                    {"request": func(v uint64) string { return PtraceRequest(int64(v)) }},
	"socket":                    {"domain": SocketDomain, "type": SocketType},
	"security_socket_connect":   {"type": SocketType},
	"bpf":                       {"cmd": BPFCommand},
	"memfd_create":              {"flags": MemfdFlags},
	"security_kernel_read_file": {"type": KernelReadFileType},
	"sched_process_exec":        {"stdin_type": fileType},
}

// ForInt returns the parsed form of an integer argument of an event, if
// Tracee parses that argument.
func ForInt(event, arg string) (IntForm, bool) {
	f, ok := intForms[event][arg]
	return f, ok
}

// fileType names only the S_IFMT part of a mode: Tracee shows a process's
// stdin as "S_IFCHR", "S_IFIFO", "S_IFSOCK"...
func fileType(v uint64) string {
	if t, ok := fileTypes[v&0o170000]; ok {
		return t
	}
	return "0"
}
