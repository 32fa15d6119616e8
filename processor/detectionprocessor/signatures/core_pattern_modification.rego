package tracee.VGL_1016

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1016",
	"version": "1.0.0",
	"name": "Core dump pattern modification",
	"eventName": "core_pattern_modification",
	"description": "/proc/sys/kernel/core_pattern was written; a pipe there makes the kernel run a program as root on every crash.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
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
	path == "/proc/sys/kernel/core_pattern"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}
