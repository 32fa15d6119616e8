// Package privtest decides whether tests that need root and eBPF run.
//
// They run when the process is root. When it is not, they are skipped unless
// VIGIL_REQUIRE_EBPF is set (CI sets it), in which case they fail: a skip in
// CI would hide that nothing was tested. They are skipped, whatever the
// user, where VIGIL_FOREIGN_KERNEL is set: the binary runs under qemu-user
// on another architecture's kernel (make test-arm64), which cannot load its
// architecture's programs; make test-kernels runs them on a kernel of its
// own.
//
// It also runs the helper processes such tests watch (Helpers, Command): one
// mechanism for every package's.
package privtest

import (
	"os"
	"os/exec"
	"sort"
	"testing"
)

// RequireEnv is the variable that turns a privilege skip into a failure.
const RequireEnv = "VIGIL_REQUIRE_EBPF"

// ForeignKernelEnv says that the kernel is another architecture's.
const ForeignKernelEnv = "VIGIL_FOREIGN_KERNEL"

// Require skips or fails t when the test cannot use eBPF.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(ForeignKernelEnv) != "" {
		t.Skip("the kernel is another architecture's (" + ForeignKernelEnv + " is set): make test-kernels runs this test")
	}
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("this test needs root to load eBPF programs, and %s is set; run it as root", RequireEnv)
	}
	t.Skip("needs root to load eBPF programs (set " + RequireEnv + "=1 to make this a failure)")
}

// RequireTools skips or fails t, as Require does, when a program the test
// runs is not installed, naming the Debian package that has it and the
// command that installs it (make test installs them itself where it can).
// tools maps each program to its package.
func RequireTools(t testing.TB, tools map[string]string) {
	t.Helper()
	names := make([]string, 0, len(tools))
	for tool := range tools {
		names = append(names, tool)
	}
	sort.Strings(names)
	for _, tool := range names {
		pkg := tools[tool]
		if _, err := exec.LookPath(tool); err == nil {
			continue
		}
		msg := "needs " + tool + ": install it with `apt-get install " + pkg + "`"
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s (%s is set)", msg, RequireEnv)
		}
		t.Skip(msg + " (set " + RequireEnv + "=1 to make this a failure)")
	}
}
