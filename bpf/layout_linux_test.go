//go:build linux && (amd64 || arm64)

package bpf

import (
	"testing"
	"unsafe"
)

// TestHeaderLayout checks Decode's offsets against struct vigil_hdr as the
// compiler laid it out (bpf2go's copy of it).
func TestHeaderLayout(t *testing.T) {
	var h vigilVigilHdr
	if got := unsafe.Sizeof(h); got != hdrSize {
		t.Fatalf("sizeof(struct vigil_hdr) = %d, Decode expects %d", got, hdrSize)
	}
	offsets := []struct {
		name string
		got  uintptr
		want uintptr
	}{
		{"ts", unsafe.Offsetof(h.Ts), 0}, {"start_time", unsafe.Offsetof(h.StartTime), 8},
		{"cgroup_id", unsafe.Offsetof(h.CgroupId), 16}, {"retval", unsafe.Offsetof(h.Retval), 24},
		{"event_id", unsafe.Offsetof(h.EventId), 32}, {"syscall", unsafe.Offsetof(h.Syscall), 36},
		{"host_pid", unsafe.Offsetof(h.HostPid), 40}, {"host_tid", unsafe.Offsetof(h.HostTid), 44},
		{"host_ppid", unsafe.Offsetof(h.HostPpid), 48}, {"pid", unsafe.Offsetof(h.Pid), 52},
		{"tid", unsafe.Offsetof(h.Tid), 56}, {"ppid", unsafe.Offsetof(h.Ppid), 60},
		{"uid", unsafe.Offsetof(h.Uid), 64}, {"gid", unsafe.Offsetof(h.Gid), 68},
		{"mnt_ns", unsafe.Offsetof(h.MntNs), 72}, {"pid_ns", unsafe.Offsetof(h.PidNs), 76},
		{"cpu", unsafe.Offsetof(h.Cpu), 80}, {"flags", unsafe.Offsetof(h.Flags), 84},
		{"comm", unsafe.Offsetof(h.Comm), 88}, {"argc", unsafe.Offsetof(h.Argc), 104},
	}
	for _, o := range offsets {
		if o.got != o.want {
			t.Errorf("offset of %s is %d, Decode reads it at %d", o.name, o.got, o.want)
		}
	}
}
