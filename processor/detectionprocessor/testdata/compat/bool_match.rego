package tracee.TST_1

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "TST-1",
	"version": "0.1.0",
	"name": "Boolean match",
	"eventName": "bool_match",
	"description": "tracee_match is true when /etc/hosts is opened.",
	"tags": ["linux", "files"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Discovery: System Network Configuration Discovery",
	},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "openat", "origin": "*"}
}

tracee_match {
	input.eventName == "openat"
	helpers.get_tracee_argument("pathname") == "/etc/hosts"
}
