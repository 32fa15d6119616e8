//go:build linux && (amd64 || arm64)

package bpf

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
)

// arm64KernelEnv names an arm64 kernel image (make test-arm64 downloads
// Debian's, scripts/debian-kernel.sh) whose BTF TestArm64Relocations uses.
const arm64KernelEnv = "VIGIL_ARM64_KERNEL"

// kernelImageBTF returns the BTF a kernel image carries (CONFIG_DEBUG_INFO_BTF
// puts the raw blob in its read-only data): the first little-endian BTF
// header of version 1, and the type and string sections it announces.
func kernelImageBTF(t *testing.T, path string) *btf.Spec {
	t.Helper()
	img, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// magic 0xeB9F, version 1, flags 0, header length 24
	hdr := []byte{0x9f, 0xeb, 1, 0, 24, 0, 0, 0}
	for off := 0; ; off++ {
		i := bytes.Index(img[off:], hdr)
		if i < 0 {
			t.Fatalf("%s: no BTF in the image (a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed)", path)
		}
		off += i
		if off+24 > len(img) {
			continue
		}
		strOff, strLen := binary.LittleEndian.Uint32(img[off+16:]), binary.LittleEndian.Uint32(img[off+20:])
		end := off + 24 + int(strOff) + int(strLen)
		if end > len(img) {
			continue
		}
		spec, err := btf.LoadSpecFromReader(bytes.NewReader(img[off:end]))
		if err == nil {
			return spec
		}
	}
}

// relocationOf returns the kind of a CO-RE relocation and the type it
// applies to. CORERelocation's String is its only view of them:
// CORERelocation(field_exists, Struct:"inode"[0:17], local_id=511).
func relocationOf(r *btf.CORERelocation) (kind, typ string) {
	s := strings.TrimPrefix(r.String(), "CORERelocation(")
	kind, rest, _ := strings.Cut(s, ", ")
	typ, _, _ = strings.Cut(rest, "[")
	return kind, typ
}

// TestArm64Relocations resolves the arm64 object's CO-RE relocations
// against a real arm64 kernel's BTF, as loading there would: each resolves,
// except on the types whose fields differ between kernel releases, which
// the C reads in branches under bpf_core_field_exists (the inode's ctime),
// and the arm64 struct pt_regs that c/arch.h
// declares has the kernel's layout (no relocation moves a field), so the
// raw_tracepoint programs' copy of sizeof(struct) bytes holds every field
// read.
func TestArm64Relocations(t *testing.T) {
	path := os.Getenv(arm64KernelEnv)
	if path == "" {
		t.Skipf("%s is not set: make test-arm64 downloads an arm64 kernel and sets it", arm64KernelEnv)
	}
	target := kernelImageBTF(t, path)
	spec := loadObject(t, "vigil_arm64_bpfel.o")
	var regs int
	for name, p := range spec.Programs {
		var relos []*btf.CORERelocation
		var at []int
		guarded := map[string]bool{}
		for i := range p.Instructions {
			r := btf.CORERelocationMetadata(&p.Instructions[i])
			if r == nil {
				continue
			}
			relos = append(relos, r)
			at = append(at, i)
			if kind, typ := relocationOf(r); kind == "field_exists" {
				guarded[typ] = true
			}
		}
		var b btf.Builder
		fixups, err := btf.CORERelocate(relos, []*btf.Spec{target}, spec.ByteOrder, b.Add)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, f := range fixups {
			r := relos[i].String()
			if strings.HasSuffix(f.String(), "=poison") {
				if _, typ := relocationOf(relos[i]); !guarded[typ] {
					t.Errorf("%s: %s does not resolve on arm64", name, r)
				}
				continue
			}
			if !strings.Contains(r, `"pt_regs___vigil_arm64"`) {
				continue
			}
			regs++
			ins := p.Instructions[at[i]]
			moved := ins
			if err := f.Apply(&moved); err != nil {
				t.Fatalf("%s: %s: %v", name, r, err)
			}
			if moved.Offset != ins.Offset || moved.Constant != ins.Constant {
				t.Errorf("%s: %s is %s: c/arch.h's arm64 pt_regs is not the kernel's layout", name, r, f.String())
			}
		}
	}
	if regs == 0 {
		t.Fatal("no relocation of the arm64 struct pt_regs: the syscall programs read no registers?")
	}
}
