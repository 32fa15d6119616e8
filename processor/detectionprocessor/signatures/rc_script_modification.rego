package tracee.VGL_1019

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1019",
	"version": "1.0.0",
	"name": "Init script modification",
	"eventName": "rc_script_modification",
	"description": "An rc or init.d script was written or replaced; it runs as root at boot.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Boot or Logon Initialization Scripts: RC Scripts",
		"external_id": "T1037.004",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

rc_script(path) {
	path == "/etc/rc.local"
}

rc_script(path) {
	startswith(path, "/etc/init.d/")
}

rc_script(path) {
	startswith(path, "/etc/rc")
	regex.match(`^/etc/rc\.d/|^/etc/rc[0-6S]\.d/`, path)
}

# Default exception: the package manager writes the init scripts of the
# packages it installs or upgrades; writes by any other program are reported.
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	rc_script(path)
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	not package_managers[input.executable.path]
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	rc_script(path)
	not package_managers[input.executable.path]
}
