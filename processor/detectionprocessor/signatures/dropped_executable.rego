package tracee.VGL_1010

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1010",
	"version": "1.0.0",
	"name": "New executable dropped",
	"eventName": "dropped_executable",
	"description": "A process wrote an ELF executable to disk, typically a downloaded second stage.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Command and Control: Ingress Tool Transfer",
		"external_id": "T1105",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "magic_write", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

pseudo_fs_prefixes := ["/proc/", "/sys/"]

pseudo_fs(path) {
	startswith(path, pseudo_fs_prefixes[_])
}

tracee_match = {"path": path} {
	input.eventName == "magic_write"
	helpers.is_elf_file(helpers.get_tracee_argument("bytes"))
	path := helpers.get_tracee_argument("pathname")
	not pseudo_fs(path)
}
