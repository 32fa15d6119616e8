package tracee.VGL_1033

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1033",
	"version": "1.0.0",
	"name": "Kubernetes API server reached from a container",
	"eventName": "k8s_api_connection",
	"description": "A container connected to the Kubernetes API server (port 6443, or port 443 of a cluster's default kubernetes service address) or ran a Kubernetes client against it. Port of Tracee's TRC-1013, which remembers each container's KUBERNETES_SERVICE_HOST from its exec environment and matches later connections to it; a Vigil signature sees one record at a time, so this one matches the API server's port and the usual service addresses instead, and waits for a connect record that carries its process's environment to match the address exactly.",
	"tags": ["linux", "container", "kubernetes"],
	"properties": {
		"Severity": 1,
		"MITRE ATT&CK": "Discovery: Cloud Service Discovery",
		"external_id": "T1526",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_socket_connect", "origin": "container"},
	{"source": "tracee", "name": "sched_process_exec", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# The first address of the service range, which the default kubernetes
# service takes: kubeadm, k3s, EKS (two ranges), AKS.
service_addresses := {"10.96.0.1", "10.43.0.1", "10.100.0.1", "172.20.0.1", "10.0.0.1", "fd00:10:96::1"}

clients := {"kubectl", "helm", "kubeadm", "k9s"}

# One rule per address family and port, each field read directly, so that
# the engine's guard can pre-filter connections on them.
tracee_match = {"ip": addr.sin_addr, "port": addr.sin_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sin_port == "6443"
}

tracee_match = {"ip": addr.sin6_addr, "port": addr.sin6_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sin6_port == "6443"
}

tracee_match = {"ip": addr.sin_addr, "port": addr.sin_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sin_port == "443"
	service_addresses[addr.sin_addr]
}

tracee_match = {"ip": addr.sin6_addr, "port": addr.sin6_port} {
	input.eventName == "security_socket_connect"
	addr := helpers.get_tracee_argument("remote_addr")
	addr.sin6_port == "443"
	service_addresses[addr.sin6_addr]
}

tracee_match = {"client": input.processName} {
	input.eventName == "sched_process_exec"
	clients[input.processName]
}
