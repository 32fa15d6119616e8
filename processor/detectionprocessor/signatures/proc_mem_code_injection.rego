package tracee.VGL_1003

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1003",
	"version": "1.0.0",
	"name": "Code injection through /proc/<pid>/mem",
	"eventName": "proc_mem_code_injection",
	"description": "A process opened another process's /proc/<pid>/mem for writing, which lets it overwrite that process's code.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Process Injection: Proc Memory",
		"external_id": "T1055.009",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

proc_mem(path) {
	startswith(path, "/proc/")
	endswith(path, "/mem")
	regex.match(`^/proc/(self|[0-9]+)(/task/[0-9]+)?/mem$`, path)
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	proc_mem(path)
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}
