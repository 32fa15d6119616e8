package tracee.VGL_1057

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1057",
	"version": "1.0.0",
	"name": "SSH authorized keys modified",
	"eventName": "authorized_keys_modification",
	"description": "An SSH authorized_keys file was written or replaced, which lets whoever holds the added key log in as that user. Provisioning agents (cloud-init) do this at first boot: except them in the processor's configuration.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Persistence: Account Manipulation: SSH Authorized Keys",
		"external_id": "T1098.004",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
	{"source": "tracee", "name": "security_inode_rename", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# authorized_keys and authorized_keys2, in any home's .ssh.
authorized_keys(path) {
	contains(path, "/.ssh/authorized_keys")
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	helpers.is_file_write(helpers.get_tracee_argument("flags"))
	path := helpers.get_tracee_argument("pathname")
	authorized_keys(path)
}

tracee_match = {"path": path} {
	input.eventName == "security_inode_rename"
	path := helpers.get_tracee_argument("new_path")
	authorized_keys(path)
}
