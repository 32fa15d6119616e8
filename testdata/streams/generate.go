//go:build ignore

// generate writes mixed.jsonl.gz, the benchmark stream of the detection
// processor: Tracee v0.22.6 JSON events in the proportions of a busy Linux
// host running containers (process lifecycle, file opens, connects), about
// 3% of them suspicious, each line's process drawn at random. Then
// sessions.jsonl.gz: the same kinds of events in about the same
// proportions, emitted as a host's processes emit them (see sessions). It
// is deterministic: rerun it after changing it and commit the output (the
// mixed stream is written first, from its own seed, so that adding to the
// sessions leaves it unchanged).
//
//	go run testdata/streams/generate.go
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/vigil-sec/vigil/catalog"
	"github.com/vigil-sec/vigil/tracee"
)

const events = 10000

// liveSessions is how many processes of the sessions stream are alive at
// once, between their fork and their exit.
const liveSessions = 40

var (
	rnd = rand.New(rand.NewPCG(1, 2))

	comms = []struct{ comm, exe string }{
		{"bash", "/usr/bin/bash"}, {"python3", "/usr/bin/python3.11"}, {"node", "/usr/bin/node"},
		{"nginx", "/usr/sbin/nginx"}, {"java", "/usr/lib/jvm/java-17/bin/java"}, {"sshd", "/usr/sbin/sshd"},
		{"systemd", "/usr/lib/systemd/systemd"}, {"containerd", "/usr/bin/containerd"}, {"kubelet", "/usr/bin/kubelet"},
		{"git", "/usr/bin/git"}, {"ls", "/usr/bin/ls"}, {"cat", "/usr/bin/cat"}, {"grep", "/usr/bin/grep"},
		{"curl", "/usr/bin/curl"}, {"postgres", "/usr/lib/postgresql/15/bin/postgres"},
	}
	readPaths = []string{
		"/etc/ld.so.cache", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libpthread.so.0",
		"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/etc/nsswitch.conf",
		"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/resolv.conf", "/etc/localtime", "/proc/self/stat",
		"/proc/self/status", "/proc/meminfo", "/proc/stat", "/sys/fs/cgroup/cpu.max", "/usr/share/locale/locale.alias",
		"/usr/lib/locale/C.utf8/LC_CTYPE", "/dev/null", "/dev/urandom", "/home/app/.config/app.yaml",
		"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/etc/ld.so.preload", "/proc/sys/kernel/core_pattern",
		"/etc/sudoers", "/etc/crontab", "/var/lib/app/data.db", "/usr/lib/python3.11/os.py",
	}
	writePaths = []string{
		"/tmp/tmp.%d", "/var/log/app/app.log", "/var/lib/app/data.db-wal", "/home/app/.cache/x%d", "/run/user/1000/bus",
		"/var/lib/postgresql/15/main/base/%d", "/dev/null", "/proc/self/fd/1",
	}
)

type gen struct {
	n  int
	w  *bufio.Writer
	ts int64
}

// proc is the process an event comes from: one made up for the line in
// the mixed stream, a process for its life in the sessions stream.
type proc struct {
	comm, exe string
	pid, ppid int64 // ppid 0: 1
	container bool
	// containerID is the container's, "" for one of eight drawn for the
	// line; start is the thread's start time, 0 for a second before the
	// line
	containerID string
	start       int64
}

func (g *gen) emit(name string, args []tracee.Arg, container bool, comm, exe string, pid int64) {
	g.emitBy(name, args, proc{comm: comm, exe: exe, pid: pid, container: container})
}

func (g *gen) emitBy(name string, args []tracee.Arg, p proc) {
	def, _ := catalog.LookupEvent(name)
	start, ppid := p.start, p.ppid
	if start == 0 {
		start = g.ts - 1e9
	}
	if ppid == 0 {
		ppid = 1
	}
	ev := tracee.Event{
		Timestamp: g.ts, ThreadStartTime: start, ProcessorID: int64(rnd.IntN(2)), ProcessID: p.pid, ThreadID: p.pid,
		ParentProcessID: ppid, HostProcessID: p.pid, HostThreadID: p.pid, HostParentProcessID: ppid, UserID: 1000,
		MountNS: 4026531841, PIDNS: 4026531836, ProcessName: p.comm, Executable: tracee.File{Path: p.exe},
		HostName: "node-1", CgroupID: 5678, EventID: int64(def.ID), EventName: name, ArgsNum: int64(len(args)),
		Syscall: name, Args: args,
	}
	if p.container {
		id := p.containerID
		if id == "" {
			id = fmt.Sprintf("%012x", 0xabc000+rnd.IntN(8))
		}
		ev.ContainerID, ev.Container = id, tracee.Container{ID: id, Name: "app", Image: "app:1.0"}
		ev.ContextFlags.ContainerStarted = true
		ev.ProcessID, ev.ThreadID = p.pid%100+1, p.pid%100+1
		if ppid != 1 {
			ev.ParentProcessID = ppid%100 + 1
		}
	}
	b, err := json.Marshal(&ev)
	if err != nil {
		panic(err)
	}
	// the streams were first written before tracee.Event had the entity
	// ids, which these events do not give (0): left out, as they were, so
	// that mixed.jsonl.gz, which benchmarks have timed since, stays the same
	g.w.Write(bytes.Replace(b, []byte(`"threadEntityId":0,"processEntityId":0,"parentEntityId":0,`), nil, 1))
	g.w.WriteByte('\n')
	g.ts += int64(rnd.IntN(50000))
	g.n++
}

func arg(name string, v any) tracee.Arg { return tracee.Arg{Name: name, Value: v} }

// typed fills in the catalog types of the args.
func typed(event string, args ...tracee.Arg) []tracee.Arg {
	def, _ := catalog.LookupEvent(event)
	for i := range args {
		args[i].Type = def.Args[def.ArgIndex(args[i].Name)].Type
	}
	return args
}

func fileOpen(path, flags string) []tracee.Arg {
	return typed("security_file_open", arg("pathname", path), arg("flags", flags), arg("dev", 2049),
		arg("inode", 1000+rnd.IntN(100000)), arg("ctime", 1690000000000000000), arg("syscall_pathname", path))
}

func exec(path string, env []string) []tracee.Arg {
	return typed("sched_process_exec", arg("cmdpath", path), arg("pathname", path), arg("dev", 2049), arg("inode", 4242),
		arg("ctime", 1690000000000000000), arg("inode_mode", 33261), arg("interpreter_pathname", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
		arg("interpreter_dev", 2049), arg("interpreter_inode", 99), arg("interpreter_ctime", 1690000000000000000),
		arg("argv", []string{path, "--flag"}), arg("interp", path), arg("stdin_type", "S_IFCHR"), arg("stdin_path", "/dev/pts/0"),
		arg("invoked_from_kernel", 0), arg("env", env))
}

func sockaddr(unix bool) map[string]string {
	if unix {
		return map[string]string{"sa_family": "AF_UNIX", "sun_path": []string{"/run/systemd/journal/socket", "/var/run/nscd/socket", "/run/dbus/system_bus_socket"}[rnd.IntN(3)]}
	}
	return map[string]string{"sa_family": "AF_INET", "sin_addr": fmt.Sprintf("10.0.%d.%d", rnd.IntN(4), rnd.IntN(250)), "sin_port": []string{"443", "80", "5432", "53"}[rnd.IntN(4)]}
}

var env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/home/app", "LANG=C.UTF-8", "TERM=xterm", "USER=app", "SHELL=/bin/bash", "PWD=/home/app", "SHLVL=1"}

// suspicious emits one event that a built-in signature matches.
func (g *gen) suspicious() {
	elf := base64.StdEncoding.EncodeToString([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	switch rnd.IntN(10) {
	case 0:
		g.emit("security_file_open", fileOpen("/etc/shadow", "O_RDONLY"), false, "python3", "/usr/bin/python3.11", 3001)
	case 1:
		g.emit("security_socket_connect", typed("security_socket_connect", arg("sockfd", 5), arg("type", "SOCK_STREAM"),
			arg("remote_addr", map[string]string{"sa_family": "AF_UNIX", "sun_path": "/var/run/docker.sock"})), true, "curl", "/usr/bin/curl", 3002)
	case 2:
		g.emit("sched_process_exec", exec("memfd:x", env), false, "x", "memfd:x", 3003)
	case 3:
		g.emit("sched_process_exec", exec("/usr/bin/ls", append([]string{"LD_PRELOAD=/tmp/x.so"}, env...)), false, "ls", "/usr/bin/ls", 3004)
	case 4:
		g.emit("socket_dup", typed("socket_dup", arg("oldfd", 3), arg("newfd", 0), arg("remote_addr", sockaddr(false))), false, "bash", "/usr/bin/bash", 3005)
	case 5:
		g.emit("ptrace", typed("ptrace", arg("request", "PTRACE_TRACEME"), arg("pid", 0), arg("addr", 0), arg("data", 0)), false, "x", "/tmp/x", 3006)
	case 6:
		g.emit("magic_write", typed("magic_write", arg("pathname", "/tmp/.x"), arg("bytes", elf), arg("dev", 2049), arg("inode", 5)), false, "curl", "/usr/bin/curl", 3007)
	case 7:
		g.emit("security_file_open", fileOpen("/etc/cron.d/x", "O_WRONLY|O_CREAT|O_TRUNC"), false, "bash", "/usr/bin/bash", 3008)
	case 8:
		g.emit("security_bprm_check", typed("security_bprm_check", arg("pathname", "/usr/bin/dash"), arg("dev", 2049), arg("inode", 3),
			arg("argv", []string{"sh", "-c", "id"}), arg("envp", env)), true, "nginx", "/usr/sbin/nginx", 3009)
	default:
		g.emit("security_file_open", fileOpen("/proc/sched_debug", "O_RDONLY"), true, "cat", "/usr/bin/cat", 3010)
	}
}

func fork(parent, child, start int64) []tracee.Arg {
	return typed("sched_process_fork", arg("parent_tid", parent), arg("parent_ns_tid", parent), arg("parent_pid", parent),
		arg("parent_ns_pid", parent), arg("child_tid", child), arg("child_ns_tid", child), arg("child_pid", child), arg("child_ns_pid", child),
		arg("start_time", start))
}

func exit() []tracee.Arg {
	return typed("sched_process_exit", arg("exit_code", 0), arg("process_group_exit", true))
}

func bprmCheck(c struct{ comm, exe string }) []tracee.Arg {
	return typed("security_bprm_check", arg("pathname", c.exe), arg("dev", 2049), arg("inode", 3), arg("argv", []string{c.comm}), arg("envp", env))
}

// normal emits one event of a process drawn for it, r out of 1,000
// choosing its kind: the process's life below 300, bprm_check in
// [940, 970), what it does otherwise (see activity).
func (g *gen) normal() {
	c := comms[rnd.IntN(len(comms))]
	pid := int64(1000 + rnd.IntN(2000))
	container := rnd.IntN(10) < 3
	switch r := rnd.IntN(1000); {
	case r < 110:
		g.emit("sched_process_fork", fork(pid, pid+1, 1690000000000000000), container, c.comm, c.exe, pid)
	case r < 190:
		g.emit("sched_process_exec", exec(c.exe, env), container, c.comm, c.exe, pid)
	case r < 300:
		g.emit("sched_process_exit", exit(), container, c.comm, c.exe, pid)
	case r >= 940 && r < 970:
		g.emit("security_bprm_check", bprmCheck(c), container, "bash", "/usr/bin/bash", pid)
	case r >= 980 && r < 990:
		g.activity(r, proc{comm: "java", exe: "/usr/lib/jvm/java-17/bin/java", pid: pid, container: container})
	default:
		g.activity(r, proc{comm: c.comm, exe: c.exe, pid: pid, container: container})
	}
}

// activity emits what p does between its exec and its exit, r in [300,
// 1,000) choosing it: file opens, connects, writes, renames.
func (g *gen) activity(r int, p proc) {
	switch {
	case r < 640:
		g.emitBy("security_file_open", fileOpen(readPaths[rnd.IntN(len(readPaths))], "O_RDONLY|O_CLOEXEC"), p)
	case r < 720:
		path := writePaths[rnd.IntN(len(writePaths))]
		if strings.Contains(path, "%d") {
			path = fmt.Sprintf(path, rnd.IntN(1000))
		}
		g.emitBy("security_file_open", fileOpen(path, "O_WRONLY|O_CREAT|O_TRUNC"), p)
	case r < 820:
		g.emitBy("openat", typed("openat", arg("dirfd", -100), arg("pathname", readPaths[rnd.IntN(len(readPaths))]), arg("flags", "O_RDONLY|O_CLOEXEC"), arg("mode", 0)), p)
	case r < 890:
		g.emitBy("security_socket_connect", typed("security_socket_connect", arg("sockfd", 3+rnd.IntN(20)), arg("type", "SOCK_STREAM"), arg("remote_addr", sockaddr(rnd.IntN(3) == 0))), p)
	case r < 940:
		g.emitBy("connect", typed("connect", arg("sockfd", 3+rnd.IntN(20)), arg("addr", sockaddr(false)), arg("addrlen", 16)), p)
	case r < 980:
		g.emitBy("magic_write", typed("magic_write", arg("pathname", "/tmp/out.txt"), arg("bytes", base64.StdEncoding.EncodeToString([]byte("hello world, text"))), arg("dev", 2049), arg("inode", 5)), p)
	case r < 990:
		g.emitBy("mem_prot_alert", typed("mem_prot_alert", arg("alert", "Mmaped region with W+E permissions!"), arg("addr", 140000000), arg("len", 4096), arg("prot", 7), arg("prev_prot", 0)), p)
	default:
		g.emitBy("security_inode_rename", typed("security_inode_rename", arg("old_path", "/var/lib/app/tmp"), arg("new_path", "/var/lib/app/state")), p)
	}
}

// session is a process of the sessions stream: forked, perhaps exec'd,
// with left events of its own to emit before its exit.
type session struct {
	p    proc
	left int
}

// roots are the sessions' first parents, which live past the stream and
// emit only forks: shells and daemons on the host and in four containers.
var roots = []proc{
	{comm: "bash", exe: "/usr/bin/bash", pid: 900},
	{comm: "sshd", exe: "/usr/sbin/sshd", pid: 901},
	{comm: "containerd", exe: "/usr/bin/containerd", pid: 902},
	{comm: "systemd", exe: "/usr/lib/systemd/systemd", pid: 903},
	{comm: "sh", exe: "/bin/sh", pid: 904, container: true, containerID: "000000abc000"},
	{comm: "node", exe: "/usr/bin/node", pid: 905, container: true, containerID: "000000abc001"},
	{comm: "nginx", exe: "/usr/sbin/nginx", pid: 906, container: true, containerID: "000000abc002"},
	{comm: "python3", exe: "/usr/bin/python3.11", pid: 907, container: true, containerID: "000000abc003"},
}

// sessions emits the events of processes that live as a busy host's do:
// liveSessions alive at once, each forked by a root or by another live one
// (whose container it shares), exec'd in 8 of 11 (a bprm_check first in 3
// of 8 of those), then emitting a run of what mixed's processes do
// (activity) and exiting. The next event comes from the process of the
// last in 7 of 10, from another live one otherwise, so a process's events
// are near one another, interleaved with others'. Each process has its
// own pid and one start time for its life, but the roots, which keep
// mixed's start time of a second before each line. The fork, exec, exit and
// bprm_check shares are about mixed's (11%, 8%, 11%, 3%), and so is the
// suspicious 3%, emitted by mixed's own processes.
func (g *gen) sessions() {
	var live []*session
	nextPID := int64(20000)
	last := -1
	for g.n < events {
		switch {
		case rnd.IntN(100) < 3:
			g.suspicious()
		case len(live) < liveSessions:
			parent := roots[rnd.IntN(len(roots))]
			if len(live) > 0 && rnd.IntN(10) < 3 {
				parent = live[rnd.IntN(len(live))].p
			}
			nextPID++
			child := parent
			child.pid, child.ppid, child.start = nextPID, parent.pid, g.ts
			g.emitBy("sched_process_fork", fork(parent.pid, child.pid, child.start), parent)
			if rnd.IntN(11) < 8 {
				c := comms[rnd.IntN(len(comms))]
				if rnd.IntN(8) < 3 {
					g.emitBy("security_bprm_check", bprmCheck(c), child)
				}
				child.comm, child.exe = c.comm, c.exe
				g.emitBy("sched_process_exec", exec(c.exe, env), child)
			}
			live = append(live, &session{p: child, left: 1 + rnd.IntN(11)})
			last = len(live) - 1
		default:
			if last < 0 || rnd.IntN(10) >= 7 {
				last = rnd.IntN(len(live))
			}
			s := live[last]
			if s.left == 0 {
				g.emitBy("sched_process_exit", exit(), s.p)
				live = append(live[:last], live[last+1:]...)
				last = -1
				continue
			}
			s.left--
			// what mixed's processes do, bprm_check aside (an exec's)
			r := 300 + rnd.IntN(670)
			if r >= 940 {
				r += 30
			}
			g.activity(r, s.p)
		}
	}
}

// write writes the stream emit writes to path, gzipped, starting the
// clock where mixed's starts.
func write(path string, emit func(g *gen)) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	g := &gen{w: bufio.NewWriter(zw), ts: 1700000000000000000}
	emit(g)
	for _, c := range []func() error{g.w.Flush, zw.Close, f.Close} {
		if err := c(); err != nil {
			panic(err)
		}
	}
}

func main() {
	write("testdata/streams/mixed.jsonl.gz", func(g *gen) {
		for g.n < events {
			if rnd.IntN(100) < 3 {
				g.suspicious()
			} else {
				g.normal()
			}
		}
	})
	rnd = rand.New(rand.NewPCG(3, 4))
	write("testdata/streams/sessions.jsonl.gz", (*gen).sessions)
}
