package tracee.VGL_1058

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1058",
	"version": "1.0.0",
	"name": "Set-user-ID or set-group-ID bit set",
	"eventName": "setid_bit_set",
	"description": "chmod, fchmod or fchmodat set the set-user-ID or set-group-ID bit of a file, so that it runs with its owner's or group's privileges: a root shell left behind. A path is as the caller wrote it (fchmod names an fd).",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Privilege Escalation: Abuse Elevation Control Mechanism: Setuid and Setgid",
		"external_id": "T1548.001",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "chmod", "origin": "*"},
	{"source": "tracee", "name": "fchmod", "origin": "*"},
	{"source": "tracee", "name": "fchmodat", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# Default exception: package managers install set-id programs (passwd,
# sudo), and systemd-tmpfiles makes set-group-ID directories (the journal's).
expected_setters := {
	"/usr/bin/dpkg", "/bin/dpkg", "/usr/bin/rpm", "/bin/rpm", "/sbin/apk", "/usr/sbin/apk",
	"/usr/bin/systemd-tmpfiles", "/bin/systemd-tmpfiles",
}

setid(mode) {
	contains(mode, "S_ISUID")
}

setid(mode) {
	contains(mode, "S_ISGID")
}

path_events := {"chmod", "fchmodat"}

tracee_match = {"path": path, "mode": mode} {
	path_events[input.eventName]
	mode := helpers.get_tracee_argument("mode")
	setid(mode)
	not expected_setters[input.executable.path]
	path := helpers.get_tracee_argument("pathname")
}

tracee_match = {"fd": fd, "mode": mode} {
	input.eventName == "fchmod"
	mode := helpers.get_tracee_argument("mode")
	setid(mode)
	not expected_setters[input.executable.path]
	fd := helpers.get_tracee_argument("fd")
}
