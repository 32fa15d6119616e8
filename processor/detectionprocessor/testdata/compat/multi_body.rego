package tracee.TST_6

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "TST-6",
	"version": "1",
	"name": "Multi-body rule",
	"description": "tracee_match has one body per event.",
	"properties": {"Severity": 2, "MITRE ATT&CK": "Persistence: Scheduled Task/Job"},
}

eventSelectors := [
	{"source": "tracee", "name": "openat", "origin": "*"},
	{"source": "tracee", "name": "unlink", "origin": "host"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"how": "open"} {
	input.eventName == "openat"
	startswith(helpers.get_tracee_argument("pathname"), "/etc/cron.d/")
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}

tracee_match = {"how": "unlink"} {
	input.eventName == "unlink"
	startswith(helpers.get_tracee_argument("pathname"), "/etc/cron.d/")
}
