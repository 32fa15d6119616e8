package tracee.VGL_1036

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1036",
	"version": "1.0.0",
	"name": "Crypto-miner started",
	"eventName": "miner_pool_cmdline",
	"description": "A program started with a mining pool's stratum URL in its command line, or a well-known miner ran. Pools' host names wait for DNS (net_packet_dns), which is not captured.",
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

# A stratum URL (stratum+tcp://, stratum+ssl://, stratum2+tcp://...): the
# cheap contains comes first, as every exec's arguments are tested.
stratum_url := `stratum[12]?\+(tcp|ssl|tls)://`

tracee_match = {"program": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	miners[input.processName]
	argv := helpers.get_tracee_argument("argv")
}

tracee_match = {"program": input.processName, "argv": argv} {
	input.eventName == "sched_process_exec"
	argv := helpers.get_tracee_argument("argv")
	arg := argv[_]
	contains(arg, "stratum")
	regex.match(stratum_url, arg)
}
