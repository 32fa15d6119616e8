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

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	cron(path)
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	cron(path)
}
