//go:build linux

package kerneleventsreceiver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	vigil "github.com/vigil-sec/vigil"

	"github.com/vigil-sec/vigil/internal/privtest"
)

// TestCaptureSetOfKernelSyscalls selects a set, proc_life, whose clone and
// exit_group rows come from the kernel's syscall table, and checks a
// helper's records: clone's flags in Tracee's parsed form, and exit_group,
// which never returns, sent at entry.
func TestCaptureSetOfKernelSyscalls(t *testing.T) {
	sink := capture(t, "proc_life")
	pid := privtest.Run(t, "traceme", "")
	// os/exec starts the helper with clone(CLONE_VM|CLONE_VFORK|...|SIGCHLD):
	// the record of the child's return from it carries the helper's pid
	rec := waitFor(t, sink, "the helper's clone", func(r record) bool {
		return isEventOf(r, "clone", pid) && attr(r, vigil.AttrReturnValue).Int() == 0
	})
	flags := arg(rec, "flags").Str()
	for _, f := range strings.Split(flags, "|") {
		assert.True(t, strings.HasPrefix(f, "CLONE_"), "%q in %q: the exit signal must not show", f, flags)
	}
	assert.Contains(t, flags, "CLONE_VM|")
	assert.Contains(t, flags, "CLONE_VFORK")
	exit := waitFor(t, sink, "exit_group", func(r record) bool { return isEventOf(r, "exit_group", pid) })
	assert.Equal(t, int64(0), arg(exit, "error_code").Int())
}
