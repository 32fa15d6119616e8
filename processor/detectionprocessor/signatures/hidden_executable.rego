package tracee.VGL_1011

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1011",
	"version": "1.0.0",
	"name": "Hidden executable run",
	"eventName": "hidden_executable",
	"description": "A program whose file name starts with a dot was run; hiding the file is a sign of malware.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Hide Artifacts: Hidden Files and Directories",
		"external_id": "T1564.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"path": path} {
	input.eventName == "sched_process_exec"
	path := helpers.get_tracee_argument("pathname")
	contains(path, "/.")
	parts := split(path, "/")
	startswith(parts[count(parts) - 1], ".")
}
