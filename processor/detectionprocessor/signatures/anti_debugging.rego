package tracee.VGL_1001

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1001",
	"version": "1.0.0",
	"name": "Anti-debugging ptrace request",
	"eventName": "anti_debugging",
	"description": "A process called ptrace(PTRACE_TRACEME), which malware does so that no debugger can attach to it.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Defense Evasion: Debugger Evasion",
		"external_id": "T1622",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "ptrace", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match {
	input.eventName == "ptrace"
	helpers.get_tracee_argument("request") == "PTRACE_TRACEME"
}
