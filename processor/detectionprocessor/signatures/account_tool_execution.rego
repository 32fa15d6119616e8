package tracee.VGL_1056

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1056",
	"version": "1.0.0",
	"name": "Account management tool run",
	"eventName": "account_tool_execution",
	"description": "A tool that adds, removes or changes users or groups was executed (useradd, usermod, groupadd, adduser, chpasswd and the like). Informational: the tools are how administrators work, and also how intruders keep access. passwd, which users run to change their own password, is left out.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 0,
		"MITRE ATT&CK": "Persistence: Account Manipulation",
		"external_id": "T1098",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

# By the end of the path, a form the engine pre-filters on: most programs
# run are not one of these and never reach Rego.
account_tools := [
	"/useradd", "/usermod", "/userdel", "/groupadd", "/groupmod", "/groupdel", "/gpasswd", "/adduser",
	"/deluser", "/addgroup", "/delgroup", "/chpasswd", "/chgpasswd", "/newusers",
]

tracee_match = {"tool": path} {
	input.eventName == "sched_process_exec"
	path := helpers.get_tracee_argument("pathname")
	endswith(path, account_tools[_])
}
