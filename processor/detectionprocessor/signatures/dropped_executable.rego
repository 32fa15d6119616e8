package tracee.VGL_1010

import data.tracee.helpers

__rego_metadoc__ := {
	"id": "VGL-1010",
	"version": "1.0.0",
	"name": "New executable dropped",
	"eventName": "dropped_executable",
	"description": "A process wrote an ELF executable to disk, typically a downloaded second stage.",
	"tags": ["linux", "container"],
	"properties": {
		"Severity": 2,
		"MITRE ATT&CK": "Command and Control: Ingress Tool Transfer",
		"external_id": "T1105",
	},
}

eventSelectors := [
	{"source": "tracee", "name": "magic_write", "origin": "*"},
]

tracee_selected_events[eventSelector] {
	eventSelector := eventSelectors[_]
}

pseudo_fs_prefixes := ["/proc/", "/sys/"]

pseudo_fs(path) {
	startswith(path, pseudo_fs_prefixes[_])
}

# Default exceptions: programs whose job is writing ELF files (assemblers,
# linkers, compiler drivers, the Go toolchain, package managers), when run
# from a system directory (by any dash-separated part of the file name). A copy of one of them elsewhere, say /tmp/ld, is
# still reported; a toolchain installed elsewhere is excepted in the
# processor's exceptions configuration.
elf_writers := {
	"as", "ld", "ld.bfd", "ld.gold", "ld.lld", "lld", "gold", "collect2",
	"gcc", "g++", "cc", "c++", "clang", "clang++", "rustc", "cargo",
	"go", "link", "strip", "objcopy",
	"dpkg", "apt", "apt-get", "rpm", "dnf", "yum", "apk", "pip", "pip3",
}

system_dirs := ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/usr/libexec/", "/usr/local/bin/", "/usr/local/go/"]

expected_writer {
	path := input.executable.path
	startswith(path, system_dirs[_])
	parts := split(path, "/")
	# Debian installs tools as x86_64-linux-gnu-ld.bfd, x86_64-linux-gnu-gcc-12 and so on.
	elf_writers[split(parts[count(parts) - 1], "-")[_]]
}

tracee_match = {"path": path} {
	input.eventName == "magic_write"
	helpers.is_elf_file(helpers.get_tracee_argument("bytes"))
	path := helpers.get_tracee_argument("pathname")
	not pseudo_fs(path)
	not expected_writer
}
