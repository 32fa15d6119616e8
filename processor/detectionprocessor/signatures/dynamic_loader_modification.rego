package tracee.VGL_1008

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1008",
	"version": "1.0.0",
	"name": "Dynamic loader modification",
	"eventName": "dynamic_loader_modification",
	"description": "The dynamic loader (ld-linux, ld-musl) was written or replaced; every dynamically linked program runs through it.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Hijack Execution Flow",
		"external_id": "T1574",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

loader(path) {
	contains(path, "/ld-")
	regex.match(`^(/usr)?/lib[^/]*/([^/]+/)?ld-(linux|musl)[^/]*\.so[^/]*$`, path)
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	loader(path)
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	loader(path)
}
