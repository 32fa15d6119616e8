package tracee.VGL_1052

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1052",
	"version": "1.0.0",
	"name": "SSH server configuration modified",
	"eventName": "sshd_config_modification",
	"description": "The SSH server's configuration (/etc/ssh/sshd_config, sshd_config.d) was written or replaced: root login or password authentication turned on, or another authorized keys file named.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Credential Access: Modify Authentication Process",
		"external_id": "T1556",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

watched(path) {
	startswith(path, "/etc/ssh/sshd_config")
}

# Default exception: the package manager (and ucf, which it runs as a shell
# script, is reported: except it in the processor's configuration).
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

expected_writer {
	package_managers[input.executable.path]
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
