package tracee.VGL_1012

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1012",
	"version": "1.0.0",
	"name": "Web server spawned a shell",
	"eventName": "web_server_shell",
	"description": "A web server ran a shell, which is what a web shell or a remote code execution bug looks like.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Persistence: Server Software Component: Web Shell",
		"external_id": "T1505.003",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "security_bprm_check", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

web_servers := {"nginx", "apache", "apache2", "httpd", "lighttpd", "caddy", "php-fpm", "php-fpm8.2", "uwsgi", "gunicorn", "tomcat", "java"}

shells := {"sh", "bash", "dash", "zsh", "ksh", "ash", "csh", "tcsh", "fish", "busybox"}

tracee_match = {"shell": path, "server": input.processName} {
	input.eventName == "security_bprm_check"
	web_servers[input.processName]
	path := helpers.get_tracee_argument("pathname")
	parts := split(path, "/")
	shells[parts[count(parts) - 1]]
}
