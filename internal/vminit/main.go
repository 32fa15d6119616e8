//go:build linux

// Command vminit is the init process (/init) of the initramfs that
// scripts/arm64-vm.sh boots an arm64 kernel with under qemu-system-aarch64:
// it mounts what the BPF tests use, brings up the loopback interface,
// installs busybox's commands when /bin/busybox is there, runs the command
// the kernel passed it (everything after "--" on the kernel command line,
// after vminit's own flags) as root with VIGIL_REQUIRE_EBPF=1, prints its
// exit status in a line the script looks for, and powers the machine off.
//
// qemu-user (make test-arm64) runs arm64 binaries on this host's kernel, so
// the arm64 BPF object is only ever verified by an arm64 kernel here, in a
// whole emulated machine.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"

	"golang.org/x/sys/unix"
)

// StatusPrefix starts the line that reports the command's exit status; the
// script that boots the machine reads it from the console.
const statusPrefix = "vminit: exit status "

// mounts are the file systems the tests use: /proc and /sys for the
// kernel's BTF and the tasks, /dev for /dev/null, tracefs for the
// tracepoints' ids, bpffs, the cgroup v2 hierarchy whose ids the records
// carry, and a /tmp that the tests write to.
var mounts = []struct{ source, target, fstype string }{
	{"proc", "/proc", "proc"},
	{"sysfs", "/sys", "sysfs"},
	{"devtmpfs", "/dev", "devtmpfs"},
	{"tmpfs", "/tmp", "tmpfs"},
	{"tracefs", "/sys/kernel/tracing", "tracefs"},
	{"debugfs", "/sys/kernel/debug", "debugfs"},
	{"bpf", "/sys/fs/bpf", "bpf"},
	{"cgroup2", "/sys/fs/cgroup", "cgroup2"},
}

func main() {
	if os.Getpid() != 1 {
		// the machine's /bin/true as well (scripts/kernel-vm.sh): busybox's
		// true is an applet its argv[0] chooses, which a program run by
		// another name, as the memfd-exec test runs it, is not
		return
	}
	dir := flag.String("C", "/tmp", "the directory to run the command in")
	flag.Parse()
	status := run(*dir, flag.Args())
	fmt.Printf("%s%d\n", statusPrefix, status)
	unix.Sync()
	// as pid 1, returning would panic the kernel: power off instead
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF); err != nil {
		fmt.Fprintf(os.Stderr, "vminit: power off: %v\n", err)
	}
	select {}
}

// run sets the machine up and runs args in dir, returning its exit status,
// or 255 when it could not be run.
func run(dir string, args []string) int {
	for _, m := range mounts {
		if err := os.MkdirAll(m.target, 0o755); err != nil {
			fmt.Fprintf(os.Stderr, "vminit: %v\n", err)
			return 255
		}
		if err := unix.Mount(m.source, m.target, m.fstype, 0, ""); err != nil {
			fmt.Fprintf(os.Stderr, "vminit: mount %s on %s: %v\n", m.fstype, m.target, err)
			return 255
		}
	}
	if err := loopbackUp(); err != nil {
		fmt.Fprintf(os.Stderr, "vminit: bringing up lo: %v\n", err)
		return 255
	}
	if _, err := os.Stat("/bin/busybox"); err == nil {
		// hard links: an exec of /bin/cat is one of /bin/cat, not of
		// /bin/busybox, as the tests expect of a command's path
		if err := exec.Command("/bin/busybox", "--install", "/bin").Run(); err != nil {
			fmt.Fprintf(os.Stderr, "vminit: installing busybox's commands: %v\n", err)
			return 255
		}
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "vminit: no command: pass one after -- on the kernel command line")
		return 255
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/bin:/", "HOME=/tmp", "TMPDIR=/tmp", "VIGIL_REQUIRE_EBPF=1"}
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "vminit: %v\n", err)
		return 255
	}
}

// loopbackUp brings up lo, which the tests connect to and listen on.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	ifr.SetUint16(unix.IFF_UP | unix.IFF_LOOPBACK | unix.IFF_RUNNING)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}
