#!/usr/bin/env bash
# kernel-vm.sh ARCH KERNEL DIR PROGRAM [ARG...]
#
# Boots KERNEL (a Debian kernel image, scripts/debian-kernel.sh, with the
# busybox it put next to it) on an emulated ARCH (arm64 or amd64) machine
# under qemu-system. The initramfs holds internal/vminit as /init, busybox,
# a copy of the directory DIR (a test's package, with its testdata and
# other files; or what a script runs) and PROGRAM, for ARCH: a Go test
# binary, or a script for busybox's sh. vminit runs it in that copy with
# ARGs, as root (VIGIL_REQUIRE_EBPF=1); the script then exits with
# PROGRAM's status. The console goes to
# standard output. VM_CPUS sets the machine's CPUs: 1 by default, as two
# emulated CPUs failed where real ones do not (bpf/README.md, Older
# kernels). VM_KERNEL_ARGS replaces "quiet" on the kernel command line
# (e.g. loglevel=7 for the kernel's stack traces).
#
# This is how the BPF objects are loaded, verified and run by kernels other
# than this machine's: the arm64 object by an arm64 kernel, and both by the
# kernel of the oldest distribution release the project is tested against.
# qemu emulates the CPU (no KVM here): booting takes seconds, the tests
# some ten times their native time. Also how vigilcol itself runs there
# (scripts/vm-detect-smoke.sh).
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 ARCH KERNEL DIR PROGRAM [ARG...]" >&2; exit 2; }
arch=$1 kernel=$2 pkg_dir=$3 program=$4
shift 4
busybox=$(dirname "$kernel")/busybox
case $arch in
arm64)
	qemu=(qemu-system-aarch64 -M virt -cpu max)
	console=ttyAMA0
	pkg=qemu-system-arm
	;;
amd64)
	qemu=(qemu-system-x86_64 -M q35 -cpu max)
	console=ttyS0
	pkg=qemu-system-x86
	;;
*)
	echo "$0: ARCH must be arm64 or amd64, not $arch" >&2
	exit 2
	;;
esac
for f in "$kernel" "$busybox" "$program" "$pkg_dir"; do
	[ -e "$f" ] || { echo "$0: $f: no such file" >&2; exit 2; }
done
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/need-packages.sh" --required "${qemu[0]}:$pkg" cpio:cpio

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/etc"
(cd "$here" && GOARCH=$arch CGO_ENABLED=0 go build -o "$work/root/init" ./internal/vminit)
cp "$busybox" "$work/root/bin/busybox"
# vminit is /bin/true too, a program of its own (see internal/vminit)
ln "$work/root/init" "$work/root/bin/true"
echo vigil-vm >"$work/root/etc/hostname"
printf "127.0.0.1 localhost\n::1 localhost\n" >"$work/root/etc/hosts"
cp -r "$pkg_dir" "$work/root/package"
# PROGRAM keeps its name: tests filter on the comm it gives
cp "$program" "$work/root/"
(cd "$work/root" && find . | cpio -o -H newc --quiet) >"$work/initrd"

# Everything after "--" on the kernel command line is init's argv.
"${qemu[@]}" -smp "${VM_CPUS:-1}" -m 2048 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd" \
	-append "console=$console panic=-1 ${VM_KERNEL_ARGS:-quiet} -- -C /package /$(basename "$program") $*" | tee "$work/console"
status=$(sed -n 's/^vminit: exit status \([0-9]*\).*/\1/p' "$work/console" | tail -1)
[ -n "$status" ] || { echo "$0: the machine stopped without PROGRAM's exit status" >&2; exit 1; }
exit "$status"
