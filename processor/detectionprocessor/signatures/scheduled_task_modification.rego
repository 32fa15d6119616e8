package tracee.VGL_1018

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1018",
	"version": "1.0.0",
	"name": "Scheduled task modification",
	"eventName": "scheduled_task_modification",
	"description": "A cron table was written or replaced, a common way to persist.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Scheduled Task/Job: Cron",
		"external_id": "T1053.003",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

cron_prefixes := ["/etc/cron", "/var/spool/cron/", "/etc/anacrontab", "/var/spool/anacron/"]

cron(path) {
	startswith(path, cron_prefixes[_])
}

# Default exception: the package manager writes the cron tables of the
# packages it installs or upgrades; writes by any other program are reported.
package_managers := {"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	cron(path)
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	not package_managers[input.executable.path]
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	cron(path)
	not package_managers[input.executable.path]
}
