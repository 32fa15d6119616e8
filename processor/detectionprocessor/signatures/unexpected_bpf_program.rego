package tracee.VGL_1040

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1040",
	"version": "1.0.0",
	"name": "BPF program loaded by an unexpected process",
	"eventName": "unexpected_bpf_program",
	"description": "A process loaded a BPF program, or attached one to a tracepoint or a kernel hook, and is not one of the usual loaders run from a system directory (systemd, container runtimes, the observability and security agents, bpftool, Vigil's own collector). BPF programs can read and change what the kernel reports: rootkits and credential stealers are built with them.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Rootkit",
		"external_id": "T1014",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_bpf", "origin": "*"},
	{"source": "tracee", "name": "bpf_attach", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# Default exceptions, by the file name of the executable, when it is in a
# system directory: a copy of one elsewhere is still reported.
loaders := {
	"systemd", "systemd-journald", "systemd-logind", "systemd-networkd", "systemd-resolved", "systemd-udevd",
	"runc", "crun", "containerd", "dockerd", "kubelet", "cilium-agent", "calico-node", "bpftool", "bpftrace",
	"tracee", "tracee-ebpf", "falco", "tetragon", "pixie", "vigilcol", "ip", "tc",
}

system_dirs := ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/systemd/", "/lib/systemd/", "/usr/local/bin/"]

expected_loader {
	path := input.executable.path
	startswith(path, system_dirs[_])
	parts := split(path, "/")
	loaders[parts[count(parts) - 1]]
}

tracee_match = {"command": "BPF_PROG_LOAD"} {
	input.eventName == "security_bpf"
	helpers.get_tracee_argument("cmd") == "BPF_PROG_LOAD"
	not expected_loader
}

tracee_match = {"program": helpers.get_tracee_argument("prog_name")} {
	input.eventName == "bpf_attach"
	not expected_loader
}
