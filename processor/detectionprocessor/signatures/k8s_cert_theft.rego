package tracee.VGL_1020

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1020",
	"version": "1.0.0",
	"name": "Kubernetes certificate theft",
	"eventName": "k8s_cert_theft",
	"description": "A program other than the Kubernetes control plane opened the cluster's certificates and keys.",
	"tags": ["linux", "container", "kubernetes"],
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

control_plane := {"kube-apiserver", "kube-controller", "kube-scheduler", "kubelet", "etcd", "kubeadm"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	startswith(path, "/etc/kubernetes/pki/")
	not control_plane[input.processName]
}
