package tracee.VGL_1022

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1022",
	"version": "1.0.0",
	"name": "Container runtime socket used from a container",
	"eventName": "docker_socket_abuse",
	"description": "A container connected to or opened the Docker or containerd socket, which controls every container on the host.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Privilege Escalation: Escape to Host",
		"external_id": "T1611",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_socket_connect", "origin": "container"},
	{"source": "tracee", "name": "security_file_open", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

runtime_socket(path) {
	endswith(path, "/docker.sock")
}

runtime_socket(path) {
	endswith(path, "/containerd.sock")
}

tracee_match = {"socket": path} {
	input.eventName == "security_socket_connect"
	path := helpers.get_tracee_argument("remote_addr").sun_path
	runtime_socket(path)
}

tracee_match = {"socket": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	runtime_socket(path)
}
