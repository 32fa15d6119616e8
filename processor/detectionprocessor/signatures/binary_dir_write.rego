package tracee.VGL_1051

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1051",
	"version": "1.0.0",
	"name": "Write into a binary directory",
	"eventName": "binary_dir_write",
	"description": "A file in a directory of programs on the default PATH (/bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin) was written or replaced by a program other than a package manager: a trojaned or planted command.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Compromise Host Software Binary",
		"external_id": "T1554",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# Library directories are left out: language package managers and caches
# write below /usr/lib all day, and the loader itself is VGL-1008's.
binary_dirs := ["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/"]

binary_dir(path) {
	startswith(path, binary_dirs[_])
}

# Default exception: package managers (pip installs console scripts into
# /usr/local/bin) when run from a binary directory, by the file name up to
# its first dot (pip3.11).
package_managers := {"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk", "pip", "pip3", "snapd"}

package_manager {
	path := input.executable.path
	startswith(path, binary_dirs[_])
	parts := split(path, "/")
	package_managers[split(parts[count(parts) - 1], ".")[0]]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	binary_dir(path)
	not package_manager
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	binary_dir(path)
	not package_manager
}
