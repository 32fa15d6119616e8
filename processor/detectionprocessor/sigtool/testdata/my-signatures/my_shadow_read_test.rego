package tracee.MY_SHADOW_READ

shadow_open(comm) := {"eventName": "security_file_open", "processName": comm,
	"args": [{"name": "pathname", "type": "const char*", "value": "/etc/shadow"}]}

test_bash_reads_shadow { tracee_match == {"path": "/etc/shadow"} with input as shadow_open("bash") }
test_sshd_reads_shadow { not tracee_match with input as shadow_open("sshd") }
