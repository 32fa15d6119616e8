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

peer(addr) = {"ip": addr.sin_addr, "port": addr.sin_port} {
	addr.sa_family == "AF_INET"
}

peer(addr) = {"ip": addr.sin6_addr, "port": addr.sin6_port} {
	addr.sa_family == "AF_INET6"
}

tracee_match = found {
	input.eventName == "security_socket_connect"
	shells[input.processName]
	p := peer(helpers.get_tracee_argument("remote_addr"))
	found := object.union(p, {"shell": input.processName})
}
