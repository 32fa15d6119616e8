package tracee.VGL_1037

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1037",
	"version": "1.0.0",
	"name": "Connection to a mining pool port",
	"eventName": "miner_pool_port",
	"description": "A process connected to a TCP port mining pools serve stratum on (3333, 5555, 7777, 14433, 14444, 45560, 45700). The port alone is a hint, not proof: the severity is low and the README says how to except a service that uses one of them.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Impact: Resource Hijacking",
		"external_id": "T1496",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_socket_connect", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

stratum_ports := {"3333", "5555", "7777", "14433", "14444", "45560", "45700"}

tracee_match = {"ip": addr.sin_addr, "port": addr.sin_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	stratum_ports[addr.sin_port]
}

tracee_match = {"ip": addr.sin6_addr, "port": addr.sin6_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	stratum_ports[addr.sin6_port]
}
