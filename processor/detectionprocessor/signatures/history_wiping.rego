package tracee.VGL_1054

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1054",
	"version": "1.0.0",
	"name": "Shell history wiped",
	"eventName": "history_wiping",
	"description": "A shell or REPL history file was deleted, truncated, linked to /dev/null, or written by a program other than a shell. Emptying it with a shell redirection is the shell writing its own file and is not told apart.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Indicator Removal: Clear Command History",
		"external_id": "T1070.003",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_inode_unlink", "origin": "*"},
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "truncate", "origin": "*"},
	{"source": "tracee", "name": "symlink", "origin": "*"},
	{"source": "tracee", "name": "symlinkat", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

history_files := [
	".bash_history", ".zsh_history", ".sh_history", ".ash_history", ".history", "fish_history",
	".python_history", ".mysql_history", ".psql_history", ".sqlite_history", ".node_repl_history",
]

# The name's end first, a form the engine pre-filters on; then the whole
# file name (a relative path may be the name alone).
history_file(path) {
	endswith(path, history_files[_])
	parts := split(path, "/")
	parts[count(parts) - 1] == history_files[_]
}

# The shells and REPLs write their own history files.
history_writers := {
	"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "busybox",
	"python3", "python", "mysql", "mariadb", "psql", "sqlite3", "node",
}

history_writer {
	parts := split(input.executable.path, "/")
	history_writers[split(parts[count(parts) - 1], ".")[0]]
}

tracee_match = {"path": path, "operation": "unlink"} {
	input.eventName == "security_inode_unlink"
	path := helpers.get_tracee_argument("pathname")
	history_file(path)
}

tracee_match = {"path": path, "operation": "truncate"} {
	input.eventName == "truncate"
	path := helpers.get_tracee_argument("path")
	history_file(path)
}

tracee_match = {"path": path, "operation": "write"} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	history_file(path)
	not history_writer
}

# ln -sf /dev/null ~/.bash_history: the link's name as the caller wrote it.
tracee_match = {"path": path, "operation": "symlink to /dev/null"} {
	input.eventName == "symlink"
	helpers.get_tracee_argument("oldname") == "/dev/null"
	path := helpers.get_tracee_argument("newname")
	history_file(path)
}

tracee_match = {"path": path, "operation": "symlink to /dev/null"} {
	input.eventName == "symlinkat"
	helpers.get_tracee_argument("oldname") == "/dev/null"
	path := helpers.get_tracee_argument("newname")
	history_file(path)
}
