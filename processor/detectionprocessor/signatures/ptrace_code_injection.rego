package tracee.VGL_1002

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1002",
	"version": "1.0.0",
	"name": "Code injection with ptrace",
	"eventName": "ptrace_code_injection",
	"description": "A process wrote into another process's memory with ptrace POKETEXT or POKEDATA, a way to inject code.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Process Injection: Ptrace System Calls",
		"external_id": "T1055.008",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "ptrace", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

injection_requests := {"PTRACE_POKETEXT", "PTRACE_POKEDATA"}

tracee_match = {"request": request, "target_pid": pid} {
	input.eventName == "ptrace"
	request := helpers.get_tracee_argument("request")
	injection_requests[request]
	pid := helpers.get_tracee_argument("pid")
}
