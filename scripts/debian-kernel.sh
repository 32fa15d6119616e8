#!/usr/bin/env bash
# debian-kernel.sh ARCH OUT: writes to OUT the newest Debian cloud kernel
# image for ARCH (arm64 or amd64: linux-image-*-cloud-ARCH, about 20 MB),
# and next to it, as busybox, the static busybox of the same release
# (busybox-static), a userland for it. bpf's TestArm64Relocations resolves
# the arm64 object's CO-RE relocations against the arm64 kernel's embedded
# BTF, and scripts/kernel-vm.sh boots them to load the objects on a kernel
# other than this machine's. apt runs with a
# private state directory next to OUT, for ARCH only: the system's apt
# configuration is not touched.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 ARCH OUT" >&2; exit 2; }
arch=$1 out=$2
case $arch in arm64 | amd64) ;; *) echo "$0: ARCH must be arm64 or amd64, not $arch" >&2; exit 2 ;; esac
mkdir -p "$(dirname "$out")"
dir=$(cd "$(dirname "$out")" && pwd)/apt # apt takes absolute paths
mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial" "$dir/deb"
apt=(-o APT::Architecture=$arch -o APT::Architectures::=$arch -o Dir::State="$dir/state"
	-o Dir::State::status=/dev/null -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1)
apt-get -qq "${apt[@]}" update
pkg=$(apt-cache "${apt[@]}" search --names-only "^linux-image-[0-9.]+-[0-9]+-cloud-$arch\$" |
	awk '{print $1}' | sort -V | tail -1)
[ -n "$pkg" ] || { echo "debian-kernel.sh: no linux-image-*-cloud-$arch package in the Debian archive" >&2; exit 1; }
(cd "$dir/deb" && rm -f ./*.deb && apt-get -qq "${apt[@]}" download "$pkg" busybox-static)
rm -rf "$dir/root"
for deb in "$dir"/deb/*.deb; do
	dpkg-deb -x "$deb" "$dir/root"
done
cp "$dir"/root/boot/vmlinuz-* "$out"
cp "$dir"/root/bin/busybox "$(dirname "$out")/busybox"
echo "debian-kernel.sh: $pkg and busybox-static -> $out, $(dirname "$out")/busybox"
