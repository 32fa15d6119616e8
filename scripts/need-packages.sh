#!/usr/bin/env bash
# need-packages.sh [--required] PROGRAM_OR_PATH:PACKAGE ...
#
# Installs the Debian packages whose program (found on PATH) or file (an
# absolute path) is missing: as root where apt-get exists, with one
# `apt-get update` first. Otherwise it names what is missing and the command
# that installs it, and exits 0 (the tests that need them skip, or fail under
# VIGIL_REQUIRE_EBPF=1) — or 1 with --required, for targets that cannot run
# without them.
set -euo pipefail

required=false
if [ "${1:-}" = --required ]; then
	required=true
	shift
fi

missing=()
for pair in "$@"; do
	what=${pair%%:*} pkg=${pair#*:}
	if [[ $what == /* ]]; then
		[ -e "$what" ] && continue
	else
		command -v "$what" >/dev/null && continue
	fi
	[[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	echo "installing ${missing[*]} (apt-get)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	exit 0
fi

echo "missing: ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
if $required; then
	exit 1
fi
echo "(the tests that need them are skipped; under VIGIL_REQUIRE_EBPF=1 they fail)" >&2
