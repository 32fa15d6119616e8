package tracee.VGL_1049

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1049",
	"version": "1.0.0",
	"name": "Search for private keys or cloud credentials",
	"eventName": "credential_search",
	"description": "grep, find or a similar tool was run to look for private keys (PEM headers, id_rsa and its kin) or cloud credentials (aws_secret_access_key, .aws/credentials, service account key files): an intruder harvesting secrets from the file system.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Credential Access: Unsecured Credentials: Credentials In Files",
		"external_id": "T1552.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

search_tools := {"grep", "egrep", "fgrep", "rg", "ag", "ack", "find", "locate", "plocate", "mlocate", "fd", "fdfind"}

secret_pattern := `(?i)(BEGIN [A-Z ]*PRIVATE KEY|id_(rsa|dsa|ecdsa|ed25519)|aws_access_key_id|aws_secret_access_key|\.aws/credentials|\.docker/config\.json|application_default_credentials|\.kube/config)`

tracee_match = {"tool": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	search_tools[input.processName]
	argv := helpers.get_tracee_argument("argv")
	regex.match(secret_pattern, argv[_])
}
