package tracee.VGL_1030

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1030",
	"version": "1.0.0",
	"name": "SSH private key read",
	"eventName": "ssh_private_key_read",
	"description": "A program other than the SSH tools read an SSH private key.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Credential Access: Unsecured Credentials: Private Keys",
		"external_id": "T1552.004",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

ssh_tools := {
	"/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/ssh-add", "/usr/bin/ssh-agent", "/usr/bin/ssh-keygen",
	"/usr/bin/scp", "/usr/bin/sftp", "/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
}

private_key(path) {
	contains(path, "/.ssh/")
	regex.match(`/\.ssh/id_(rsa|dsa|ecdsa|ed25519)(_sk)?$`, path)
}

private_key(path) {
	startswith(path, "/etc/ssh/ssh_host_")
	endswith(path, "_key")
}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	private_key(path)
	not ssh_tools[input.executable.path]
}
