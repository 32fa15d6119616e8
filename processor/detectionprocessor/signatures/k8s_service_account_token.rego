package tracee.VGL_1021

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1021",
	"version": "1.0.0",
	"name": "Kubernetes service account token theft",
	"eventName": "k8s_service_account_token",
	"description": "A program not known to use it read a pod's service account token, which authenticates to the cluster API.",
	"tags": ["linux", "container", "kubernetes"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Credential Access: Steal Application Access Token",
		"external_id": "T1528",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

token_users := {"kube-proxy", "kubelet", "coredns", "flanneld", "calico-node", "cilium-agent", "kube-controller", "kube-apiserver", "etcd"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	endswith(path, "/secrets/kubernetes.io/serviceaccount/token")
	not token_users[input.processName]
}
