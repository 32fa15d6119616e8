package tracee.VGL_1007

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1007",
	"version": "1.0.0",
	"name": "LD_PRELOAD code injection",
	"eventName": "ld_preload",
	"description": "A program was started with LD_PRELOAD, or /etc/ld.so.preload was written, so that a library is loaded into every process.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Hijack Execution Flow: Dynamic Linker Hijacking",
		"external_id": "T1574.006",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

preload_file := "/etc/ld.so.preload"

tracee_match = {"env": preloads} {
	input.eventName == "sched_process_exec"
	env := helpers.get_tracee_argument("env")
	startswith(env[_], "LD_PRELOAD=")
	preloads := [var | var := env[_]; startswith(var, "LD_PRELOAD=")]
}

tracee_match = {"path": preload_file} {
	input.eventName == "security_file_open"
	helpers.get_tracee_argument("pathname") == preload_file
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}

tracee_match = {"path": preload_file} {
	input.eventName == "security_inode_rename"
	helpers.get_tracee_argument("new_path") == preload_file
}
