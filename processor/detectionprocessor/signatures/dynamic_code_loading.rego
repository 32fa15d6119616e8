package tracee.VGL_1028

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1028",
	"version": "1.0.0",
	"name": "Dynamic code loading",
	"eventName": "dynamic_code_loading",
	"description": "Memory that was writable was made executable, how unpacked or injected code gets run.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Obfuscated Files or Information: Software Packing",
		"external_id": "T1027.002",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "mem_prot_alert", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match {
	input.eventName == "mem_prot_alert"
	helpers.get_tracee_argument("alert") == "Protection changed from W to E!"
}
