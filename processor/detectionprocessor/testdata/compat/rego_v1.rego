package tracee.TST_7

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "TST-7",
	"version": "1",
	"name": "Rego v1 syntax",
	"description": "A signature in Rego v1: if, contains, in.",
	"properties": {"Severity": 1, "MITRE ATT&CK": "Discovery: Process Discovery"},
}

tracee_selected_events contains {"source": "tracee", "name": "openat", "origin": "host"}

proc_files := {"/proc/1/environ", "/proc/1/cmdline"}

tracee_match := {"file": path} if {
	path := helpers.get_tracee_argument("pathname")
	path in proc_files
}
