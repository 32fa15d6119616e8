package detectionprocessor

import (
	"regexp"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	vigil "github.com/vigil-sec/vigil"
)

// goChecks is baseline (b) of the benchmark: the built-in signatures written
// by hand in Go against the record's attributes, the fastest a fixed rule set
// can be. A test holds it to the Rego signatures' results on the stream.
type goChecks struct {
	at vigil.Attrs
}

// get is Attrs.Get with a missing value reported as an empty one, whose
// Type() is safe to call.
func (g goChecks) get(key string) pcommon.Value {
	if v, ok := g.at.Get(key); ok {
		return v
	}
	return pcommon.NewValueEmpty()
}

func (g goChecks) str(name string) string {
	if v := g.get(vigil.AttrArgPrefix + name); v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

func (g goChecks) num(name string) (int64, bool) {
	v, ok := g.at.Get(vigil.AttrArgPrefix + name)
	if !ok || v.Type() != pcommon.ValueTypeInt {
		return 0, false
	}
	return v.Int(), true
}

func (g goChecks) ctx(key string) string {
	if v := g.get(key); v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

func (g goChecks) ctxInt(key string) int64 {
	if v := g.get(key); v.Type() == pcommon.ValueTypeInt {
		return v.Int()
	}
	return 0
}

// mapStr returns a string field of a map value (a sockaddr), or "".
func mapStr(v pcommon.Value, key string) string {
	if v.Type() != pcommon.ValueTypeMap {
		return ""
	}
	if f, ok := v.Map().Get(key); ok && f.Type() == pcommon.ValueTypeStr {
		return f.Str()
	}
	return ""
}

func isWrite(flags string) bool {
	f := strings.ToLower(flags)
	return strings.Contains(f, "o_wronly") || strings.Contains(f, "o_rdwr")
}

func isRead(flags string) bool {
	f := strings.ToLower(flags)
	return strings.Contains(f, "o_rdonly") || strings.Contains(f, "o_rdwr")
}

func inSet(s string, set ...string) bool {
	for _, e := range set {
		if s == e {
			return true
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

var (
	goProcMem  = regexp.MustCompile(`^/proc/(self|[0-9]+)(/task/[0-9]+)?/mem$`)
	goLoader   = regexp.MustCompile(`^(/usr)?/lib[^/]*/([^/]+/)?ld-(linux|musl)[^/]*\.so[^/]*$`)
	goRcDir    = regexp.MustCompile(`^/etc/rc\.d/|^/etc/rc[0-6S]\.d/`)
	goSSHKey   = regexp.MustCompile(`/\.ssh/id_(rsa|dsa|ecdsa|ed25519)(_sk)?$`)
	webServers = []string{"nginx", "apache", "apache2", "httpd", "lighttpd", "caddy", "php-fpm", "php-fpm8.2", "uwsgi", "gunicorn", "tomcat", "java"}
	shells     = []string{"sh", "bash", "dash", "zsh", "ksh", "ash", "csh", "tcsh", "fish", "busybox"}
	shadowOK   = []string{"/usr/bin/passwd", "/usr/bin/chage", "/usr/bin/chsh", "/usr/bin/chfn", "/usr/bin/gpasswd", "/usr/bin/newgrp",
		"/usr/bin/expiry", "/usr/bin/login", "/usr/bin/su", "/usr/bin/sudo", "/usr/sbin/unix_chkpwd", "/usr/sbin/sshd",
		"/usr/sbin/chpasswd", "/usr/sbin/useradd", "/usr/sbin/usermod", "/usr/sbin/userdel", "/usr/sbin/groupadd",
		"/usr/sbin/groupmod", "/usr/sbin/groupdel", "/usr/sbin/pwck", "/usr/sbin/grpck", "/usr/sbin/cron",
		"/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd-logind", "/usr/lib/systemd/systemd-userdbd"}
	elfWriters = []string{"as", "ld", "ld.bfd", "ld.gold", "ld.lld", "lld", "gold", "collect2", "gcc", "g++", "cc", "c++", "clang", "clang++",
		"rustc", "cargo", "go", "link", "strip", "objcopy", "dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk", "pip", "pip3"}
	sshTools = []string{"/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-add", "/usr/bin/ssh-agent", "/usr/bin/ssh-keygen",
		"/usr/bin/scp", "/usr/bin/sftp", "/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server"}
)

// expectedELFWriter: VGL-1010's default exceptions, toolchains and package
// managers run from a system directory.
func expectedELFWriter(exe string) bool {
	if !hasAnyPrefix(exe, "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/libexec/", "/usr/local/bin/", "/usr/local/go/") {
		return false
	}
	for _, part := range strings.Split(baseName(exe), "-") {
		if inSet(part, elfWriters...) {
			return true
		}
	}
	return false
}

// pkgManager: VGL-1017/1018/1019's default exception.
func pkgManager(exe string) bool {
	return inSet(exe, "/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk")
}

func sudoersPath(p string) bool {
	return p == "/etc/sudoers" || strings.HasPrefix(p, "/etc/sudoers.d/")
}
func cronPath(p string) bool {
	return hasAnyPrefix(p, "/etc/cron", "/var/spool/cron/", "/etc/anacrontab", "/var/spool/anacron/")
}
func rcPath(p string) bool {
	return p == "/etc/rc.local" || strings.HasPrefix(p, "/etc/init.d/") || goRcDir.MatchString(p)
}
func runtimeSocket(p string) bool {
	return strings.HasSuffix(p, "/docker.sock") || strings.HasSuffix(p, "/containerd.sock")
}

// match appends the ids of the built-in signatures lr matches, in id order.
func (g goChecks) match(lr plog.LogRecord, dst []string) []string {
	name := strings.TrimPrefix(lr.EventName(), vigil.EventNamePrefix)
	origin := vigil.RecordOrigin(g.at)
	exe := g.ctx(vigil.AttrExecutablePath)
	add := func(ok bool, id string) {
		if ok {
			dst = append(dst, id)
		}
	}
	switch name {
	case "ptrace":
		req := g.str("request")
		add(req == "PTRACE_TRACEME", "VGL-1001")
		add(req == "PTRACE_POKETEXT" || req == "PTRACE_POKEDATA", "VGL-1002")
	case "security_file_open":
		path, flags := g.str("pathname"), g.str("flags")
		w, r := isWrite(flags), isRead(flags)
		procMem := strings.HasPrefix(path, "/proc/") && strings.HasSuffix(path, "/mem")
		add(procMem && goProcMem.MatchString(path) && w, "VGL-1003")
		if procMem && r {
			parts := strings.Split(path, "/")
			pid, err := strconv.ParseInt(parts[len(parts)-2], 10, 64)
			add(len(parts) == 4 && err == nil && pid != g.ctxInt(vigil.AttrProcessVPID), "VGL-1004")
		}
		add(path == "/etc/ld.so.preload" && w, "VGL-1007")
		add(strings.Contains(path, "/ld-") && goLoader.MatchString(path) && w, "VGL-1008")
		add(strings.HasSuffix(path, "/release_agent") && w, "VGL-1014")
		add(origin == vigil.OriginContainer && strings.HasSuffix(path, "/notify_on_release") && w, "VGL-1015")
		add(path == "/proc/sys/kernel/core_pattern" && w, "VGL-1016")
		add(sudoersPath(path) && w && !pkgManager(exe), "VGL-1017")
		add(cronPath(path) && w && !pkgManager(exe), "VGL-1018")
		add(rcPath(path) && w && !pkgManager(exe), "VGL-1019")
		comm := g.ctx(vigil.AttrExecutableName)
		add(strings.HasPrefix(path, "/etc/kubernetes/pki/") && !inSet(comm, "kube-apiserver", "kube-controller", "kube-scheduler", "kubelet", "etcd", "kubeadm"), "VGL-1020")
		add(strings.HasSuffix(path, "/secrets/kubernetes.io/serviceaccount/token") &&
			!inSet(comm, "kube-proxy", "kubelet", "coredns", "flanneld", "calico-node", "cilium-agent", "kube-controller", "kube-apiserver", "etcd"), "VGL-1021")
		add(origin == vigil.OriginContainer && runtimeSocket(path), "VGL-1022")
		add(path == "/proc/sys/kernel/randomize_va_space" && r, "VGL-1023")
		add((path == "/proc/sysrq-trigger" || path == "/proc/sys/kernel/sysrq") && w, "VGL-1024")
		add(path == "/proc/kcore" && r, "VGL-1025")
		add((path == "/proc/sched_debug" || path == "/sys/kernel/debug/sched/debug") && r, "VGL-1026")
		add((path == "/etc/shadow" || path == "/etc/gshadow") && !inSet(exe, shadowOK...), "VGL-1029")
		key := (strings.Contains(path, "/.ssh/") && goSSHKey.MatchString(path)) ||
			(strings.HasPrefix(path, "/etc/ssh/ssh_host_") && strings.HasSuffix(path, "_key"))
		add(key && !inSet(exe, sshTools...), "VGL-1030")
	case "process_vm_writev":
		pid, ok := g.num("pid")
		add(ok && pid != g.ctxInt(vigil.AttrProcessVPID), "VGL-1005")
	case "sched_process_exec":
		path := g.str("pathname")
		add(hasAnyPrefix(path, "memfd:", "/dev/shm/", "/run/shm/", "/dev/mqueue/"), "VGL-1006")
		preload := false
		if env := g.get(vigil.AttrArgPrefix + "env"); env.Type() == pcommon.ValueTypeSlice {
			for _, v := range env.Slice().All() {
				preload = preload || strings.HasPrefix(v.Str(), "LD_PRELOAD=")
			}
		}
		add(preload, "VGL-1007")
		add(strings.HasPrefix(baseName(path), "."), "VGL-1011")
	case "security_inode_rename":
		p := g.str("new_path")
		add(p == "/etc/ld.so.preload", "VGL-1007")
		add(strings.Contains(p, "/ld-") && goLoader.MatchString(p), "VGL-1008")
		add(sudoersPath(p) && !pkgManager(exe), "VGL-1017")
		add(cronPath(p) && !pkgManager(exe), "VGL-1018")
		add(rcPath(p) && !pkgManager(exe), "VGL-1019")
	case "init_module", "finit_module":
		add(true, "VGL-1009")
	case "security_kernel_read_file":
		add(g.str("type") == "kernel-module", "VGL-1009")
	case "magic_write":
		v := g.get(vigil.AttrArgPrefix + "bytes")
		elf := v.Type() == pcommon.ValueTypeBytes && strings.HasPrefix(string(v.Bytes().AsRaw()), "\x7fELF")
		add(elf && !hasAnyPrefix(g.str("pathname"), "/proc/", "/sys/") && !expectedELFWriter(exe), "VGL-1010")
	case "security_bprm_check":
		add(inSet(g.ctx(vigil.AttrExecutableName), webServers...) && inSet(baseName(g.str("pathname")), shells...), "VGL-1012")
	case "security_sb_mount":
		dev := g.str("dev_name")
		add(origin == vigil.OriginContainer && strings.HasPrefix(dev, "/dev/") && !strings.HasPrefix(dev, "/dev/shm"), "VGL-1013")
	case "security_socket_connect":
		addr := g.get(vigil.AttrArgPrefix + "remote_addr")
		family, sunPath := mapStr(addr, "sa_family"), mapStr(addr, "sun_path")
		add(origin == vigil.OriginContainer && runtimeSocket(sunPath), "VGL-1022")
		fd, _ := g.num("sockfd")
		add(fd >= 0 && fd <= 2 && (family == "AF_INET" || family == "AF_INET6"), "VGL-1027")
	case "socket_dup":
		family := mapStr(g.get(vigil.AttrArgPrefix+"remote_addr"), "sa_family")
		fd, ok := g.num("newfd")
		add(ok && fd >= 0 && fd <= 2 && (family == "AF_INET" || family == "AF_INET6"), "VGL-1027")
	case "mem_prot_alert":
		add(g.str("alert") == "Protection changed from W to E!", "VGL-1028")
	}
	// in id order: container_net's are VGL-1031..1049, files_accounts'
	// VGL-1050..1065
	dst = g.matchContainerNet(name, origin, exe, dst)
	return g.filesAccounts(name, exe, dst)
}
