package tracee.VGL_1045

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1045",
	"version": "1.0.0",
	"name": "userfaultfd used by an unexpected process",
	"eventName": "userfaultfd_use",
	"description": "A process asked for a userfaultfd (refused or not: an unprivileged attempt is as telling): it handles its own page faults, which kernel exploits use to stop the kernel at a chosen moment and win a race. Live migration (QEMU) and checkpointing (CRIU) are the legitimate users and are excepted. Opening /dev/userfaultfd, the other way to get one, is reported too.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Privilege Escalation: Exploitation for Privilege Escalation",
		"external_id": "T1068",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "userfaultfd", "origin": "*"},
	{"source": "tracee", "name": "security_file_open", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

expected_users := {"qemu-system-x86", "qemu-kvm", "criu", "firecracker"}

tracee_match {
	input.eventName == "userfaultfd"
	not expected_users[input.processName]
}

tracee_match {
	input.eventName == "security_file_open"
	helpers.get_tracee_argument("pathname") == "/dev/userfaultfd"
	not expected_users[input.processName]
}
