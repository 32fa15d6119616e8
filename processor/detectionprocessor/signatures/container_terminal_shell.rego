package tracee.VGL_1031

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1031",
	"version": "1.0.0",
	"name": "Terminal shell in a container",
	"eventName": "container_terminal_shell",
	"description": "A shell started in a container with its standard input on a terminal: someone is typing commands in it (docker exec -it, kubectl exec -it, or an attacker's shell).",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Execution: Command and Scripting Interpreter: Unix Shell",
		"external_id": "T1059.004",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

shells := {"sh", "bash", "dash", "zsh", "ksh", "ash", "csh", "tcsh", "fish"}

# sched_process_exec carries the path of fd 0: /dev/pts/N for a
# pseudo-terminal (the one docker and kubectl allocate), /dev/ttyN or
# /dev/console for a real one.
terminal_prefixes := ["/dev/pts/", "/dev/tty", "/dev/console"]

tracee_match = {"shell": input.processName, "stdin": stdin} {
	input.eventName == "sched_process_exec"
	shells[input.processName]
	stdin := helpers.get_tracee_argument("stdin_path")
	startswith(stdin, terminal_prefixes[_])
}
