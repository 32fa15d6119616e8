package detectionprocessor

import (
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
)

// The container_net built-ins (VGL-1031..VGL-1049) in baseline (b) of the
// benchmark, against the same attributes as goChecks.match.

var (
	goNetcatExec  = regexp.MustCompile(`^(-[a-zA-Z]*[ec][^-]*|--(sh-|lua-)?exec(=.*)?)$`)
	goStratum     = regexp.MustCompile(`stratum[12]?\+(tcp|ssl|tls)://`)
	goSocketCode  = regexp.MustCompile(`(?i)(socket|fsockopen|tcpsocket|net\.connect)`)
	goShellCode   = regexp.MustCompile(`(pty\.spawn|subprocess|dup2|exec|spawn|popen|/bin/(ba)?sh)`)
	goSecret      = regexp.MustCompile(`(?i)(BEGIN [A-Z ]*PRIVATE KEY|id_(rsa|dsa|ecdsa|ed25519)|aws_access_key_id|aws_secret_access_key|\.aws/credentials|\.docker/config\.json|application_default_credentials|\.kube/config)`)
	plainShells   = []string{"sh", "bash", "dash", "zsh", "ksh", "ash", "csh", "tcsh", "fish"}
	pkgManagers   = []string{"apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "microdnf", "rpm", "apk", "zypper", "pacman", "tdnf", "emerge"}
	k8sServiceIPs = []string{"10.96.0.1", "10.43.0.1", "10.100.0.1", "172.20.0.1", "10.0.0.1", "fd00:10:96::1"}
	k8sClients    = []string{"kubectl", "helm", "kubeadm", "k9s"}
	metadataIPs   = []string{"169.254.169.254", "fd00:ec2::254", "100.100.100.200"}
	guestAgents   = []string{"cloud-init", "amazon-ssm-agen", "ssm-agent-worke", "google_guest_ag", "google_metadata", "google_osconfig", "waagent", "aws-k8s-agent"}
	netcats       = []string{"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd"}
	miners        = []string{"xmrig", "xmr-stak", "xmr-stak-rx", "minerd", "cpuminer", "cpuminer-multi", "ccminer", "ethminer", "t-rex", "nbminer", "lolminer", "teamredminer", "nanominer", "srbminer-multi"}
	stratumPorts  = []string{"3333", "5555", "7777", "14433", "14444", "45560", "45700"}
	bpfLoaders    = []string{"systemd", "systemd-journald", "systemd-logind", "systemd-networkd", "systemd-resolved", "systemd-udevd",
		"runc", "crun", "containerd", "dockerd", "kubelet", "cilium-agent", "calico-node", "bpftool", "bpftrace",
		"tracee", "tracee-ebpf", "falco", "tetragon", "pixie", "vigilcol", "ip", "tc"}
	reconTools = []string{"nmap", "masscan", "zmap", "nping", "hping3", "rustscan", "naabu", "unicornscan",
		"tcpdump", "tshark", "dumpcap", "ngrep", "tcpflow", "ettercap", "dsniff", "arpspoof", "bettercap"}
	uffdUsers    = []string{"qemu-system-x86", "qemu-kvm", "criu", "firecracker"}
	tracers      = []string{"perf", "bpftrace", "bpftool", "crash", "systemtap", "stap", "tracee", "falco", "tetragon", "vigilcol", "kdump"}
	interpreters = []string{"python", "python2", "python3", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
		"perl", "ruby", "php", "php7.4", "php8.1", "php8.2", "php8.3", "node", "nodejs", "lua", "lua5.3", "lua5.4"}
	controlPlanePorts = []string{"10250", "10255", "2379", "2380"}
	searchTools       = []string{"grep", "egrep", "fgrep", "rg", "ag", "ack", "find", "locate", "plocate", "mlocate", "fd", "fdfind"}
)

func anyArg(argv []string, ok func(string) bool) bool {
	for _, a := range argv {
		if ok(a) {
			return true
		}
	}
	return false
}

// nsenterTargetsOne: VGL-1039's test of nsenter's argv.
func nsenterTargetsOne(argv []string) bool {
	for i, a := range argv {
		if a == "-t1" || a == "--target=1" || (a == "-t" || a == "--target") && i+1 < len(argv) && argv[i+1] == "1" {
			return true
		}
	}
	return false
}

// expectedBPFLoader: VGL-1040's default exceptions.
func expectedBPFLoader(exe string) bool {
	return hasAnyPrefix(exe, "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/systemd/", "/lib/systemd/", "/usr/local/bin/") &&
		inSet(baseName(exe), bpfLoaders...)
}

// matchContainerNet appends the container_net built-ins lr matches, in id
// order.
func (g goChecks) matchContainerNet(name, origin, exe string, dst []string) []string {
	comm := g.ctx(vigil.AttrExecutableName)
	inContainer := origin == vigil.OriginContainer
	add := func(ok bool, id string) {
		if ok {
			dst = append(dst, id)
		}
	}
	switch name {
	case "sched_process_exec":
		argv := g.strs("argv")
		add(inContainer && inSet(comm, plainShells...) && hasAnyPrefix(g.str("stdin_path"), "/dev/pts/", "/dev/tty", "/dev/console"), "VGL-1031")
		add(inContainer && inSet(comm, pkgManagers...), "VGL-1032")
		add(inContainer && inSet(comm, k8sClients...), "VGL-1033")
		add(!inSet(comm, guestAgents...) && anyArg(argv, func(a string) bool { return strings.Contains(a, "metadata.google.internal") }), "VGL-1034")
		add(inSet(comm, netcats...) && anyArg(argv, goNetcatExec.MatchString) ||
			comm == "socat" && anyArg(argv, func(a string) bool { return hasAnyPrefix(strings.ToUpper(a), "EXEC:", "SYSTEM:") }), "VGL-1035")
		add(inSet(comm, miners...) || anyArg(argv, func(a string) bool { return strings.Contains(a, "stratum") && goStratum.MatchString(a) }), "VGL-1036")
		add(inContainer && comm == "nsenter" && nsenterTargetsOne(argv), "VGL-1039")
		add(inSet(comm, "sh", "bash", "dash", "zsh", "ksh", "ash", "mksh") &&
			anyArg(argv, func(a string) bool { return strings.Contains(a, "/dev/tcp/") || strings.Contains(a, "/dev/udp/") }), "VGL-1042")
		add(inContainer && inSet(comm, reconTools...), "VGL-1044")
		add(inSet(comm, interpreters...) && anyArg(argv, func(a string) bool { return goSocketCode.MatchString(a) && goShellCode.MatchString(a) }), "VGL-1047")
		add(inSet(comm, searchTools...) && anyArg(argv, goSecret.MatchString), "VGL-1049")
	case "security_socket_connect":
		addr := g.get(vigil.AttrArgPrefix + "remote_addr")
		ip, port := mapStr(addr, "sin_addr"), mapStr(addr, "sin_port")
		if mapStr(addr, "sa_family") == "AF_INET6" {
			ip, port = mapStr(addr, "sin6_addr"), mapStr(addr, "sin6_port")
		}
		inet := ip != "" && port != ""
		add(inContainer && inet && (port == "6443" || port == "443" && inSet(ip, k8sServiceIPs...)), "VGL-1033")
		add(inSet(ip, metadataIPs...) && !inSet(comm, guestAgents...), "VGL-1034")
		add(inSet(port, stratumPorts...), "VGL-1037")
		add(inet && inSet(comm, plainShells...), "VGL-1043")
		add(inContainer && inSet(port, controlPlanePorts...), "VGL-1048")
	case "switch_task_ns":
		add(inContainer && !hasAnyPrefix(comm, "runc:", "crun:", "youki:"), "VGL-1038")
	case "security_bpf":
		add(g.str("cmd") == "BPF_PROG_LOAD" && !expectedBPFLoader(exe), "VGL-1040")
	case "bpf_attach":
		_, named := g.at.Get(vigil.AttrArgPrefix + "prog_name")
		add(named && !expectedBPFLoader(exe), "VGL-1040")
	case "magic_write":
		path := g.str("pathname")
		v := g.get(vigil.AttrArgPrefix + "bytes")
		elf := v.Type() == pcommon.ValueTypeBytes && strings.HasPrefix(string(v.Bytes().AsRaw()), "\x7fELF")
		add(elf && strings.Contains(path, "/.") && !anyArg([]string{"/.cache/", "/.cargo/", "/.rustup/", "/.local/share/", "/.git/"},
			func(d string) bool { return strings.Contains(path, d) }), "VGL-1041")
	case "userfaultfd":
		add(!inSet(comm, uffdUsers...), "VGL-1045")
	case "security_file_open":
		path := g.str("pathname")
		add(path == "/dev/userfaultfd" && !inSet(comm, uffdUsers...), "VGL-1045")
		add(path == "/proc/kallsyms" && !inSet(comm, tracers...), "VGL-1046")
	}
	return dst
}
