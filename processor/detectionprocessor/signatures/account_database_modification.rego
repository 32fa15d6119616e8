package tracee.VGL_1055

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1055",
	"version": "1.0.0",
	"name": "User or group database modified",
	"eventName": "account_database_modification",
	"description": "/etc/passwd, /etc/group, /etc/shadow, /etc/gshadow, /etc/subuid or /etc/subgid was written or replaced by a program other than the account management tools: an account or group added or changed by hand.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Persistence: Create Account: Local Account",
		"external_id": "T1136.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# The databases themselves; their backups (/etc/passwd-) and lock files are
# not the accounts in force.
account_databases := {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/subuid", "/etc/subgid"}

# Default exception: the shadow utilities, systemd-sysusers and Debian's
# update-passwd, when run from a system directory.
account_tools := {
	"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd", "passwd",
	"chpasswd", "chgpasswd", "chage", "chfn", "chsh", "newusers", "vipw", "vigr", "pwconv",
	"pwunconv", "grpconv", "grpunconv", "pwck", "grpck", "systemd-sysusers", "update-passwd",
}

system_dirs := ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"]

account_tool {
	path := input.executable.path
	startswith(path, system_dirs[_])
	parts := split(path, "/")
	account_tools[parts[count(parts) - 1]]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	account_databases[path]
	not account_tool
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	account_databases[path]
	not account_tool
}
