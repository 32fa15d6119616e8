package tracee.VGL_1046

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1046",
	"version": "1.0.0",
	"name": "Kernel symbol addresses read",
	"eventName": "kallsyms_read",
	"description": "A process other than the usual tracing tools opened /proc/kallsyms, the addresses of the kernel's symbols: a rootkit reads it to find the system call table or /proc's file operations before hooking them. Tracee detects the hooks themselves (TRC-1030 syscall table hooking, TRC-1020 proc fops hooking) with its syscall_table_check and hooked_proc_fops events, which read kernel memory; Vigil does not capture those, and this signature reports the step before.",
	"tags": ["linux"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Defense Evasion: Rootkit",
		"external_id": "T1014",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# Default exceptions: profilers and tracers resolve kernel addresses.
tracers := {"perf", "bpftrace", "bpftool", "crash", "systemtap", "stap", "tracee", "falco", "tetragon", "vigilcol", "kdump"}

tracee_match = {"path": path} {
	input.eventName == "security_file_open"
	path := helpers.get_tracee_argument("pathname")
	path == "/proc/kallsyms"
	not tracers[input.processName]
}
