#!/bin/sh
# The linux/arm64 vigilcol (make build-arm64) run under qemu-user on another
# architecture: make e2e-arm64 hands this to the end-to-end tests as
# VIGILCOL. Capture cannot run this way (the arm64 object's CO-RE relocations
# need an arm64 kernel); replay and config validation can.
exec qemu-aarch64-static "$(dirname "$0")/../_build/arm64/vigilcol" "$@"
