//go:build linux && !amd64

package kerneleventsreceiver

// This architecture lacks the legacy syscalls: calling them fails with
// ENOSYS. Capture, which the tests using them need, is amd64-only for now.
var sysOpen, sysRename, sysDup2 = ^uintptr(0), ^uintptr(0), ^uintptr(0)
