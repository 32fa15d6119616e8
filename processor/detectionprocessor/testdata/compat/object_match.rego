package tracee.TST_2

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "TST-2",
	"version": "0.2.0",
	"name": "Object match",
	"eventName": "object_match",
	"description": "tracee_match returns an object, which becomes the finding's data.",
	"tags": ["linux"],
	"properties": {
		"Severity": 3,
		"Category": "credential-access",
		"Technique": "Private Keys",
		"external_id": "T1552.004",
	},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "openat", "origin": "*"}
}

tracee_match = {"path": path, "flags": flags, "uid": input.userId} {
	path := helpers.get_tracee_argument("pathname")
	endswith(path, ".key")
	flags := helpers.get_tracee_argument("flags")
}
