package tracee.VGL_1048

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1048",
	"version": "1.0.0",
	"name": "Kubelet or etcd reached from a container",
	"eventName": "kubelet_etcd_connection",
	"description": "A container connected to a kubelet's API (10250, or the read-only 10255) or to etcd (2379, 2380). The kubelet runs commands in any pod on its node, and etcd holds the cluster's secrets: workloads talk to the API server, not to these.",
	"tags": ["linux", "container", "kubernetes"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Execution: Container Administration Command",
		"external_id": "T1609",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_socket_connect", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

control_plane_ports := {"10250", "10255", "2379", "2380"}

tracee_match = {"ip": addr.sin_addr, "port": addr.sin_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	control_plane_ports[addr.sin_port]
}

tracee_match = {"ip": addr.sin6_addr, "port": addr.sin6_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	control_plane_ports[addr.sin6_port]
}
