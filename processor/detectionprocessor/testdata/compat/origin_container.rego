package tracee.TST_4

__rego_metadoc__ := {
	"id": "TST-4",
	"version": "1",
	"name": "Origin selector",
	"description": "Selects openat from started containers only.",
	"tags": ["container"],
	"properties": {"Severity": 0},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "openat", "origin": "container"}
}

tracee_match {
	input.containerId != ""
}
