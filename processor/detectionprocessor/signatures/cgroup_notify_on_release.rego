package tracee.VGL_1015

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1015",
	"version": "1.0.0",
	"name": "Cgroup notify_on_release modification from a container",
	"eventName": "cgroup_notify_on_release",
	"description": "A container wrote a cgroup notify_on_release file, the trigger of the release_agent container escape.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	endswith(path, "/notify_on_release")
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}
