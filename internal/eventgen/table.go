package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Bounds the generated code relies on.
const (
	maxSyscall  = 512 // NR_SYSCALLS of c/syscalls.c: the size of the syscalls map
	firstOwnID  = 700 // Tracee's common events start here
	maxDerived  = 32  // bits of struct vigil_syscall.derived
	maxArgs     = 255 // the wire index of an argument is a byte
	syscallRegs = 6   // argument registers of a syscall
)

// table is the content of events.yaml.
type table struct {
	Constants []constGroup `yaml:"constants"`
	Events    []*event     `yaml:"events"`

	arm64 map[string]uint32 // arm64 syscall numbers by name (arm64.go)
}

// constGroup is a set of constants shared by the C and Go sides.
type constGroup struct {
	Doc    string     `yaml:"doc"`
	Type   string     `yaml:"type"` // the Go type of the constants
	Values []constant `yaml:"values"`
}

type constant struct {
	C     string `yaml:"c"`
	Go    string `yaml:"go"`
	Value uint64 `yaml:"value"`
	Doc   string `yaml:"doc"`
}

// event is one row of the table.
type event struct {
	Name        string    `yaml:"name"`
	ID          uint32    `yaml:"id"`
	Sets        []string  `yaml:"sets"`
	Args        []string  `yaml:"args"`
	IA32        *[]uint32 `yaml:"ia32"` // set (maybe empty) for a syscall
	Tracepoint  string    `yaml:"tracepoint"`
	Emit        string    `yaml:"emit"`
	DerivedFrom []string  `yaml:"derived_from"`
	FromRecords []string  `yaml:"from_records"`

	args    []arg
	bit     int      // derived events: the bit of struct vigil_syscall.derived
	sources []*event // derived events: the syscalls that feed them
}

// arg is one parsed "name: type | Form" of a row.
type arg struct {
	name, typ, form string
}

func (e *event) syscall() bool { return e.IA32 != nil }
func (e *event) derived() bool { return len(e.DerivedFrom) > 0 }

// fromRecords: the receiver builds the event from other events' records.
func (e *event) fromRecords() bool { return len(e.FromRecords) > 0 }

// decodeFile reads a YAML file into v, refusing unknown fields.
func decodeFile(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadTable reads the table and the kernel's syscalls, adds the syscalls
// the table does not list as rows of their own, in "syscalls" and the sets
// setsPath gives them, and checks the result.
func loadTable(path, kernelPath, setsPath string) (*table, error) {
	var t table
	if err := decodeFile(path, &t); err != nil {
		return nil, err
	}
	var kernel struct {
		Syscalls []kernelSyscall `yaml:"syscalls"`
	}
	if err := decodeFile(kernelPath, &kernel); err != nil {
		return nil, err
	}
	var sets map[string][]string
	if err := decodeFile(setsPath, &sets); err != nil {
		return nil, err
	}
	listed := map[string]bool{}
	for _, e := range t.Events {
		listed[e.Name] = true
	}
	for _, k := range kernel.Syscalls {
		if !listed[k.Name] {
			e := &event{Name: k.Name, ID: k.ID, Sets: append([]string{"syscalls"}, sets[k.Name]...), Args: k.Args, IA32: &k.IA32}
			t.Events = append(t.Events, e)
			delete(sets, k.Name)
		}
	}
	if len(sets) > 0 {
		return nil, fmt.Errorf("%s: sets for %s, which are not syscalls of %s (or have a row in %s)",
			setsPath, strings.Join(slices.Sorted(maps.Keys(sets)), ", "), kernelPath, path)
	}
	slices.SortStableFunc(t.Events, func(a, b *event) int { return int(a.ID) - int(b.ID) })
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// check validates the table and fills in what is derived from it.
func (t *table) check() error {
	consts := map[string]uint64{}
	for _, g := range t.Constants {
		if g.Type == "" || len(g.Values) == 0 {
			return fmt.Errorf("%s: a group needs a type and values (%q)", "constants", g.Doc)
		}
		for _, c := range g.Values {
			if c.C == "" || c.Go == "" {
				return fmt.Errorf("%s: %+v needs both a C and a Go name", "constants", c)
			}
			if _, dup := consts[c.C]; dup {
				return fmt.Errorf("%s: %s defined twice", "constants", c.C)
			}
			consts[c.C] = c.Value
		}
	}

	byName := map[string]*event{}
	byID := map[uint32]*event{}
	var errs []error
	for i, e := range t.Events {
		where := fmt.Sprintf("events[%d] (%s)", i, e.Name)
		if e.Name == "" {
			errs = append(errs, fmt.Errorf("%s: no name", where))
			continue
		}
		if byName[e.Name] != nil {
			errs = append(errs, fmt.Errorf("%s: name used twice", where))
		}
		if other := byID[e.ID]; other != nil {
			errs = append(errs, fmt.Errorf("%s: id %d is also %s's", where, e.ID, other.Name))
		}
		byName[e.Name], byID[e.ID] = e, e
		errs = append(errs, e.parseArgs(where))

		kinds := 0
		for _, set := range []bool{e.syscall(), e.Tracepoint != "", e.derived(), e.fromRecords()} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			errs = append(errs, fmt.Errorf("%s: give exactly one of ia32, tracepoint, derived_from and from_records", where))
			continue
		}
		switch {
		case e.syscall():
			if e.ID >= maxSyscall {
				errs = append(errs, fmt.Errorf("%s: syscall number %d is not below %d", where, e.ID, maxSyscall))
			}
			if len(e.args) > syscallRegs {
				errs = append(errs, fmt.Errorf("%s: %d arguments, more than the %d registers", where, len(e.args), syscallRegs))
			}
			for _, nr := range *e.IA32 {
				if nr >= maxSyscall {
					errs = append(errs, fmt.Errorf("%s: ia32 number %d is not below %d", where, nr, maxSyscall))
				}
			}
		case e.ID < firstOwnID:
			errs = append(errs, fmt.Errorf("%s: id %d is in the syscall range", where, e.ID))
		}
		if e.Emit != "" {
			if e.Tracepoint == "" {
				errs = append(errs, fmt.Errorf("%s: emit without a tracepoint", where))
			} else if _, ok := consts[e.Emit]; !ok {
				errs = append(errs, fmt.Errorf("%s: emit %s is not a constant", where, e.Emit))
			}
		}
	}
	errs = append(errs, t.linkDerived(byName), t.checkIA32(), t.checkFromRecords(byName))
	return errors.Join(errs...)
}

// parseArgs splits the "name: type | Form" strings of a row.
func (e *event) parseArgs(where string) error {
	if len(e.Args) > maxArgs {
		return fmt.Errorf("%s: %d arguments, more than %d", where, len(e.Args), maxArgs)
	}
	e.args = e.args[:0]
	for _, s := range e.Args {
		name, rest, ok := strings.Cut(s, ": ")
		typ, form, _ := strings.Cut(rest, " | ")
		typ, form = strings.TrimSpace(typ), strings.TrimSpace(form)
		if !ok || name == "" || strings.ContainsAny(name, " :|") || typ == "" {
			return fmt.Errorf("%s: argument %q is not \"name: type\" or \"name: type | Form\"", where, s)
		}
		if slices.ContainsFunc(e.args, func(a arg) bool { return a.name == name }) {
			return fmt.Errorf("%s: argument %s given twice", where, name)
		}
		e.args = append(e.args, arg{name: name, typ: typ, form: form})
	}
	return nil
}

// linkDerived numbers the derived events' bits and resolves the syscalls
// that feed them. A syscall may feed several (mmap: mem_prot_alert,
// security_mmap_file and shared_object_loaded); c/security.h runs each
// selected one's emitter at its exit.
func (t *table) linkDerived(byName map[string]*event) error {
	bit := 0
	var errs []error
	for _, e := range t.Events {
		if !e.derived() {
			continue
		}
		if bit == maxDerived {
			errs = append(errs, fmt.Errorf("%s: more than %d derived events; widen struct vigil_syscall.derived", e.Name, maxDerived))
			break
		}
		e.bit = bit
		bit++
		e.sources = e.sources[:0]
		for _, name := range e.DerivedFrom {
			src := byName[name]
			if src == nil || !src.syscall() {
				errs = append(errs, fmt.Errorf("%s: derived from %s, which is not a syscall of the table", e.Name, name))
				continue
			}
			if slices.Contains(e.sources, src) {
				errs = append(errs, fmt.Errorf("%s: derived from %s twice", e.Name, name))
				continue
			}
			e.sources = append(e.sources, src)
		}
	}
	return errors.Join(errs...)
}

// checkFromRecords makes sure the events the receiver builds others from are
// captured in the kernel themselves.
func (t *table) checkFromRecords(byName map[string]*event) error {
	var errs []error
	for _, e := range t.Events {
		for _, name := range e.FromRecords {
			if src := byName[name]; src == nil || src.fromRecords() {
				errs = append(errs, fmt.Errorf("%s: from records of %s, which is not an event captured in the kernel", e.Name, name))
			}
		}
	}
	return errors.Join(errs...)
}

// checkIA32 makes sure no ia32 number stands for two syscalls.
func (t *table) checkIA32() error {
	seen := map[uint32]string{}
	var errs []error
	for _, e := range t.Events {
		if !e.syscall() {
			continue
		}
		for _, nr := range *e.IA32 {
			if other, dup := seen[nr]; dup {
				errs = append(errs, fmt.Errorf("%s: ia32 number %d is also %s's", e.Name, nr, other))
			}
			seen[nr] = e.Name
		}
	}
	return errors.Join(errs...)
}
