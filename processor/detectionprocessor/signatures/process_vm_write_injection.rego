package tracee.VGL_1005

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1005",
	"version": "1.0.0",
	"name": "Code injection with process_vm_writev",
	"eventName": "process_vm_write_injection",
	"description": "A process wrote into the memory of another process with process_vm_writev.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Process Injection",
		"external_id": "T1055",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "process_vm_writev", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"target_pid": pid} {
	input.eventName == "process_vm_writev"
	pid := helpers.get_tracee_argument("pid")
	pid != input.processId
}
