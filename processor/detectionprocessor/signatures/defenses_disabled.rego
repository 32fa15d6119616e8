package tracee.VGL_1065

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1065",
	"version": "1.0.0",
	"name": "Audit or security service disabled",
	"eventName": "defenses_disabled",
	"description": "A command that turns off system auditing or a security service was executed: SELinux set permissive (setenforce 0), the audit rules deleted or auditing disabled (auditctl -D, -e 0), or auditd, the system logger, AppArmor or a runtime security agent stopped, disabled or masked with systemctl or service.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Defense Evasion: Impair Defenses: Disable or Modify Tools",
		"external_id": "T1562.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# By the end of the path first, a form the engine pre-filters on.
tool_paths := ["/setenforce", "/auditctl", "/systemctl", "/service"]

security_services := {
	"auditd", "rsyslog", "syslog", "syslog-ng", "systemd-journald", "apparmor", "falco",
	"tracee", "tetragon", "osqueryd", "wazuh-agent", "vigil", "vigilcol",
}

stop_verbs := {"stop", "disable", "mask", "kill"}

disables(tool, argv) {
	tool == "setenforce"
	{"0", "permissive", "Permissive"}[argv[1]]
}

disables(tool, argv) {
	tool == "auditctl"
	argv[_] == "-D"
}

disables(tool, argv) {
	tool == "auditctl"
	argv[i] == "-e"
	argv[i + 1] == "0"
}

disables(tool, argv) {
	tool == "systemctl"
	stop_verbs[argv[i]]
	security_services[trim_suffix(argv[j], ".service")]
	j > i
}

# service NAME stop
disables(tool, argv) {
	tool == "service"
	security_services[argv[1]]
	stop_verbs[argv[2]]
}

tracee_match = {"command": concat(" ", argv)} {
	input.eventName == "sched_process_exec"
	path := helpers.get_tracee_argument("pathname")
	endswith(path, tool_paths[_])
	parts := split(path, "/")
	tool := parts[count(parts) - 1]
	argv := helpers.get_tracee_argument("argv")
	disables(tool, argv)
}
