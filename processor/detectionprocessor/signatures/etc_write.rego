package tracee.VGL_1050

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1050",
	"version": "1.0.0",
	"name": "Write below /etc",
	"eventName": "etc_write",
	"description": "A file below /etc was written or replaced by a program that does not manage the system's configuration.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Impact: Data Manipulation: Stored Data Manipulation",
		"external_id": "T1565.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# Files a more specific built-in reports (sudoers, cron, init scripts,
# ld.so.preload, the account databases, PAM, systemd units, shell profiles,
# hosts, kernel module, linker and SSH server configuration): one detection
# per write.
specific_prefixes := [
	"/etc/sudoers", "/etc/cron", "/etc/anacrontab", "/etc/init.d/", "/etc/rc",
	"/etc/ld.so.preload", "/etc/ld.so.conf", "/etc/passwd", "/etc/group", "/etc/shadow",
	"/etc/gshadow", "/etc/subuid", "/etc/subgid", "/etc/pam.d/", "/etc/pam.conf", "/etc/security/",
	"/etc/systemd/system/", "/etc/systemd/user/", "/etc/profile", "/etc/bash.bashrc", "/etc/bashrc",
	"/etc/zsh", "/etc/environment", "/etc/modules", "/etc/modprobe.d/", "/etc/ssh/sshd_config",
]

specific(path) {
	startswith(path, specific_prefixes[_])
}

specific(path) {
	path == "/etc/hosts"
}

# Left out: DHCP clients and resolvconf's hooks, shell scripts, rewrite the
# resolver configuration whenever a lease changes.
specific(path) {
	path == "/etc/resolv.conf"
}

# Default exceptions: the programs whose job is writing /etc — package
# managers, ldconfig (ld.so.cache), update-alternatives, systemd and its
# tools, network configuration daemons, the shadow utilities — when run from
# a system directory. A copy of one elsewhere is still reported.
config_writers := {
	"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk", "ldconfig", "ldconfig.real",
	"update-alternatives", "systemd", "systemctl", "systemd-sysusers", "systemd-machine-id-setup",
	"systemd-tmpfiles", "systemd-resolved", "NetworkManager", "dhclient", "useradd", "usermod",
	"userdel", "groupadd", "groupmod", "groupdel", "passwd", "chpasswd", "gpasswd",
}

system_dirs := ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/libexec/"]

expected_writer {
	path := input.executable.path
	startswith(path, system_dirs[_])
	parts := split(path, "/")
	config_writers[parts[count(parts) - 1]]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	startswith(path, "/etc/")
	not specific(path)
	not expected_writer
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	startswith(path, "/etc/")
	not specific(path)
	not expected_writer
}
