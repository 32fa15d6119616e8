package tracee.MY_SHADOW_READ

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "MY-0001",
	"version": "1.0.0",
	"name": "shadow read by a shell",
	"eventName": "my_shadow_read",
	"description": "A shell opened /etc/shadow.",
	"tags": ["linux"],
	"properties": {"Severity": 3, "MITRE ATT&CK": "Credential Access: OS Credential Dumping"},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "security_file_open", "origin": "*"}
}

tracee_match = {"path": path} {
	input.processName == "bash"
	path := helpers.get_tracee_argument("pathname")
	path == "/etc/shadow"
}
