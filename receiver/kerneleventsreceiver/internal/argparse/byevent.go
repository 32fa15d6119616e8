package argparse

// IntForm turns an integer argument into its parsed string form. Which
// arguments have one is in the event table (forms_gen.go).
type IntForm func(uint64) string

// ForInt returns the parsed form of an integer argument of an event, if
// Tracee parses that argument.
func ForInt(event, arg string) (IntForm, bool) {
	f, ok := intForms[event][arg]
	return f, ok
}

// ptraceRequest is PtraceRequest as an IntForm: the request is a long.
func ptraceRequest(v uint64) string { return PtraceRequest(int64(v)) }

// fileType names only the S_IFMT part of a mode: Tracee shows a process's
// stdin as "S_IFCHR", "S_IFIFO", "S_IFSOCK"...
func fileType(v uint64) string {
	if t, ok := fileTypes[v&0o170000]; ok {
		return t
	}
	return "0"
}
