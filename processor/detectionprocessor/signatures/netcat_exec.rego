package tracee.VGL_1035

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1035",
	"version": "1.0.0",
	"name": "Netcat or socat running a program",
	"eventName": "netcat_exec",
	"description": "netcat, ncat or socat was started to run a program with its input and output on the connection (nc -e/-c, ncat --exec/--sh-exec/--lua-exec, socat EXEC:/SYSTEM:): a bind or reverse shell.",
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

netcats := {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd"}

# -e and -c run a program in the traditional netcat, ncat and busybox's nc,
# also run together with other options or glued to their value (-lve,
# -e/bin/sh); ncat also spells them out (--exec, --sh-exec=...).
netcat_exec(arg) {
	regex.match(`^(-[a-zA-Z]*[ec][^-]*|--(sh-|lua-)?exec(=.*)?)$`, arg)
}

socat_exec(arg) {
	addr := upper(arg)
	startswith(addr, ["EXEC:", "SYSTEM:"][_])
}

# The match names the whole command line, the same whichever of its
# arguments matched: a complete rule must have one value.
tracee_match = {"program": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	netcats[input.processName]
	argv := helpers.get_tracee_argument("argv")
	netcat_exec(argv[_])
}

tracee_match = {"program": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	input.processName == "socat"
	argv := helpers.get_tracee_argument("argv")
	socat_exec(argv[_])
}
