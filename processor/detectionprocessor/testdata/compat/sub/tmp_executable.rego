package tracee.TST_3

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "TST-3",
	"version": "1",
	"name": "Helpers",
	"description": "Standard and user helpers: an executable written under a temporary directory.",
	"properties": {"Severity": 2, "MITRE ATT&CK": "Command and Control: Ingress Tool Transfer"},
}

tracee_selected_events[eventSelector] {
	eventSelector := {"source": "tracee", "name": "magic_write"}
}

tracee_match {
	path := helpers.get_tracee_argument("pathname")
	helpers.in_tmp(path)
	helpers.is_elf_file(helpers.get_tracee_argument("bytes"))
}
