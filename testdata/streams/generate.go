//go:build ignore

// generate writes mixed.jsonl.gz, the benchmark stream of the detection
// processor: Tracee v0.22.6 JSON events in the proportions of a busy Linux
// host running containers (process lifecycle, file opens, connects), about
// 3% of them suspicious. It is deterministic: rerun it after changing it
// and commit the output.
//
//	go run testdata/streams/generate.go
package main

import (
	"bufio"
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

func (g *gen) emit(name string, args []tracee.Arg, container bool, comm, exe string, pid int64) {
	def, _ := catalog.LookupEvent(name)
	ev := tracee.Event{
		Timestamp: g.ts, ThreadStartTime: g.ts - 1e9, ProcessorID: int64(rnd.IntN(2)), ProcessID: pid, ThreadID: pid,
		ParentProcessID: 1, HostProcessID: pid, HostThreadID: pid, HostParentProcessID: 1, UserID: 1000,
		MountNS: 4026531841, PIDNS: 4026531836, ProcessName: comm, Executable: tracee.File{Path: exe},
		HostName: "node-1", CgroupID: 5678, EventID: int64(def.ID), EventName: name, ArgsNum: int64(len(args)),
		Syscall: name, Args: args,
	}
	if container {
		id := fmt.Sprintf("%012x", 0xabc000+rnd.IntN(8))
		ev.ContainerID, ev.Container = id, tracee.Container{ID: id, Name: "app", Image: "app:1.0"}
		ev.ContextFlags.ContainerStarted = true
		ev.ProcessID, ev.ThreadID = pid%100+1, pid%100+1
	}
	b, err := json.Marshal(&ev)
	if err != nil {
		panic(err)
	}
	g.w.Write(b)
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

func (g *gen) normal() {
	c := comms[rnd.IntN(len(comms))]
	pid := int64(1000 + rnd.IntN(2000))
	container := rnd.IntN(10) < 3
	switch r := rnd.IntN(1000); {
	case r < 110:
		g.emit("sched_process_fork", typed("sched_process_fork", arg("parent_tid", pid), arg("parent_ns_tid", pid), arg("parent_pid", pid),
			arg("parent_ns_pid", pid), arg("child_tid", pid+1), arg("child_ns_tid", pid+1), arg("child_pid", pid+1), arg("child_ns_pid", pid+1),
			arg("start_time", 1690000000000000000)), container, c.comm, c.exe, pid)
	case r < 190:
		g.emit("sched_process_exec", exec(c.exe, env), container, c.comm, c.exe, pid)
	case r < 300:
		g.emit("sched_process_exit", typed("sched_process_exit", arg("exit_code", 0), arg("process_group_exit", true)), container, c.comm, c.exe, pid)
	case r < 640:
		g.emit("security_file_open", fileOpen(readPaths[rnd.IntN(len(readPaths))], "O_RDONLY|O_CLOEXEC"), container, c.comm, c.exe, pid)
	case r < 720:
		p := writePaths[rnd.IntN(len(writePaths))]
		if strings.Contains(p, "%d") {
			p = fmt.Sprintf(p, rnd.IntN(1000))
		}
		g.emit("security_file_open", fileOpen(p, "O_WRONLY|O_CREAT|O_TRUNC"), container, c.comm, c.exe, pid)
	case r < 820:
		g.emit("openat", typed("openat", arg("dirfd", -100), arg("pathname", readPaths[rnd.IntN(len(readPaths))]), arg("flags", "O_RDONLY|O_CLOEXEC"), arg("mode", 0)), container, c.comm, c.exe, pid)
	case r < 890:
		g.emit("security_socket_connect", typed("security_socket_connect", arg("sockfd", 3+rnd.IntN(20)), arg("type", "SOCK_STREAM"), arg("remote_addr", sockaddr(rnd.IntN(3) == 0))), container, c.comm, c.exe, pid)
	case r < 940:
		g.emit("connect", typed("connect", arg("sockfd", 3+rnd.IntN(20)), arg("addr", sockaddr(false)), arg("addrlen", 16)), container, c.comm, c.exe, pid)
	case r < 970:
		g.emit("security_bprm_check", typed("security_bprm_check", arg("pathname", c.exe), arg("dev", 2049), arg("inode", 3), arg("argv", []string{c.comm}), arg("envp", env)), container, "bash", "/usr/bin/bash", pid)
	case r < 980:
		g.emit("magic_write", typed("magic_write", arg("pathname", "/tmp/out.txt"), arg("bytes", base64.StdEncoding.EncodeToString([]byte("hello world, text"))), arg("dev", 2049), arg("inode", 5)), container, c.comm, c.exe, pid)
	case r < 990:
		g.emit("mem_prot_alert", typed("mem_prot_alert", arg("alert", "Mmaped region with W+E permissions!"), arg("addr", 140000000), arg("len", 4096), arg("prot", 7), arg("prev_prot", 0)), container, "java", "/usr/lib/jvm/java-17/bin/java", pid)
	default:
		g.emit("security_inode_rename", typed("security_inode_rename", arg("old_path", "/var/lib/app/tmp"), arg("new_path", "/var/lib/app/state")), container, c.comm, c.exe, pid)
	}
}

func main() {
	f, err := os.Create("testdata/streams/mixed.jsonl.gz")
	if err != nil {
		panic(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	g := &gen{w: bufio.NewWriter(zw), ts: 1700000000000000000}
	for g.n < events {
		if rnd.IntN(100) < 3 {
			g.suspicious()
		} else {
			g.normal()
		}
	}
	for _, c := range []func() error{g.w.Flush, zw.Close, f.Close} {
		if err := c(); err != nil {
			panic(err)
		}
	}
}
