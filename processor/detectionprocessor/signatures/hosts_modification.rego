package tracee.VGL_1062

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1062",
	"version": "1.0.0",
	"name": "Hosts file modified",
	"eventName": "hosts_modification",
	"description": "/etc/hosts was written or replaced: names resolved to addresses of someone's choosing, bypassing DNS.",
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

watched(path) {
	path == "/etc/hosts"
}

# Default exception: the package manager (netbase ships the file).
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
