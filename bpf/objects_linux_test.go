//go:build linux && (amd64 || arm64)

package bpf

import (
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
	if a, b := slices.Sorted(maps.Keys(x86.Programs)), slices.Sorted(maps.Keys(arm64.Programs)); !slices.Equal(a, b) {
		t.Errorf("programs differ:\nx86_64: %v\narm64:  %v", a, b)
	}
	for name, p := range x86.Programs {
		q, ok := arm64.Programs[name]
		if !ok {
			continue
		}
		if p.Type != q.Type || p.AttachType != q.AttachType || p.SectionName != q.SectionName || p.AttachTo != q.AttachTo || p.License != q.License {
			t.Errorf("program %s: x86_64 %v/%v %s (to %s), arm64 %v/%v %s (to %s)", name,
				p.Type, p.AttachType, p.SectionName, p.AttachTo, q.Type, q.AttachType, q.SectionName, q.AttachTo)
		}
	}
	if a, b := slices.Sorted(maps.Keys(x86.Maps)), slices.Sorted(maps.Keys(arm64.Maps)); !slices.Equal(a, b) {
		t.Errorf("maps differ:\nx86_64: %v\narm64:  %v", a, b)
	}
	for name, m := range x86.Maps {
		n, ok := arm64.Maps[name]
		if !ok {
			continue
		}
		if m.Type != n.Type || m.KeySize != n.KeySize || m.ValueSize != n.ValueSize || m.MaxEntries != n.MaxEntries || m.Flags != n.Flags {
			t.Errorf("map %s: x86_64 %v key %d value %d max %d flags %#x, arm64 %v key %d value %d max %d flags %#x", name,
				m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, n.Type, n.KeySize, n.ValueSize, n.MaxEntries, n.Flags)
		}
	}
	if a, b := slices.Sorted(maps.Keys(x86.Variables)), slices.Sorted(maps.Keys(arm64.Variables)); !slices.Equal(a, b) {
		t.Errorf("variables differ:\nx86_64: %v\narm64:  %v", a, b)
	}
	if len(x86.Programs) == 0 || len(x86.Maps) == 0 {
		t.Fatal("the x86_64 object has no programs or maps")
	}
}
