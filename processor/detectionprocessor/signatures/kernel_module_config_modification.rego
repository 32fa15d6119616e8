package tracee.VGL_1063

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1063",
	"version": "1.0.0",
	"name": "Kernel module configuration modified",
	"eventName": "kernel_module_config_modification",
	"description": "A file naming kernel modules to load at boot (/etc/modules, modules-load.d) or their options and aliases (modprobe.d) was written or replaced: a rootkit module made persistent.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Boot or Logon Autostart Execution: Kernel Modules and Extensions",
		"external_id": "T1547.006",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

module_config_prefixes := [
	"/etc/modules", "/etc/modprobe.d/", "/etc/modprobe.conf", "/run/modules-load.d/", "/run/modprobe.d/",
	"/usr/lib/modules-load.d/", "/usr/lib/modprobe.d/", "/lib/modules-load.d/", "/lib/modprobe.d/",
]

watched(path) {
	startswith(path, module_config_prefixes[_])
}

# Default exception: the package manager writes the configuration of the
# packages it installs or upgrades.
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
