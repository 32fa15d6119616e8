package bpf

// The BPF objects and their Go bindings are generated and committed, so that
// building the module needs no clang. bpf2go runs from the main module, so
// its version is always the one of the cilium/ebpf library it generates for.
// One object per architecture: the syscall dispatcher reads the saved user
// registers, whose layout is the architecture's (c/arch.h). -mcpu=v3 (jmp32,
// 32-bit ALU) needs Linux 5.1; the programs need 5.17 (bpf_loop) anyway, see
// requirements.go.
//
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang-14 -target amd64,arm64 -type vigil_hdr -tags linux -cflags "-O2 -g -Wall -Werror -mcpu=v3 -I./headers -I./c" vigil ./c/vigil.bpf.c
