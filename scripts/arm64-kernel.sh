#!/usr/bin/env bash
# arm64-kernel.sh OUT: writes to OUT the newest Debian cloud kernel image
# for arm64 (linux-image-*-cloud-arm64, about 20 MB), whose embedded BTF
# bpf's TestArm64Relocations resolves the arm64 object's CO-RE relocations
# against. apt runs with a private state directory next to OUT, for the
# arm64 architecture only: the system's apt configuration is not touched.
set -euo pipefail
out=$1
mkdir -p "$(dirname "$out")"
dir=$(cd "$(dirname "$out")" && pwd)/apt # apt takes absolute paths
mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/deb"
apt=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State="$dir/state"
	-o Dir::State::status=/dev/null -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1)
apt-get -qq "${apt[@]}" update
pkg=$(apt-cache "${apt[@]}" search --names-only '^linux-image-[0-9.]+-[0-9]+-cloud-arm64$' |
	awk '{print $1}' | sort -V | tail -1)
[ -n "$pkg" ] || { echo "arm64-kernel.sh: no linux-image-*-cloud-arm64 package in the Debian archive" >&2; exit 1; }
(cd "$dir/deb" && rm -f ./*.deb && apt-get -qq "${apt[@]}" download "$pkg")
rm -rf "$dir/root"
dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
cp "$dir"/root/boot/vmlinuz-* "$out"
echo "arm64-kernel.sh: $pkg -> $out"
