// Command eventgen writes, from the event table (events.yaml, and
// syscalls.yaml with sets.yaml for the syscalls it does not list), everything that
// describes an event elsewhere: the event catalog (package catalog) and its
// arm64 syscall numbers, the BPF programs' header, the loader's tables, the
// parsed argument forms and the receiver's table of the events it builds from
// others' records. Run
// by `go generate` (see catalog/catalog.go); its argument is the module
// root, "." by default. With -kernel it instead rewrites
// syscalls.yaml from the running kernel (see kernel.go).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

const (
	tablePath = "internal/eventgen/events.yaml"
	setsPath  = "internal/eventgen/sets.yaml"
)

func main() {
	kernel := flag.Bool("kernel", false, "rewrite "+kernelPath+" from the running kernel")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	do := run
	if *kernel {
		do = writeKernelTable
	}
	if err := do(root); err != nil {
		fmt.Fprintln(os.Stderr, "eventgen:", err)
		os.Exit(1)
	}
}

func run(root string) error {
	t, err := loadTable(filepath.Join(root, tablePath), filepath.Join(root, kernelPath), filepath.Join(root, setsPath))
	if err != nil {
		return err
	}
	if t.arm64, err = arm64Numbers(root); err != nil {
		return err
	}
	for _, render := range []func() (string, []byte, error){t.catalogGo, t.arm64Go, t.eventsH, t.loaderGo, t.argparseGo, t.receiverGo} {
		file, out, err := render()
		if err != nil {
			return err
		}
		path := filepath.Join(root, file)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, out) {
			continue
		}
		if err := os.WriteFile(path, out, 0o644); err != nil {
			return err
		}
	}
	return nil
}
