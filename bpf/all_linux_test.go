//go:build linux && (amd64 || arm64)

package bpf

import (
	"testing"

	"github.com/vigil-sec/vigil"
	"github.com/vigil-sec/vigil/catalog"
)

// maxVerified is the most instructions a program may cost the verifier
// here: a quarter of the kernel's 1,000,000. Kernels differ in how many of
// a program's paths they prune (sys_exit went from 484,471 on one build of
// 6.18.44 past the limit on the next): a program near the limit loads on
// one kernel and not another, so it fails here first.
const maxVerified = 250_000

// TestLoadAllEvents selects every event the catalog has (on arm64, those
// of the syscalls it has), in both attach modes, checks that records still arrive, and logs how many instructions
// the verifier walked per program (the figures of the README), failing for
// a program past maxVerified.
func TestLoadAllEvents(t *testing.T) {
	all := supportedHere()
	if len(all) < 300 {
		t.Fatalf("only %d events can be captured on %s", len(all), arch)
	}
	for _, mode := range []string{modeTPBTF, modeRawTP} {
		t.Run(mode, func(t *testing.T) {
			// the comm keeps the rest of the machine out of the test's way
			c := startCapture(t, Options{Events: all, ExcludeTGIDs: []uint32{self()}, Comms: []string{"bpf.test"}, CaptureArgv: true}, mode)
			if c.p.AttachMode() != mode {
				t.Fatalf("attached with %s", c.p.AttachMode())
			}
			for name, prog := range c.p.coll.Programs {
				info, err := prog.Info()
				if err != nil {
					t.Fatal(err)
				}
				n, ok := info.VerifiedInstructions()
				if !ok || n == 0 {
					t.Errorf("%s: no verified instruction count (%d, %v)", name, n, ok)
				}
				t.Logf("%s: %d instructions verified", name, n)
				if n > maxVerified {
					t.Errorf("%s: %d instructions verified, more than %d: too near the verifier's limit of 1,000,000 for every kernel to load it (bpf/README, Verifier cost)", name, n, maxVerified)
				}
			}
			pid := runHelperCmd(t, "process-vm", "")
			for _, id := range []uint32{310, 311, uint32(catalog.IDSchedProcessExec), 231} {
				c.await(t, vigil.EventNamePrefix+name(id), from(pid, id))
			}
		})
	}
}

// supportedHere returns the events Vigil can capture on this architecture:
// on arm64, not those of the syscalls it lacks.
func supportedHere() []uint32 {
	var ids []uint32
	for _, id := range SupportedEvents() {
		if ArchLacks(id) == "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func name(id uint32) string {
	d, _ := catalog.LookupEventID(catalog.EventID(id))
	return d.Name
}
