package tracee.VGL_1059

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1059",
	"version": "1.0.0",
	"name": "PAM configuration or module modified",
	"eventName": "pam_modification",
	"description": "The PAM configuration (/etc/pam.d, /etc/pam.conf, /etc/security) or a PAM module was written or replaced: a way to accept any password or record the ones typed. pam-auth-update runs as perl and is reported: except it in the processor's configuration if it is run.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Credential Access: Modify Authentication Process: Pluggable Authentication Modules",
		"external_id": "T1556.003",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

pam_config_prefixes := ["/etc/pam.d/", "/etc/pam.conf", "/etc/security/"]

pam(path) {
	startswith(path, pam_config_prefixes[_])
}

# The modules: /lib/security, /lib64/security, /usr/lib/x86_64-linux-gnu/security...
pam(path) {
	contains(path, "/security/pam_")
	regex.match(`^(/usr)?/lib[^/]*/([^/]+/)?security/pam_[^/]*\.so$`, path)
}

# Default exception: the package manager writes the PAM files of the
# packages it installs or upgrades; writes by any other program are reported.
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	pam(path)
	not package_managers[input.executable.path]
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	pam(path)
	not package_managers[input.executable.path]
}
