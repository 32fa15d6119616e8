package tracee.VGL_1009

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1009",
	"version": "1.0.0",
	"name": "Kernel module loading",
	"eventName": "kernel_module_loading",
	"description": "A kernel module was loaded; rootkits arrive this way.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Boot or Logon Autostart Execution: Kernel Modules and Extensions",
		"external_id": "T1547.006",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "init_module", "origin": "*"},
	{"source": "tracee", "name": "finit_module", "origin": "*"},
	{"source": "tracee", "name": "security_kernel_read_file", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match {
	input.eventName == "init_module"
}

tracee_match {
	input.eventName == "finit_module"
}

tracee_match = {"path": path} {
	input.eventName == "security_kernel_read_file"
	helpers.get_tracee_argument("type") == "kernel-module"
	path := helpers.get_tracee_argument("pathname")
}
