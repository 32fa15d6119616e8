//go:build linux

package detectionprocessor

import (
	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"
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
