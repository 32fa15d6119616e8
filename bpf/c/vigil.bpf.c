/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil.bpf.c: the one compilation unit bpf2go builds. The programs share
 * their maps (ring buffer, counters, filters), so the concerns, each in its
 * own file, are included here rather than compiled into separate objects.
 */
#include "syscalls.c"
#include "sched.c"
#include "cgroup.c"

/* GPL: the ring buffer and probe_read helpers are GPL-only. */
char LICENSE[] SEC("license") = "GPL";
