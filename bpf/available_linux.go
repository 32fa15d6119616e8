//go:build linux && (amd64 || arm64)

package bpf

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// Unavailable returns, for each of the events this kernel cannot provide,
// why: the architecture has no such syscall (arm64 has no open, stat, ...),
// or a tracepoint one of its programs attaches to is not in the kernel
// (kernels add tracepoints over time, e.g. task_rename). Events it does not
// list can be loaded as far as their tracepoints go.
func Unavailable(events []uint32) (map[uint32]string, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return nil, fmt.Errorf("bpf: reading the kernel's BTF: %w", err)
	}
	return unavailable(events, func(tp string) bool {
		var fn *btf.Typedef
		return spec.TypeByName("btf_trace_"+tp, &fn) == nil
	})
}

// unavailable is Unavailable with the kernel's tracepoints given by has.
func unavailable(events []uint32, has func(tracepoint string) bool) (map[uint32]string, error) {
	out := map[uint32]string{}
	for _, id := range events {
		if why := ArchLacks(id); why != "" {
			out[id] = why
			continue
		}
		pl, err := planFor(&Options{Events: []uint32{id}})
		if err != nil {
			return nil, err
		}
		var missing []error
		for _, h := range pl.hooks {
			if !has(h.tracepoint) {
				missing = append(missing, fmt.Errorf("this kernel has no %s tracepoint (no btf_trace_%s in its BTF)", h.tracepoint, h.tracepoint))
			}
		}
		if len(missing) > 0 {
			out[id] = errors.Join(missing...).Error()
		}
	}
	return out, nil
}

// exitPassesGroupDead reports whether this kernel's sched_process_exit
// tracepoint passes group_dead: whether its prototype in the kernel's BTF
// (btf_trace_sched_process_exit) takes the context, the task and the flag,
// or, as on Linux 6.1, the first two only (c/sched.c reads the flag from
// the task then).
func exitPassesGroupDead() (bool, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return false, fmt.Errorf("bpf: reading the kernel's BTF: %w", err)
	}
	var fn *btf.Typedef
	if err := spec.TypeByName("btf_trace_sched_process_exit", &fn); err != nil {
		return false, fmt.Errorf("bpf: the kernel's BTF has no sched_process_exit tracepoint: %w", err)
	}
	if ptr, ok := fn.Type.(*btf.Pointer); ok {
		if proto, ok := ptr.Target.(*btf.FuncProto); ok {
			return len(proto.Params) >= 3, nil
		}
	}
	return false, fmt.Errorf("bpf: the kernel's btf_trace_sched_process_exit is %v, not a pointer to a function", fn.Type)
}
