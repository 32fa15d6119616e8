package tracee.VGL_1053

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1053",
	"version": "1.0.0",
	"name": "System log wiped",
	"eventName": "log_wiping",
	"description": "A system log or journal file was deleted, truncated or moved away by a program that does not manage logs. Emptying a log by opening it with O_TRUNC is not seen: the open's flags keep no O_TRUNC, and do_truncate needs a kprobe.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Indicator Removal: Clear Linux or Mac System Logs",
		"external_id": "T1070.002",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_inode_unlink", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
	{"source": "tracee", "name": "truncate", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

log_prefixes := ["/var/log/", "/run/log/journal/"]

log_file(path) {
	startswith(path, log_prefixes[_])
}

# Default exceptions: log rotation, the logging daemons, journal vacuuming,
# tmpfiles clean-up and package managers, when run from a system directory.
log_managers := {
	"logrotate", "systemd-journald", "journalctl", "rsyslogd", "syslog-ng", "systemd-tmpfiles",
	"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk",
}

system_dirs := ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/systemd/", "/lib/systemd/"]

log_manager {
	path := input.executable.path
	startswith(path, system_dirs[_])
	parts := split(path, "/")
	log_managers[parts[count(parts) - 1]]
}

tracee_match = {"path": path, "operation": "unlink"} {
	input.eventName == "security_inode_unlink"
	path := helpers.get_tracee_argument("pathname")
	log_file(path)
	not log_manager
}

# Moved out of the log directories; a rename within them is rotation.
tracee_match = {"path": path, "operation": "rename"} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("old_path")
	log_file(path)
	not log_file(helpers.get_tracee_argument("new_path"))
	not log_manager
}

# truncate's path is as the caller wrote it: absolute paths are matched.
tracee_match = {"path": path, "operation": "truncate"} {
	input.eventName == "truncate"
	path := helpers.get_tracee_argument("path")
	log_file(path)
	not log_manager
}
