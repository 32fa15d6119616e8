package tracee.VGL_1038

__rego_metadoc__ := {
	"id": "VGL-1038",
	"version": "1.0.0",
	"name": "Namespace changed inside a container",
	"eventName": "container_namespace_switch",
	"description": "A process in a running container called setns or unshare: it joined another process's namespaces (nsenter) or made new ones, which container workloads do not need and escapes start with. The container runtime's own init (runc:[...], joining the namespaces of an exec) is excepted.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "switch_task_ns", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

runtime_init_prefixes := ["runc:", "crun:", "youki:"]

runtime_init {
	startswith(input.processName, runtime_init_prefixes[_])
}

tracee_match = {"process": input.processName} {
	input.eventName == "switch_task_ns"
	not runtime_init
}
