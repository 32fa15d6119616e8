package tracee.VGL_1024

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1024",
	"version": "1.0.0",
	"name": "Magic SysRq use or configuration",
	"eventName": "sysrq_modification",
	"description": "/proc/sysrq-trigger or the sysrq setting was written, which can crash or reboot the host at once.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Impact: System Shutdown/Reboot",
		"external_id": "T1529",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	sysrq_files[path]
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}

sysrq_files := {"/proc/sysrq-trigger", "/proc/sys/kernel/sysrq"}
