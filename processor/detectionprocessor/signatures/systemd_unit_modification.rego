package tracee.VGL_1060

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1060",
	"version": "1.0.0",
	"name": "Systemd unit created or modified",
	"eventName": "systemd_unit_modification",
	"description": "A systemd unit file or drop-in was written or replaced in a directory systemd loads units from (system or user): a service that starts at boot or on a timer.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Create or Modify System Process: Systemd Service",
		"external_id": "T1543.002",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

unit_prefixes := [
	"/etc/systemd/system/", "/etc/systemd/user/", "/run/systemd/system/", "/run/systemd/user/",
	"/usr/lib/systemd/system/", "/usr/lib/systemd/user/", "/lib/systemd/system/", "/lib/systemd/user/",
	"/usr/local/lib/systemd/system/",
]

watched(path) {
	startswith(path, unit_prefixes[_])
}

# A user's own units.
watched(path) {
	contains(path, "/.config/systemd/user/")
}

# Default exception: package managers, and systemd itself, which writes the
# transient units of systemd-run below /run/systemd.
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

expected_writer {
	package_managers[input.executable.path]
}

expected_writer {
	input.executable.path == {"/usr/lib/systemd/systemd", "/lib/systemd/systemd"}[_]
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
