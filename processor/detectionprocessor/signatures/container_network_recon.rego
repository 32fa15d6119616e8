package tracee.VGL_1044

__rego_metadoc__ := {
	"id": "VGL-1044",
	"version": "1.0.0",
	"name": "Network scanner or sniffer run in a container",
	"eventName": "container_network_recon",
	"description": "A port scanner or a packet sniffer (nmap, masscan, zmap, tcpdump, tshark, ...) ran in a running container: no application needs one, an intruder mapping the cluster's network does.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Discovery: Network Service Discovery",
		"external_id": "T1046",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

recon_tools := {
	"nmap", "masscan", "zmap", "nping", "hping3", "rustscan", "naabu", "unicornscan",
	"tcpdump", "tshark", "dumpcap", "ngrep", "tcpflow", "ettercap", "dsniff", "arpspoof", "bettercap",
}

tracee_match = {"tool": input.processName} {
	input.eventName == "sched_process_exec"
	recon_tools[input.processName]
}
