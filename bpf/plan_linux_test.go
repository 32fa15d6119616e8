//go:build linux && (amd64 || arm64)

package bpf

import (
	"maps"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/catalog"
)

// TestPlanDerived checks what selecting derived events alone attaches and
// asks of the programs.
func TestPlanDerived(t *testing.T) {
	p, err := planFor(&Options{Events: []uint32{uint32(catalog.IDSecurityFileOpen)}})
	if err != nil {
		t.Fatal(err)
	}
	bit := syscallDerived[uint32(catalog.IDSecurityFileOpen)].bit
	if bit == 0 {
		t.Fatal("security_file_open has no derivation bit")
	}
	want := map[uint32]uint32{}
	for _, id := range []uint32{2, 85, 257, 437} { // open, creat (x86_64 only), openat, openat2
		if ArchLacks(id) == "" {
			want[id] = bit
		}
	}
	if !maps.Equal(p.derived, want) || len(p.syscalls) != 0 {
		t.Errorf("security_file_open alone: derived %v, syscalls %v; want derived %v and no syscall records", p.derived, p.syscalls, want)
	}
	if !slices.Equal(p.hooks, []hook{hookSysExit}) {
		t.Errorf("security_file_open alone attaches %v, want sys_exit only", p.hooks)
	}

	p, err = planFor(&Options{Events: []uint32{uint32(catalog.IDSecurityBprmCheck)}})
	if err != nil {
		t.Fatal(err)
	}
	if p.exec != execEmitBprm || !slices.Equal(p.hooks, []hook{tracepointHooks["sched_process_exec"], tracepointHooks["task_rename"]}) {
		t.Errorf("security_bprm_check alone: exec bits %#x, hooks %v", p.exec, p.hooks)
	}
	p, err = planFor(&Options{Events: []uint32{uint32(catalog.IDSecurityBprmCheck), uint32(catalog.IDSchedProcessExec)}})
	if err != nil {
		t.Fatal(err)
	}
	if p.exec != execEmitBprm|execEmitSched || len(p.hooks) != 2 {
		t.Errorf("both exec events: exec bits %#x, hooks %v", p.exec, p.hooks)
	}
}

// TestPlanSysEnter checks that sys_enter is attached only for the syscalls
// whose records are built at entry (sys_exit stays attached: selecting a
// syscall attaches it whatever the syscall).
func TestPlanSysEnter(t *testing.T) {
	for _, c := range []struct {
		events []uint32
		want   []hook
	}{
		{[]uint32{257, 101}, []hook{hookSysExit}},
		{[]uint32{257, 59}, []hook{hookSysExit, hookSysEnter}}, // execve
		{[]uint32{322}, []hook{hookSysExit, hookSysEnter}},     // execveat
		{[]uint32{231}, []hook{hookSysExit, hookSysEnter}},     // exit_group
		{[]uint32{uint32(catalog.IDSchedProcessExec)}, []hook{tracepointHooks["sched_process_exec"]}},
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

// TestTracepointHooks checks that every event the table gives a program of
// its own has one to attach.
func TestTracepointHooks(t *testing.T) {
	for id, tp := range tracepointEvents {
		if _, ok := tracepointHooks[tp.tracepoint]; !ok {
			t.Errorf("event %d: no program on tracepoint %s", id, tp.tracepoint)
		}
	}
}
