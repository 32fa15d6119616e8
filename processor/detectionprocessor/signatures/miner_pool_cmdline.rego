package tracee.VGL_1036

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1036",
	"version": "1.0.0",
	"name": "Crypto-miner started",
	"eventName": "miner_pool_cmdline",
	"description": "A program started with a mining pool in its command line (a stratum URL or a well-known pool's host name), or a well-known miner ran. DNS is not captured, so a pool's name is seen only in a command line.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 3,
		"MITRE ATT&CK": "Impact: Resource Hijacking",
		"external_id": "T1496",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "sched_process_exec", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

miners := {"xmrig", "xmr-stak", "xmr-stak-rx", "minerd", "cpuminer", "cpuminer-multi", "ccminer", "ethminer", "t-rex", "nbminer", "lolminer", "teamredminer", "nanominer", "srbminer-multi"}

# Stratum URLs and well-known pools' domains, in any case.
pool_pattern := `(?i)(stratum[12]?\+(tcp|ssl|tls)://|(minexmr|supportxmr|2miners|xmrpool|c3pool|f2pool|herominers|unmineable|nicehash|dwarfpool|minergate)\.(com|eu)|moneroocean\.stream|nanopool\.org|hashvault\.pro)`

# Both rules name the program and its command line: a miner started with a
# pool matches both, and a complete rule must have one value.
tracee_match = {"program": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	miners[input.processName]
	argv := helpers.get_tracee_argument("argv")
}

tracee_match = {"program": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	argv := helpers.get_tracee_argument("argv")
	regex.match(pool_pattern, argv[_])
}
