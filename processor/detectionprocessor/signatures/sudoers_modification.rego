package tracee.VGL_1017

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1017",
	"version": "1.0.0",
	"name": "Sudoers modification",
	"eventName": "sudoers_modification",
	"description": "The sudo configuration was written or replaced, a way to grant root to any user.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Abuse Elevation Control Mechanism: Sudo and Sudo Caching",
		"external_id": "T1548.003",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

sudoers(path) {
	path == "/etc/sudoers"
}

sudoers(path) {
	startswith(path, "/etc/sudoers.d/")
}

# Default exception: the package manager writes the sudoers files of the
# packages it installs or upgrades; writes by any other program are reported.
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	sudoers(path)
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	not package_managers[input.executable.path]
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	sudoers(path)
	not package_managers[input.executable.path]
}
