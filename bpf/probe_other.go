//go:build !linux || !(amd64 || arm64)

package bpf

import (
	"errors"
	"fmt"
	"runtime"
)

// The programs are built for Linux on x86_64 and arm64 (the saved registers
// and the syscall numbers are the architecture's):
// elsewhere Load reports errors.ErrUnsupported and the rest of the module
// still builds.

// Probe is a loaded set of programs; it cannot be created on this platform.
type Probe struct{}

// Load fails: capturing needs Linux on x86_64 or arm64.
func Load(Options) (*Probe, error) {
	return nil, fmt.Errorf("bpf: capturing kernel events needs Linux on x86_64 or arm64, not %s/%s: %w",
		runtime.GOOS, runtime.GOARCH, errors.ErrUnsupported)
}

// Unavailable cannot tell here; Load reports why nothing can be captured.
func Unavailable([]uint32) (map[uint32]string, error) { return nil, nil }

func (p *Probe) AttachMode() string    { return "" }
func (p *Probe) Read(*Event) error     { return ErrClosed }
func (p *Probe) Flush()                {}
func (p *Probe) Backlog() (int, int)   { return 0, 0 }
func (p *Probe) Stats() (Stats, error) { return Stats{}, errors.ErrUnsupported }
func (p *Probe) Close() error          { return nil }
