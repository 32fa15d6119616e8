package tracee.VGL_1047

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1047",
	"version": "1.0.0",
	"name": "Reverse shell one-liner in a script interpreter",
	"eventName": "interpreter_reverse_shell",
	"description": "Python, Perl, Ruby, PHP, Node.js or Lua was started with code in its command line that both opens a socket and runs a shell or duplicates descriptors onto it (socket with pty.spawn, os.dup2, subprocess, exec): the interpreter forms of a reverse shell.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Execution: Command and Scripting Interpreter",
		"external_id": "T1059",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

interpreters := {
	"python", "python2", "python3", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
	"perl", "ruby", "php", "php7.4", "php8.1", "php8.2", "php8.3", "node", "nodejs", "lua", "lua5.3", "lua5.4",
}

socket_pattern := `(?i)(socket|fsockopen|tcpsocket|net\.connect)`

shell_pattern := `(pty\.spawn|subprocess|dup2|exec|spawn|popen|/bin/(ba)?sh)`

# The match names the whole command line: the same whichever argument
# holds the code.
tracee_match = {"interpreter": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	interpreters[input.processName]
	argv := helpers.get_tracee_argument("argv")
	code := argv[_]
	regex.match(socket_pattern, code)
	regex.match(shell_pattern, code)
}
