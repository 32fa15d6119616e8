//go:build linux

package kerneleventsreceiver

import (
	"errors"

	"go.uber.org/zap"

	"github.com/vigil-sec/vigil/receiver/kerneleventsreceiver/internal/privilege"
)

// keptCapabilities are what the running receiver keeps after dropping
// (drop_capabilities). Its programs, ring buffer and counters work through
// file descriptors opened at load and need none. The process tree and the
// container resolver read other processes' /proc entries and walk the
// cgroup hierarchy: CAP_SYS_PTRACE for the entries the kernel guards with a
// ptrace check (the exe link of a process with capabilities the collector
// lacks, every entry on a procfs mounted with hidepid), CAP_DAC_READ_SEARCH
// for directories root's uid cannot read.
var keptCapabilities = []struct {
	c    privilege.Cap
	name string
}{
	{privilege.SysPtrace, "CAP_SYS_PTRACE"},
	{privilege.DACReadSearch, "CAP_DAC_READ_SEARCH"},
}

// errCapabilitiesDropped is why a receiver cannot load once another one in
// the process has dropped the capabilities loading needs.
var errCapabilitiesDropped = errors.New("kernelevents: an earlier kernelevents receiver in this collector dropped the capabilities loading eBPF needs (drop_capabilities); " +
	"restart the collector rather than reload its configuration, or set drop_capabilities: false on every kernelevents receiver")

// checkCapabilitiesKept fails when an earlier receiver has dropped the
// capabilities, so the load does not fail with a bare EPERM.
func checkCapabilitiesKept() error {
	if privilege.Dropped() {
		return errCapabilitiesDropped
	}
	return nil
}

// dropCapabilities gives up, once the probe is loaded, what the receiver no
// longer needs. It never fails start-up: where it cannot drop, it says why
// and the collector runs on with what it has.
func (s *ebpfSource) dropCapabilities() {
	if !s.cfg.DropCapabilities {
		return
	}
	var keep privilege.Set
	for _, k := range keptCapabilities {
		keep |= privilege.SetOf(k.c)
	}
	// The counters are read through the kernel at every scrape: make sure
	// that still works without the capabilities given up.
	res, err := privilege.Drop(keep, func() error { _, err := s.probe.Stats(); return err })
	if err != nil {
		s.logger.Warn("kept every capability (drop_capabilities)", zap.Error(err))
		return
	}
	var kept []string // of those to keep, the ones the process had
	for _, k := range keptCapabilities {
		if res.Kept.Has(k.c) {
			kept = append(kept, k.name)
		}
	}
	s.logger.Info("dropped every capability but those kept, and set no_new_privs (drop_capabilities)",
		zap.Strings("kept", kept), zap.Bool("bounding_set_reduced", res.Bounding))
	if !res.Bounding {
		s.logger.Warn("the capability bounding set is left as it was: reducing it needs CAP_SETPCAP")
	}
}
