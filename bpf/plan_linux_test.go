//go:build linux && amd64

package bpf

import (
	"maps"
	"slices"
	"testing"
)

// TestPlanDerived checks what selecting derived events alone attaches and
// asks of the programs.
func TestPlanDerived(t *testing.T) {
	p, err := planFor(&Options{Events: []uint32{eventSecurityFileOpen}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint32]uint8{2: derivedFileOpen, 85: derivedFileOpen, 257: derivedFileOpen, 437: derivedFileOpen}
	if !maps.Equal(p.derived, want) || len(p.syscalls) != 0 {
		t.Errorf("security_file_open alone: derived %v, syscalls %v; want derived %v and no syscall records", p.derived, p.syscalls, want)
	}
	if !slices.Equal(p.hooks, []hook{hookSysExit}) {
		t.Errorf("security_file_open alone attaches %v, want sys_exit only", p.hooks)
	}

	p, err = planFor(&Options{Events: []uint32{eventSecurityBprmCheck}})
	if err != nil {
		t.Fatal(err)
	}
	if p.exec != execEmitBprm || !slices.Equal(p.hooks, []hook{ownHooks[eventSchedProcessExec]}) {
		t.Errorf("security_bprm_check alone: exec bits %#x, hooks %v", p.exec, p.hooks)
	}
	p, err = planFor(&Options{Events: []uint32{eventSecurityBprmCheck, eventSchedProcessExec}})
	if err != nil {
		t.Fatal(err)
	}
	if p.exec != execEmitBprm|execEmitSched || len(p.hooks) != 1 {
		t.Errorf("both exec events: exec bits %#x, hooks %v", p.exec, p.hooks)
	}
}

// TestPlanSysEnter checks that sys_enter is attached only for the syscalls
// whose records are built at entry.
func TestPlanSysEnter(t *testing.T) {
	for _, c := range []struct {
		events []uint32
		want   []hook
	}{
		{[]uint32{257, 101}, []hook{hookSysExit}},
		{[]uint32{257, syscallExecve}, []hook{hookSysExit, hookSysEnter}},
		{[]uint32{syscallExecveat}, []hook{hookSysExit, hookSysEnter}},
		{[]uint32{eventSchedProcessExec}, []hook{ownHooks[eventSchedProcessExec]}},
	} {
		p, err := planFor(&Options{Events: c.events})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(p.hooks, c.want) {
			t.Errorf("events %v attach %v, want %v", c.events, p.hooks, c.want)
		}
	}
}
