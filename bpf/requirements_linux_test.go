//go:build linux && (amd64 || arm64)

package bpf

import (
	"errors"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/vigil-sec/vigil/internal/privtest"
)

// TestKernelRequirementsWording: a kernel that lacks features gets one
// error naming each with the release that brought it, and the minimum
// release; a probe that fails inconclusively is left to loading.
func TestKernelRequirementsWording(t *testing.T) {
	ok := kernelProber{
		isaV3:       func() error { return nil },
		programType: func(ebpf.ProgramType) error { return nil },
		mapType:     func(ebpf.MapType) error { return nil },
		helper:      func(ebpf.ProgramType, asm.BuiltinFunc) error { return nil },
	}
	if err := ok.check(); err != nil {
		t.Fatalf("a kernel with everything: %v", err)
	}

	old := ok
	old.mapType = func(mt ebpf.MapType) error {
		if mt == ebpf.RingBuf {
			return ebpf.ErrNotSupported
		}
		return nil
	}
	old.helper = func(pt ebpf.ProgramType, fn asm.BuiltinFunc) error {
		if pt != ebpf.RawTracepoint {
			t.Errorf("helper %v probed for %v, not raw_tracepoint", fn, pt)
		}
		switch fn {
		case asm.FnLoop:
			return ebpf.ErrNotSupported
		case asm.FnFindVma:
			return errors.New("operation not permitted") // inconclusive
		}
		return nil
	}
	err := old.check()
	const want = "bpf: this kernel lacks map type BPF_MAP_TYPE_RINGBUF (Linux 5.8), helper bpf_loop (Linux 5.17); " +
		"Vigil needs Linux 5.17 or later, built with BTF (CONFIG_DEBUG_INFO_BTF=y): unsupported operation"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n%v\nwant:\n%s", err, want)
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Error("the error does not wrap errors.ErrUnsupported")
	}
}

// TestRequirementsCoverObjects: every program type, map type and helper
// the objects of both architectures use is probed at start-up, and every
// one probed is used (tp_btf programs are optional: Load falls back).
func TestRequirementsCoverObjects(t *testing.T) {
	var progTypes []ebpf.ProgramType
	var mapTypes []ebpf.MapType
	var helpers []asm.BuiltinFunc
	for _, obj := range objects {
		spec := loadObject(t, obj)
		for _, p := range spec.Programs {
			if p.Type != ebpf.Tracing {
				progTypes = append(progTypes, p.Type)
			}
			for _, ins := range p.Instructions {
				if ins.IsBuiltinCall() {
					helpers = append(helpers, asm.BuiltinFunc(ins.Constant))
				}
			}
		}
		for _, m := range spec.Maps {
			mapTypes = append(mapTypes, m.Type)
		}
	}
	sameSet(t, "program types", progTypes, requiredProgramTypes)
	sameSet(t, "map types", mapTypes, requiredMapTypes)
	sameSet(t, "helpers", helpers, requiredHelpers)
}

// sameSet reports what the objects use and is not probed, and what is
// probed and not used.
func sameSet[K comparable](t *testing.T, what string, used []K, probed []requirement[K]) {
	t.Helper()
	for _, u := range used {
		if !slices.ContainsFunc(probed, func(r requirement[K]) bool { return r.key == u }) {
			t.Errorf("%s: the objects use %v, which start-up does not probe (add it to requirements_linux.go and the README)", what, u)
		}
	}
	for _, r := range probed {
		if !slices.Contains(used, r.key) {
			t.Errorf("%s: %v is probed, but no object uses it", what, r.key)
		}
	}
}

// TestMinimumKernel: the minimum the error and the README state.
func TestMinimumKernel(t *testing.T) {
	if got := minimumKernel().String(); got != "5.17" {
		t.Errorf("minimum kernel %s, the README says 5.17", got)
	}
}

// TestKernelMeetsRequirements: this kernel has every feature probed.
func TestKernelMeetsRequirements(t *testing.T) {
	privtest.Require(t)
	if err := runningKernel.check(); err != nil {
		t.Fatal(err)
	}
}
