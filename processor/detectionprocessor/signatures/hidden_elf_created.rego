package tracee.VGL_1041

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1041",
	"version": "1.0.0",
	"name": "Hidden executable created",
	"eventName": "hidden_elf_created",
	"description": "An ELF file was written to a path that a dot file or directory hides from ls. Port of Tracee's TRC-1015 (hidden file created). Tool caches under ~/.cache and the Go and Rust toolchains' directories are excepted.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Hide Artifacts: Hidden Files and Directories",
		"external_id": "T1564.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "magic_write", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# Default exceptions: where build tools keep the executables they make.
tool_dirs := ["/.cache/", "/.cargo/", "/.rustup/", "/.local/share/", "/.git/"]

in_tool_dir(path) {
	contains(path, tool_dirs[_])
}

tracee_match = {"path": path} {
	input.eventName == "magic_write"
	path := helpers.get_tracee_argument("pathname")
	contains(path, "/.")
	not in_tool_dir(path)
	helpers.is_elf_file(helpers.get_tracee_argument("bytes"))
}
