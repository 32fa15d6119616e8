package tracee.VGL_1034

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1034",
	"version": "1.0.0",
	"name": "Cloud metadata endpoint reached",
	"eventName": "cloud_metadata_access",
	"description": "A process connected to the cloud instance metadata service (169.254.169.254, AWS's fd00:ec2::254, Alibaba's 100.100.100.200), or ran a program naming metadata.google.internal, which resolves to it. The service hands out the instance's credentials. DNS is not captured: a name is seen only in a command line. The clouds' own guest agents are excepted.",
	"tags": ["linux", "container", "cloud"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Credential Access: Unsecured Credentials: Cloud Instance Metadata API",
		"external_id": "T1552.005",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_socket_connect", "origin": "*"},
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

metadata_addresses := {"169.254.169.254", "fd00:ec2::254", "100.100.100.200"}

# Default exceptions: the guest agents that read the metadata as their job.
guest_agents := {
	"cloud-init", "amazon-ssm-agen", "ssm-agent-worke", "google_guest_ag",
	"google_metadata", "google_osconfig", "waagent", "aws-k8s-agent",
}

tracee_match = {"ip": ip} {
	input.eventName == "security_socket_connect"
	ip := helpers.get_tracee_argument("remote_addr").sin_addr
	metadata_addresses[ip]
	not guest_agents[input.processName]
}

tracee_match = {"ip": ip} {
	input.eventName == "security_socket_connect"
	ip := helpers.get_tracee_argument("remote_addr").sin6_addr
	metadata_addresses[ip]
	not guest_agents[input.processName]
}

tracee_match = {"argv": argv} {
	input.eventName == "sched_process_exec"
	argv := helpers.get_tracee_argument("argv")
	contains(argv[_], "metadata.google.internal")
	not guest_agents[input.processName]
}
