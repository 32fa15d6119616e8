//go:build linux

// Package hostpid finds the collector's pid as the kernel's eBPF programs
// see it. bpf_get_current_pid_tgid reports ids of the initial pid
// namespace; os.Getpid reports the id in the process's own namespace, which
// in a container is another number (often 1) and names another process on
// the host.
package hostpid

import (
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// initialPIDNamespace is the inode of the initial pid namespace
// (PROC_PID_INIT_INO in include/linux/proc_ns.h), fixed by the kernel.
const initialPIDNamespace = "pid:[4026531836]"

// Self returns the calling process's thread-group id in the initial pid
// namespace. It asks the kernel with a three-instruction program (below);
// where the kernel cannot run it (before Linux 5.10) and the process is in
// the initial pid namespace, the two numberings agree and os.Getpid is the
// answer. Otherwise it fails, saying why.
func Self() (uint32, error) {
	tgid, err := fromKernel()
	if err == nil {
		return tgid, nil
	}
	initial, nsErr := inInitialPIDNamespace()
	if nsErr == nil && initial {
		return uint32(os.Getpid()), nil
	}
	return 0, fmt.Errorf("finding this process's host pid: %w", errors.Join(err, nsErr))
}

// fromKernel runs a raw tracepoint program once with BPF_PROG_TEST_RUN.
// Without BPF_F_TEST_RUN_ON_CPU the kernel runs a raw_tp test in the
// calling task (bpf_prog_test_run_raw_tp in net/bpf/test_run.c), so the
// program sees this process: r0 = bpf_get_current_pid_tgid() >> 32, the
// tgid. The program's return value carries it back.
func fromKernel() (uint32, error) {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "vigil_hostpid",
		Type: ebpf.RawTracepoint,
		Instructions: asm.Instructions{
			asm.FnGetCurrentPidTgid.Call(),
			asm.RSh.Imm(asm.R0, 32),
			asm.Return(),
		},
		License: "GPL",
	})
	if errors.Is(err, os.ErrPermission) {
		return 0, fmt.Errorf("loading the pid program: %w (run as root or grant CAP_BPF and CAP_PERFMON)", err)
	}
	if err != nil {
		return 0, fmt.Errorf("loading the pid program: %w", err)
	}
	defer prog.Close()
	tgid, err := prog.Run(&ebpf.RunOptions{})
	if err != nil {
		return 0, err
	}
	if tgid == 0 {
		return 0, errors.New("the pid program ran outside this process (tgid 0)")
	}
	return tgid, nil
}

func inInitialPIDNamespace() (bool, error) {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return false, err
	}
	return ns == initialPIDNamespace, nil
}
