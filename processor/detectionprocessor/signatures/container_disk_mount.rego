package tracee.VGL_1013

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1013",
	"version": "1.0.0",
	"name": "Disk mounted from a container",
	"eventName": "container_disk_mount",
	"description": "A container mounted a host block device, which gives it the host's file system.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_sb_mount", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"device": dev, "path": helpers.get_tracee_argument("path")} {
	input.eventName == "security_sb_mount"
	dev := helpers.get_tracee_argument("dev_name")
	startswith(dev, "/dev/")
	not startswith(dev, "/dev/shm")
}
