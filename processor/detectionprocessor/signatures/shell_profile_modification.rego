package tracee.VGL_1061

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1061",
	"version": "1.0.0",
	"name": "Shell profile modified",
	"eventName": "shell_profile_modification",
	"description": "A shell start-up file was written or replaced, system-wide (/etc/profile, /etc/profile.d, /etc/bash.bashrc, /etc/zsh) or in a home (.bashrc, .profile, .zshrc...): commands that run at every login.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Persistence: Event Triggered Execution: Unix Shell Configuration Modification",
		"external_id": "T1546.004",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

system_profile_prefixes := ["/etc/profile", "/etc/bash.bashrc", "/etc/bashrc", "/etc/zsh", "/etc/environment"]

watched(path) {
	startswith(path, system_profile_prefixes[_])
}

home_profiles := [
	"/.bashrc", "/.bash_profile", "/.bash_login", "/.bash_logout", "/.profile",
	"/.zshrc", "/.zprofile", "/.zshenv", "/.zlogin", "/.zlogout",
]

watched(path) {
	endswith(path, home_profiles[_])
}

# Default exception: package managers, and useradd, which copies /etc/skel
# into a new home.
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

expected_writer {
	package_managers[input.executable.path]
}

expected_writer {
	input.executable.path == {"/usr/sbin/useradd", "/sbin/useradd"}[_]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	watched(path)
	not expected_writer
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	watched(path)
	not expected_writer
}
