package tracee.VGL_1039

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1039",
	"version": "1.0.0",
	"name": "nsenter into pid 1's namespaces from a container",
	"eventName": "nsenter_host_init",
	"description": "nsenter ran in a container with pid 1 as its target. In a container that shares the host's pid namespace (hostPID) pid 1 is the host's init, and nsenter -t 1 -m -u -n -i gives a root shell on the host: the classic escape from a privileged pod.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

target_one(argv) {
	argv[i] == ["-t", "--target"][_]
	argv[i + 1] == "1"
}

target_one(argv) {
	argv[_] == ["-t1", "--target=1"][_]
}

tracee_match = {"target_pid": 1} {
	input.eventName == "sched_process_exec"
	input.processName == "nsenter"
	target_one(helpers.get_tracee_argument("argv"))
}
