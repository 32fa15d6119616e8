//go:build linux && !amd64

package kerneleventsreceiver

// This architecture lacks the legacy syscalls: calling them fails with
// ENOSYS. The tests that call them run on x86_64, where capture is tested.
var sysOpen, sysRename, sysDup2 = ^uintptr(0), ^uintptr(0), ^uintptr(0)
