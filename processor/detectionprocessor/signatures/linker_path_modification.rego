package tracee.VGL_1064

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1064",
	"version": "1.0.0",
	"name": "Dynamic linker search path modified",
	"eventName": "linker_path_modification",
	"description": "/etc/ld.so.conf or a file in /etc/ld.so.conf.d was written or replaced: a directory of the writer's put first in the search for every program's shared libraries. /etc/ld.so.preload is VGL-1007's.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Hijack Execution Flow: Dynamic Linker Hijacking",
		"external_id": "T1574.006",
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
	startswith(path, "/etc/ld.so.conf")
}

# Default exception: the package manager writes the configuration of the
# libraries it installs.
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
