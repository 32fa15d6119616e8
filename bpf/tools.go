//go:build tools

package bpf

// bpf2go is run from this module by gen.go so that its version is the one of
// the cilium/ebpf library it generates for; this import keeps `go mod tidy`
// from dropping what it needs from go.sum.
import _ "github.com/cilium/ebpf/cmd/bpf2go"
