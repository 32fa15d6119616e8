// Package privtest decides whether tests that need root and eBPF run.
//
// They run when the process is root. When it is not, they are skipped unless
// VIGIL_REQUIRE_EBPF is set (CI sets it), in which case they fail: a skip in
// CI would hide that nothing was tested.
package privtest

import (
	"os"
	"testing"
)

// RequireEnv is the variable that turns a privilege skip into a failure.
const RequireEnv = "VIGIL_REQUIRE_EBPF"

// Require skips or fails t when the test cannot use eBPF.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("this test needs root to load eBPF programs, and %s is set; run it as root", RequireEnv)
	}
	t.Skip("needs root to load eBPF programs (set " + RequireEnv + "=1 to make this a failure)")
}
