package vigil

// Resource attributes: the process's ancestry. The semantic conventions name
// only the parent's pid (process.parent_pid), so the rest is under kernel.*,
// like the other attributes Tracee's events have no field for.
const (
	AttrParentExecutablePath = "kernel.parent.executable.path"     // the parent's executable
	AttrParentCommandArgs    = "kernel.parent.command_args"        // the parent's argv, where known
	AttrAncestorPIDs         = "kernel.ancestors.pids"             // host pids, parent first
	AttrAncestorExecutables  = "kernel.ancestors.executable_paths" // one per pid, "" where unknown
)

// Ancestry is what a resource says of the processes above its process: the
// parent's executable and argv, and the chain of ancestors, parent first. It
// comes from the receiver's process tree, which builds each value once and
// never changes it, so Process keeps it by pointer and stays comparable:
// records of one process share its ancestry, and so their resource.
type Ancestry struct {
	ParentExecutablePath string
	ParentArgs           []string
	// PIDs and ExecutablePaths are the chain, the same length; the chain
	// stops at the configured depth, at a process the tree does not know
	// (its path then ""), or at pid 0.
	PIDs            []int64
	ExecutablePaths []string
}

// attrCount is how many attributes put writes.
func (a *Ancestry) attrCount() int {
	if a == nil || len(a.PIDs) == 0 {
		return 0
	}
	n := 2 // the pids and the paths
	if a.ParentExecutablePath != "" {
		n++
	}
	if len(a.ParentArgs) > 0 {
		n++
	}
	return n
}

// put writes a's attributes with w; a nil or empty ancestry writes none.
func (a *Ancestry) put(w attrWriter) {
	if a.attrCount() == 0 {
		return
	}
	w.nonEmpty(AttrParentExecutablePath, a.ParentExecutablePath, false)
	if len(a.ParentArgs) > 0 {
		w.stringArray(AttrParentCommandArgs, a.ParentArgs)
	}
	pids := w.Slab().SetEmptySlice(w.Empty(AttrAncestorPIDs), len(a.PIDs))
	for _, pid := range a.PIDs {
		w.Slab().AppendInt(pids, pid)
	}
	w.stringArray(AttrAncestorExecutables, a.ExecutablePaths)
}
