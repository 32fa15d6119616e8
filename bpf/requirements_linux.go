//go:build linux && (amd64 || arm64)

package bpf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
)

// kernelVersion is a Linux release, major and minor.
type kernelVersion [2]int

func (v kernelVersion) String() string { return fmt.Sprintf("%d.%d", v[0], v[1]) }

func (v kernelVersion) before(w kernelVersion) bool {
	return v[0] < w[0] || v[0] == w[0] && v[1] < w[1]
}

// requirement is one kernel feature of a kind K (a program type, map type
// or helper), its name in the kernel's terms and the first release with it.
type requirement[K comparable] struct {
	key   K
	name  string
	since kernelVersion
}

// The kernel features the programs use, each with the first Linux release
// that has it. TestRequirementsCoverObjects checks that the objects use no
// program type, map type or helper missing here. tp_btf programs (Tracing,
// 5.5) are not required: Load falls back to raw_tracepoint without them.
var (
	requiredProgramTypes = []requirement[ebpf.ProgramType]{
		{ebpf.RawTracepoint, "BPF_PROG_TYPE_RAW_TRACEPOINT", kernelVersion{4, 17}},
	}
	requiredMapTypes = []requirement[ebpf.MapType]{
		{ebpf.Array, "BPF_MAP_TYPE_ARRAY", kernelVersion{3, 19}},
		{ebpf.Hash, "BPF_MAP_TYPE_HASH", kernelVersion{3, 19}},
		{ebpf.ProgramArray, "BPF_MAP_TYPE_PROG_ARRAY", kernelVersion{4, 2}},
		{ebpf.PerCPUArray, "BPF_MAP_TYPE_PERCPU_ARRAY", kernelVersion{4, 6}},
		{ebpf.LRUHash, "BPF_MAP_TYPE_LRU_HASH", kernelVersion{4, 10}},
		{ebpf.RingBuf, "BPF_MAP_TYPE_RINGBUF", kernelVersion{5, 8}},
	}
	// Helpers are probed for raw_tracepoint programs, the attach mode
	// every kernel that runs Vigil has; tracing programs get them all too.
	requiredHelpers = []requirement[asm.BuiltinFunc]{
		{asm.FnMapLookupElem, "bpf_map_lookup_elem", kernelVersion{3, 19}},
		{asm.FnMapUpdateElem, "bpf_map_update_elem", kernelVersion{3, 19}},
		{asm.FnMapDeleteElem, "bpf_map_delete_elem", kernelVersion{3, 19}},
		{asm.FnGetSmpProcessorId, "bpf_get_smp_processor_id", kernelVersion{4, 1}},
		{asm.FnTailCall, "bpf_tail_call", kernelVersion{4, 2}},
		{asm.FnGetCurrentPidTgid, "bpf_get_current_pid_tgid", kernelVersion{4, 2}},
		{asm.FnGetCurrentUidGid, "bpf_get_current_uid_gid", kernelVersion{4, 2}},
		{asm.FnGetCurrentComm, "bpf_get_current_comm", kernelVersion{4, 2}},
		{asm.FnProbeReadKernel, "bpf_probe_read_kernel", kernelVersion{5, 5}},
		{asm.FnProbeReadKernelStr, "bpf_probe_read_kernel_str", kernelVersion{5, 5}},
		{asm.FnProbeReadUser, "bpf_probe_read_user", kernelVersion{5, 5}},
		{asm.FnProbeReadUserStr, "bpf_probe_read_user_str", kernelVersion{5, 5}},
		{asm.FnKtimeGetBootNs, "bpf_ktime_get_boot_ns", kernelVersion{5, 8}},
		{asm.FnRingbufOutput, "bpf_ringbuf_output", kernelVersion{5, 8}},
		{asm.FnRingbufQuery, "bpf_ringbuf_query", kernelVersion{5, 8}},
		{asm.FnGetCurrentTaskBtf, "bpf_get_current_task_btf", kernelVersion{5, 11}},
		{asm.FnFindVma, "bpf_find_vma", kernelVersion{5, 17}},
		{asm.FnLoop, "bpf_loop", kernelVersion{5, 17}},
	}
)

// isaV3 is the instruction set the objects are compiled for (-mcpu=v3 in
// gen.go: 32-bit jumps and ALU).
var isaV3 = struct {
	name  string
	since kernelVersion
}{"eBPF instruction set v3 (-mcpu=v3)", kernelVersion{5, 1}}

// minimumKernel is the first Linux release with everything above.
func minimumKernel() kernelVersion {
	v := isaV3.since
	v = newest(v, requiredProgramTypes)
	v = newest(v, requiredMapTypes)
	return newest(v, requiredHelpers)
}

// newest returns the latest of v and the releases of rs.
func newest[K comparable](v kernelVersion, rs []requirement[K]) kernelVersion {
	for _, r := range rs {
		if v.before(r.since) {
			v = r.since
		}
	}
	return v
}

// lacking probes each of rs and describes those the kernel does not have.
func lacking[K comparable](kind string, rs []requirement[K], probe func(K) error) []string {
	var out []string
	for _, r := range rs {
		if errors.Is(probe(r.key), ebpf.ErrNotSupported) {
			out = append(out, fmt.Sprintf("%s %s (Linux %s)", kind, r.name, r.since))
		}
	}
	return out
}

// kernelProber asks the running kernel for one feature; a feature it lacks
// is reported as ebpf.ErrNotSupported. Tests inject their own.
type kernelProber struct {
	isaV3       func() error
	programType func(ebpf.ProgramType) error
	mapType     func(ebpf.MapType) error
	helper      func(ebpf.ProgramType, asm.BuiltinFunc) error
}

var runningKernel = kernelProber{
	isaV3:       features.HaveV3ISA,
	programType: features.HaveProgramType,
	mapType:     features.HaveMapType,
	helper:      features.HaveProgramHelper,
}

// check probes every required feature and names each one the kernel lacks
// with the release that brought it. Only ErrNotSupported is conclusive: a
// probe that fails otherwise (not permitted, say) is left to loading the
// programs, whose error says what is wrong.
func (p kernelProber) check() error {
	var lacks []string
	if errors.Is(p.isaV3(), ebpf.ErrNotSupported) {
		lacks = append(lacks, fmt.Sprintf("%s (Linux %s)", isaV3.name, isaV3.since))
	}
	lacks = append(lacks, lacking("program type", requiredProgramTypes, p.programType)...)
	lacks = append(lacks, lacking("map type", requiredMapTypes, p.mapType)...)
	lacks = append(lacks, lacking("helper", requiredHelpers, func(fn asm.BuiltinFunc) error {
		return p.helper(ebpf.RawTracepoint, fn)
	})...)
	if len(lacks) == 0 {
		return nil
	}
	return fmt.Errorf("bpf: this kernel lacks %s; Vigil needs Linux %s or later, built with BTF (CONFIG_DEBUG_INFO_BTF=y): %w",
		strings.Join(lacks, ", "), minimumKernel(), errors.ErrUnsupported)
}
