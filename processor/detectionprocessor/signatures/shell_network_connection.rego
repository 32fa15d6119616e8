package tracee.VGL_1043

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1043",
	"version": "1.0.0",
	"name": "Shell connected to the network",
	"eventName": "shell_network_connection",
	"description": "A shell process itself opened an IPv4 or IPv6 connection. Shells run network programs but do not connect: one that does is using bash's /dev/tcp redirection, or is a reverse shell's process renamed to look like one.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Command and Control: Non-Application Layer Protocol",
		"external_id": "T1095",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_socket_connect", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

shells := {"sh", "bash", "dash", "zsh", "ksh", "ash", "csh", "tcsh", "fish"}

# One rule per address family, each field read directly, so that the
# guard pre-filters on the family as well as the comm.
tracee_match = {"shell": input.processName, "ip": addr.sin_addr, "port": addr.sin_port} {
	input.eventName == "security_socket_connect"
	shells[input.processName]
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sa_family == "AF_INET"
}

tracee_match = {"shell": input.processName, "ip": addr.sin6_addr, "port": addr.sin6_port} {
	input.eventName == "security_socket_connect"
	shells[input.processName]
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sa_family == "AF_INET6"
}
