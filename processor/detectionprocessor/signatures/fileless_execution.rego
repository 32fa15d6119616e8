package tracee.VGL_1006

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1006",
	"version": "1.0.0",
	"name": "Fileless execution",
	"eventName": "fileless_execution",
	"description": "A program ran from memory (a memfd) or from a shared memory file system (/dev/shm, /run/shm, /dev/mqueue), leaving no file on disk.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Reflective Code Loading",
		"external_id": "T1620",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

memory_prefixes := ["memfd:", "/dev/shm/", "/run/shm/", "/dev/mqueue/"]

tracee_match = {"path": path} {
	input.eventName == "sched_process_exec"
	path := helpers.get_tracee_argument("pathname")
	startswith(path, memory_prefixes[_])
}
