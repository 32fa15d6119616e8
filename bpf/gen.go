package bpf

// The BPF object and its Go bindings are generated and committed, so that
// building the module needs no clang. bpf2go runs from the main module, so
// its version is always the one of the cilium/ebpf library it generates for.
// -mcpu=v3 (jmp32, 32-bit ALU) needs Linux 5.1; the programs need 5.8 (ring
// buffer) anyway.
//
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang-14 -target amd64 -type vigil_hdr -tags linux -cflags "-O2 -g -Wall -Werror -mcpu=v3 -I./headers -I./c" vigil ./c/vigil.bpf.c
