package tracee.VGL_1014

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1014",
	"version": "1.0.0",
	"name": "Cgroup release_agent modification",
	"eventName": "cgroup_release_agent",
	"description": "A cgroup release_agent file was written; the kernel runs that program as root on the host, a known container escape.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	endswith(path, "/release_agent")
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}
