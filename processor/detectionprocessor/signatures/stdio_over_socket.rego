package tracee.VGL_1027

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1027",
	"version": "1.0.0",
	"name": "Standard input/output over a socket",
	"eventName": "stdio_over_socket",
	"description": "A process connected its standard input, output or error to a network socket: a reverse shell.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Execution: Command and Scripting Interpreter",
		"external_id": "T1059",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "socket_dup", "origin": "*"},
	{"source": "tracee", "name": "security_socket_connect", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

stdio := {0, 1, 2}

inet_families := {"AF_INET", "AF_INET6"}

peer(addr) = {"ip": ip, "port": port} {
	addr.sa_family == "AF_INET"
	ip := addr.sin_addr
	port := addr.sin_port
}

peer(addr) = {"ip": ip, "port": port} {
	addr.sa_family == "AF_INET6"
	ip := addr.sin6_addr
	port := addr.sin6_port
}

tracee_match = found {
	input.eventName == "socket_dup"
	fd := helpers.get_tracee_argument("newfd")
	stdio[fd]
	addr := helpers.get_tracee_argument("remote_addr")
	inet_families[addr.sa_family]
	found := object.union(peer(addr), {"fd": fd})
}

tracee_match = found {
	input.eventName == "security_socket_connect"
	fd := helpers.get_tracee_argument("sockfd")
	stdio[fd]
	addr := helpers.get_tracee_argument("remote_addr")
	inet_families[addr.sa_family]
	found := object.union(peer(addr), {"fd": fd})
}
