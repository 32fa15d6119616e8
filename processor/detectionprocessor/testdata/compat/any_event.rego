package tracee.TST_5

__rego_metadoc__ := {
	"id": "TST-5",
	"version": "1",
	"name": "Any event",
	"description": "Selects every event; matches those of a process named evil.",
	"properties": {"Severity": 4, "MITRE ATT&CK": "Execution: Native API"},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "*", "origin": "*"}
}

tracee_match = {"event": input.eventName} {
	input.processName == "evil"
}
