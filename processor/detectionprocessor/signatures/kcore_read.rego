package tracee.VGL_1025

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1025",
	"version": "1.0.0",
	"name": "/proc/kcore read",
	"eventName": "kcore_read",
	"description": "A process read /proc/kcore, the kernel's memory, from which secrets of every process can be recovered.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Credential Access: OS Credential Dumping",
		"external_id": "T1003",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match {
	input.eventName == "security_file_open"
	helpers.get_tracee_argument("pathname") == "/proc/kcore"
	helpers.is_file_read(helpers.get_tracee_argument("flags"))
}
