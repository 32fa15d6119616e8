package tracee.VGL_1026

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1026",
	"version": "1.0.0",
	"name": "Scheduler debug file read",
	"eventName": "sched_debug_recon",
	"description": "A process read the scheduler's debug file, which lists every task on the host, even from inside a container.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Discovery: Container and Resource Discovery",
		"external_id": "T1613",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

sched_debug_files := {"/proc/sched_debug", "/sys/kernel/debug/sched/debug"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	sched_debug_files[path]
	helpers.is_file_read(helpers.get_tracee_argument("flags"))
}
