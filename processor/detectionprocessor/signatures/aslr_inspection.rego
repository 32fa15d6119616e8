package tracee.VGL_1023

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1023",
	"version": "1.0.0",
	"name": "ASLR inspection",
	"eventName": "aslr_inspection",
	"description": "A process read the ASLR setting, which exploits check before they try their luck.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Privilege Escalation: Exploitation for Privilege Escalation",
		"external_id": "T1068",
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
	helpers.get_tracee_argument("pathname") == "/proc/sys/kernel/randomize_va_space"
	helpers.is_file_read(helpers.get_tracee_argument("flags"))
}
