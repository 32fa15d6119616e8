package detectionprocessor

import (
	"regexp"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	vigil "github.com/vigil-sec/vigil"
)

// The files_accounts signatures (VGL-1050 .. VGL-1065) hand-written in Go
// for baseline (b) of the benchmark, with their default exceptions.

var (
	etcSpecific = []string{
		"/etc/sudoers", "/etc/cron", "/etc/anacrontab", "/etc/init.d/", "/etc/rc",
		"/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/passwd", "/etc/group", "/etc/shadow",
		"/etc/gshadow", "/etc/subuid", "/etc/subgid", "/etc/pam.d/", "/etc/pam.conf", "/etc/security/",
		"/etc/systemd/system/", "/etc/systemd/user/", "/etc/profile", "/etc/bash.bashrc", "/etc/bashrc",
		"/etc/zsh", "/etc/environment", "/etc/modules", "/etc/modprobe.d/", "/etc/ssh/sshd_config",
	}
	configWriters = []string{
		"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk", "ldconfig", "ldconfig.real",
		"update-alternatives", "systemd", "systemctl", "systemd-sysusers", "systemd-machine-id-setup",
		"systemd-tmpfiles", "systemd-resolved", "NetworkManager", "dhclient", "useradd", "usermod",
		"userdel", "groupadd", "groupmod", "groupdel", "passwd", "chpasswd", "gpasswd",
	}
	binaryDirs    = []string{"/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"}
	binInstallers = []string{"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk", "pip", "pip3", "snapd"}
	logManagers   = []string{
		"logrotate", "systemd-journald", "journalctl", "rsyslogd", "syslog-ng", "systemd-tmpfiles",
		"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk",
	}
	historyFiles = []string{
		".bash_history", ".zsh_history", ".sh_history", ".ash_history", ".history", "fish_history",
		".python_history", ".mysql_history", ".psql_history", ".sqlite_history", ".node_repl_history",
	}
	historyWriters = []string{
		"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "busybox",
		"python3", "python", "mysql", "mariadb", "psql", "sqlite3", "node",
	}
	accountDatabases = []string{"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid"}
	accountEditors   = []string{
		"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "passwd",
		"chpasswd", "chgpasswd", "chage", "chfn", "chsh", "newusers", "vipw", "vigr", "pwconv",
		"pwunconv", "grpconv", "grpunconv", "pwck", "grpck", "systemd-sysusers", "update-passwd",
	}
	accountTools = []string{
		"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "adduser",
		"deluser", "addgroup", "delgroup", "chpasswd", "chgpasswd", "newusers",
	}
	unitDirs = []string{
		"/etc/systemd/system/", "/etc/systemd/user/", "/run/systemd/system/", "/run/systemd/user/",
		"/usr/lib/systemd/system/", "/usr/lib/systemd/user/", "/lib/systemd/system/", "/lib/systemd/user/",
		"/usr/local/lib/systemd/system/",
	}
	homeProfiles = []string{
		".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile",
		".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout",
	}
	moduleConfigs = []string{
		"/etc/modules", "/etc/modprobe.d/", "/etc/modprobe.conf", "/run/modules-load.d/", "/run/modprobe.d/",
		"/usr/lib/modules-load.d/", "/usr/lib/modprobe.d/", "/lib/modules-load.d/", "/lib/modprobe.d/",
	}
	securityServices = []string{
		"auditd", "rsyslog", "syslog", "syslog-ng", "systemd-journald", "apparmor", "falco",
		"tracee", "tetragon", "osqueryd", "wazuh-agent", "vigil", "vigilcol",
	}
	stopVerbs = []string{"stop", "disable", "mask", "kill"}
	goPAMLib  = regexp.MustCompile(`^(/usr)?/lib[^/]*/([^/]+/)?security/pam_[^/]*\.so$`)
)

// inDirsNamed reports whether exe is in one of dirs and its file name, up
// to its first dot when upToDot, is one of names.
func inDirsNamed(exe string, dirs []string, upToDot bool, names ...string) bool {
	if !hasAnyPrefix(exe, dirs...) {
		return false
	}
	name := baseName(exe)
	if upToDot {
		name, _, _ = strings.Cut(name, ".")
	}
	return inSet(name, names...)
}

var (
	sysBinDirs       = []string{"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}
	configWriterDirs = []string{"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/libexec/"}
	logManagerDirs   = []string{"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/systemd/", "/lib/systemd/"}
)

// filesAccounts appends the files_accounts signatures a record of the event
// name (its executable exe) matches, in id order.
func (g goChecks) filesAccounts(name, exe string, dst []string) []string {
	add := func(ok bool, id string) {
		if ok {
			dst = append(dst, id)
		}
	}
	// written: a file opened for writing, or the target of a rename
	written := ""
	switch name {
	case "security_file_open":
		if isWrite(g.str("flags")) {
			written = g.str("pathname")
		}
	case "security_inode_rename":
		written = g.str("new_path")
	}
	if written != "" {
		p := written
		add(strings.HasPrefix(p, "/etc/") && !hasAnyPrefix(p, etcSpecific...) && p != "/etc/hosts" && p != "/etc/resolv.conf" &&
			!inDirsNamed(exe, configWriterDirs, false, configWriters...), "VGL-1050")
		add(hasAnyPrefix(p, binaryDirs...) && !inDirsNamed(exe, binaryDirs, true, binInstallers...), "VGL-1051")
		add(strings.HasPrefix(p, "/etc/ssh/sshd_config") && !pkgManager(exe), "VGL-1052")
	}
	switch name {
	case "security_inode_unlink", "security_inode_rename", "truncate":
		arg := map[string]string{"security_inode_unlink": "pathname", "security_inode_rename": "old_path", "truncate": "path"}[name]
		logs := []string{"/var/log/", "/run/log/journal/"}
		moved := name == "security_inode_rename" && hasAnyPrefix(g.str("new_path"), logs...)
		add(hasAnyPrefix(g.str(arg), logs...) && !moved &&
			!inDirsNamed(exe, logManagerDirs, false, logManagers...), "VGL-1053")
	}
	history := func(p string) bool { return inSet(baseName(p), historyFiles...) }
	switch name {
	case "security_inode_unlink":
		add(history(g.str("pathname")), "VGL-1054")
	case "truncate":
		add(history(g.str("path")), "VGL-1054")
	case "security_file_open":
		writer, _, _ := strings.Cut(baseName(exe), ".")
		add(written != "" && history(written) && !inSet(writer, historyWriters...), "VGL-1054")
	case "symlink", "symlinkat":
		add(g.str("oldname") == "/dev/null" && history(g.str("newname")), "VGL-1054")
	}
	if written != "" {
		p := written
		add(inSet(p, accountDatabases...) && !inDirsNamed(exe, sysBinDirs, false, accountEditors...), "VGL-1055")
	}
	if name == "sched_process_exec" {
		add(inSet(baseName(g.str("pathname")), accountTools...), "VGL-1056")
	}
	if written != "" {
		p := written
		add(strings.Contains(p, "/.ssh/authorized_keys"), "VGL-1057")
	}
	if name == "chmod" || name == "fchmod" || name == "fchmodat" {
		mode := g.str("mode")
		add((strings.Contains(mode, "S_ISUID") || strings.Contains(mode, "S_ISGID")) && !pkgManager(exe) &&
			!inSet(exe, "/usr/bin/systemd-tmpfiles", "/bin/systemd-tmpfiles"), "VGL-1058")
	}
	if written != "" {
		p := written
		add((hasAnyPrefix(p, "/etc/pam.d/", "/etc/pam.conf", "/etc/security/") || goPAMLib.MatchString(p)) && !pkgManager(exe), "VGL-1059")
		add((hasAnyPrefix(p, unitDirs...) || strings.Contains(p, "/.config/systemd/user/")) && !pkgManager(exe) &&
			!inSet(exe, "/usr/lib/systemd/systemd", "/lib/systemd/systemd"), "VGL-1060")
		profile := hasAnyPrefix(p, "/etc/profile", "/etc/bash.bashrc", "/etc/bashrc", "/etc/zsh", "/etc/environment") ||
			(strings.Contains(p, "/.") && inSet(baseName(p), homeProfiles...))
		add(profile && !pkgManager(exe) && !inSet(exe, "/usr/sbin/useradd", "/sbin/useradd"), "VGL-1061")
		add(p == "/etc/hosts" && !pkgManager(exe), "VGL-1062")
		add(hasAnyPrefix(p, moduleConfigs...) && !pkgManager(exe), "VGL-1063")
		add(strings.HasPrefix(p, "/etc/ld.so.conf") && !pkgManager(exe), "VGL-1064")
	}
	if name == "sched_process_exec" {
		add(disablesDefences(baseName(g.str("pathname")), g.strs("argv")), "VGL-1065")
	}
	return dst
}

// strs returns a string array argument (argv), or nil.
func (g goChecks) strs(name string) []string {
	v := g.get(vigil.AttrArgPrefix + name)
	if v.Type() != pcommon.ValueTypeSlice {
		return nil
	}
	out := make([]string, 0, v.Slice().Len())
	for _, e := range v.Slice().All() {
		out = append(out, e.Str())
	}
	return out
}

// disablesDefences is VGL-1065's test of a command line.
func disablesDefences(tool string, argv []string) bool {
	at := func(i int) string {
		if i < len(argv) {
			return argv[i]
		}
		return ""
	}
	switch tool {
	case "setenforce":
		return inSet(at(1), "0", "permissive", "Permissive")
	case "auditctl":
		for i, a := range argv {
			if a == "-D" || (a == "-e" && at(i+1) == "0") {
				return true
			}
		}
	case "systemctl":
		for i, a := range argv {
			if !inSet(a, stopVerbs...) {
				continue
			}
			for _, u := range argv[i+1:] {
				if inSet(strings.TrimSuffix(u, ".service"), securityServices...) {
					return true
				}
			}
		}
	case "service":
		return inSet(at(1), securityServices...) && inSet(at(2), stopVerbs...)
	}
	return false
}
