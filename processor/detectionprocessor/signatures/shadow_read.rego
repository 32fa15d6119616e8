package tracee.VGL_1029

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1029",
	"version": "1.0.0",
	"name": "Password hashes read",
	"eventName": "shadow_read",
	"description": "A program other than the system's own authentication tools read /etc/shadow or /etc/gshadow.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Credential Access: OS Credential Dumping: /etc/passwd and /etc/shadow",
		"external_id": "T1003.008",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

shadow_files := {"/etc/shadow", "/etc/gshadow"}

system_readers := {
	"/usr/bin/passwd", "/usr/bin/chage", "/usr/bin/chsh", "/usr/bin/chfn", "/usr/bin/gpasswd", "/usr/bin/newgrp",
	"/usr/bin/expiry", "/usr/bin/login", "/usr/bin/su", "/usr/bin/sudo", "/usr/sbin/unix_chkpwd", "/usr/sbin/sshd",
	"/usr/sbin/chpasswd", "/usr/sbin/useradd", "/usr/sbin/usermod", "/usr/sbin/userdel", "/usr/sbin/groupadd",
	"/usr/sbin/groupmod", "/usr/sbin/groupdel", "/usr/sbin/pwck", "/usr/sbin/grpck", "/usr/sbin/cron",
	"/usr/lib/systemd/systemd", "/usr/lib/systemd/systemd-logind", "/usr/lib/systemd/systemd-userdbd",
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	shadow_files[path]
	not system_readers[input.executable.path]
}
