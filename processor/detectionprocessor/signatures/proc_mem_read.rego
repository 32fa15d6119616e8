package tracee.VGL_1004

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1004",
	"version": "1.0.0",
	"name": "Memory of another process read through /proc/<pid>/mem",
	"eventName": "proc_mem_read",
	"description": "A process opened the memory of another process for reading, as credential dumpers do to lift secrets from it.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Credential Access: OS Credential Dumping: Proc Filesystem",
		"external_id": "T1003.007",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	startswith(path, "/proc/")
	endswith(path, "/mem")
	parts := split(path, "/")
	count(parts) == 4
	to_number(parts[2]) != input.processId
	helpers.is_file_read(helpers.get_tracee_argument("flags"))
}
