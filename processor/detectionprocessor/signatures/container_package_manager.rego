package tracee.VGL_1032

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1032",
	"version": "1.0.0",
	"name": "Package manager run in a container",
	"eventName": "container_package_manager",
	"description": "A system package manager ran in a running container. Images are built, not patched in place: installing software in a live container is how an intruder brings in tools. Language package managers (pip, npm, gem) are left out: applications run them at start-up.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Command and Control: Ingress Tool Transfer",
		"external_id": "T1105",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "container"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

package_managers := {
	"apt", "apt-get", "aptitude", "dpkg", "yum", "dnf", "microdnf", "rpm",
	"apk", "zypper", "pacman", "tdnf", "emerge",
}

# The comm of the new program is the name it was run as, which is also
# right for busybox's dpkg and rpm applets.
tracee_match = {"package_manager": input.processName} {
	input.eventName == "sched_process_exec"
	package_managers[input.processName]
}
