//go:build linux && (amd64 || arm64)

package bpf

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
)

// objects are the committed objects bpf2go builds, one per architecture
// (gen.go); the tests read both whatever the architecture they run on.
var objects = []string{"vigil_x86_bpfel.o", "vigil_arm64_bpfel.o"}

func loadObject(t *testing.T, path string) *ebpf.CollectionSpec {
	t.Helper()
	spec, err := ebpf.LoadCollectionSpec(path)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// TestObjectsMatch: the arm64 object has the x86_64 object's programs
// (names, types, sections, attach points), maps (names, types, sizes,
// flags) and variables: only the register layout and the syscall numbers
// behind the maps differ, so the loader treats both alike.
func TestObjectsMatch(t *testing.T) {
	x86, arm64 := loadObject(t, objects[0]), loadObject(t, objects[1])
	if len(x86.Programs) == 0 || len(x86.Maps) == 0 {
		t.Fatal("the x86_64 object has no programs or maps")
	}
	sameByName(t, "program", x86.Programs, arm64.Programs, func(p *ebpf.ProgramSpec) string {
		return fmt.Sprintf("%v/%v %s to %q, %s", p.Type, p.AttachType, p.SectionName, p.AttachTo, p.License)
	})
	sameByName(t, "map", x86.Maps, arm64.Maps, func(m *ebpf.MapSpec) string {
		return fmt.Sprintf("%v key %d value %d max %d flags %#x", m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags)
	})
	sameByName(t, "variable", x86.Variables, arm64.Variables, func(v *ebpf.VariableSpec) string {
		return fmt.Sprintf("%d bytes at %d in %s", v.Size(), v.Offset, v.SectionName)
	})
}

// sameByName checks that both objects have the same items of a kind by
// name, and that each is described alike in both.
func sameByName[T any](t *testing.T, kind string, x86, arm64 map[string]T, describe func(T) string) {
	t.Helper()
	if a, b := slices.Sorted(maps.Keys(x86)), slices.Sorted(maps.Keys(arm64)); !slices.Equal(a, b) {
		t.Errorf("%ss differ:\nx86_64: %v\narm64:  %v", kind, a, b)
	}
	for name, x := range x86 {
		a, ok := arm64[name]
		if !ok {
			continue
		}
		if dx, da := describe(x), describe(a); dx != da {
			t.Errorf("%s %s: x86_64 %s, arm64 %s", kind, name, dx, da)
		}
	}
}
