package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The -kernel mode writes syscalls.yaml, the part of the table that comes
// from the running kernel: every x86_64 syscall with its number, its ia32
// twin and its arguments as the kernel declares them. The kernel's BTF keeps
// the prototype of only the syscalls whose __do_sys_* function was not
// inlined (about a hundred on 6.18), so the arguments come from the
// kernel's own syscall metadata instead, the format of each
// syscalls/sys_enter_* trace event, which SYSCALL_DEFINE writes for every
// syscall. It needs tracefs mounted; CI never runs it: its output is
// committed.

const (
	unistd64   = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
	unistd32   = "/usr/include/x86_64-linux-gnu/asm/unistd_32.h"
	kernelPath = "internal/eventgen/syscalls.yaml"
)

var tracefsDirs = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// noIA32Twin lists the syscalls whose ia32 namesake takes its arguments
// differently, so that the x86_64 spec would misread them: 64-bit values
// split over two registers, structures in place of arguments, other orders.
var noIA32Twin = []string{
	"mmap", "select", "clone", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
	"fadvise64", "fallocate", "readahead", "sync_file_range", "truncate", "ftruncate",
}

// traceEventNames are the trace events of the syscalls whose event is not
// named after them.
var traceEventNames = map[string]string{
	"stat": "newstat", "lstat": "newlstat", "fstat": "newfstat", "uname": "newuname",
	"sendfile": "sendfile64", "umount2": "umount",
}

// bufferArgs are "const char *" arguments that are data, not strings.
var bufferArgs = []string{"buf", "u_msg_ptr"}

// kernelSyscall is one row of syscalls.yaml.
type kernelSyscall struct {
	Name string   `yaml:"name"`
	ID   uint32   `yaml:"id"`
	IA32 []uint32 `yaml:"ia32,flow"`
	Args []string `yaml:"args,flow"`
}

// readUnistd returns the syscall numbers a unistd_*.h defines, by name.
func readUnistd(path string) (map[string]uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]uint32{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[0] != "#define" || !strings.HasPrefix(fields[1], "__NR_") {
			continue
		}
		n, err := strconv.ParseUint(fields[2], 10, 32)
		if err != nil {
			continue
		}
		out[strings.TrimPrefix(fields[1], "__NR_")] = uint32(n)
	}
	return out, sc.Err()
}

var fieldRe = regexp.MustCompile(`^\s*field:(.+?)\s*([A-Za-z_][A-Za-z0-9_]*);`)

// traceArgs returns the arguments of a syscall from the format of its
// sys_enter trace event, as "name: type" rows; ok is false when the kernel
// has no such event (a syscall it does not build).
func traceArgs(tracefs, name string) (args []string, ok bool, err error) {
	if alias, ok := traceEventNames[name]; ok {
		name = alias
	}
	raw, err := os.ReadFile(filepath.Join(tracefs, "events/syscalls/sys_enter_"+name, "format"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var names []string
	var types []string
	for _, line := range strings.Split(string(raw), "\n") {
		m := fieldRe.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(m[2], "common_") || m[2] == "__syscall_nr" {
			continue
		}
		typ := normalType(m[1])
		if typ == "const char*" && slices.Contains(bufferArgs, m[2]) {
			typ = "const void*"
		}
		names = append(names, m[2])
		types = append(types, typ)
	}
	// Leading underscores keep kernel names out of the way of macros; as
	// record attributes they are noise, unless dropping them collides.
	for i, n := range names {
		if t := strings.TrimLeft(n, "_"); t != n && t != "" && !slices.Contains(names, t) {
			names[i] = t
		}
	}
	for i := range names {
		args = append(args, names[i]+": "+types[i])
	}
	return args, true, nil
}

// normalType writes a C type the way Tracee does: no space before a '*',
// no const on a value passed by copy.
func normalType(c string) string {
	c = strings.Join(strings.Fields(c), " ")
	c = strings.ReplaceAll(c, " *", "*")
	if strings.HasSuffix(c, "*const") {
		c = strings.TrimSuffix(c, "const") // a constant pointer is still a pointer
	}
	if !strings.HasSuffix(c, "*") {
		c = strings.TrimPrefix(c, "const ")
	}
	return c
}

// kernelSyscalls reads the running kernel's syscalls.
func kernelSyscalls() ([]kernelSyscall, error) {
	nr64, err := readUnistd(unistd64)
	if err != nil {
		return nil, err
	}
	nr32, err := readUnistd(unistd32)
	if err != nil {
		return nil, err
	}
	tracefs := ""
	for _, d := range tracefsDirs {
		if _, err := os.Stat(filepath.Join(d, "events/syscalls")); err == nil {
			tracefs = d
			break
		}
	}
	if tracefs == "" {
		return nil, fmt.Errorf("no syscall trace events under %s: mount tracefs (mount -t tracefs nodev /sys/kernel/tracing) on a kernel with CONFIG_FTRACE_SYSCALLS",
			strings.Join(tracefsDirs, " or "))
	}
	var out []kernelSyscall
	for name, nr := range nr64 {
		args, ok, err := traceArgs(tracefs, name)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		s := kernelSyscall{Name: name, ID: nr, IA32: []uint32{}, Args: args}
		if twin, ok := nr32[name]; ok && !slices.Contains(noIA32Twin, name) {
			s.IA32 = []uint32{twin}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b kernelSyscall) int { return int(a.ID) - int(b.ID) })
	return out, nil
}

const kernelHeader = `# The x86_64 syscalls of the kernel, with their numbers, their ia32 twins
# and their arguments as the kernel declares them. Generated by
# "make generate-table" (go run ./internal/eventgen -kernel) on the running
# kernel and committed: go generate only reads it. A syscall listed in
# events.yaml takes that row instead (Tracee's argument names, parsed
# forms, derived events).
`

// writeKernelTable writes syscalls.yaml.
func writeKernelTable(root string) error {
	rows, err := kernelSyscalls()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(kernelHeader + "syscalls:\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "  - {name: %s, id: %d, ia32: [%s], args: [%s]}\n", r.Name, r.ID, numbers(r.IA32), quoted(r.Args))
	}
	return os.WriteFile(filepath.Join(root, kernelPath), []byte(b.String()), 0o644)
}
