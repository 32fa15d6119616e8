//go:build linux

package detectionprocessor

import (
	"slices"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	vigil "github.com/vigil-sec/vigil"
)

// The actions of the container_net signatures' live cases (liveActions).

// loadBPFProgram loads a socket filter that accepts nothing, as a loader
// outside the usual ones would, and unloads it.
func loadBPFProgram(string) error {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:    "vigil_live",
		Type:    ebpf.SocketFilter,
		License: "GPL",
		Instructions: asm.Instructions{
			asm.Mov.Imm(asm.R0, 0),
			asm.Return(),
		},
	})
	if err != nil {
		return err
	}
	return prog.Close()
}

// openUserfaultfd creates a userfaultfd and closes it.
func openUserfaultfd(string) error {
	fd, _, errno := unix.Syscall(unix.SYS_USERFAULTFD, unix.O_CLOEXEC, 0, 0)
	if errno != 0 {
		return errno
	}
	return unix.Close(int(fd))
}

// containerApplet is a container script that runs busybox's applet name
// by the path /bin/name, under its own comm, with args: the shell would
// run an applet it finds by name in its own process, or re-run busybox
// as /proc/self/exe. A failure of the applet (not found, connection
// refused) is expected and ignored: its exec is what counts.
func containerApplet(name, args string) string {
	return "busybox ln -sf busybox /bin/" + name + " && { /bin/" + name + " " + args + " || true; }"
}

// execOf holds for the sched_process_exec record of a program run with
// argv: a negative case in a container waits for it, not for the
// container's first exec, which is its init's.
func execOf(argv ...string) func(captured) bool {
	return func(r captured) bool {
		if r.lr.EventName() != vigil.EventNamePrefix+"sched_process_exec" {
			return false
		}
		v, ok := r.attrs.Get(vigil.AttrArgPrefix + "argv")
		if !ok {
			return false
		}
		var got []string
		for _, e := range v.Slice().All() {
			got = append(got, e.Str())
		}
		return slices.Equal(got, argv)
	}
}
