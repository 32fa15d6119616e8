/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire.h: the contract between the BPF programs and the Go side (bpf/decode.go,
 * bpf/probe_linux.go). This is the one place where the record format is
 * described; the Go decoder mirrors it field by field.
 *
 * One ring buffer record is one event:
 *
 *   struct vigil_hdr             fixed header, 112 bytes, little endian
 *   argc times:
 *     u8 index                   position of the argument in the event's
 *                                catalog Args list (catalog/catalog_gen.go)
 *     u8 kind                    VIGIL_KIND_*
 *     payload:
 *       INT, UINT                8 bytes (s64 / u64)
 *       STR                      u32 len, len bytes (no NUL)
 *       STRS                     u32 count, then count times (u32 len, len bytes)
 *       BYTES                    u32 len, len bytes
 *
 * Arguments appear in increasing index order; an argument that could not be
 * captured (or was not asked for) is left out rather than sent empty, except
 * for unreadable strings, which are sent with len 0 as Tracee does.
 */
#ifndef VIGIL_WIRE_H
#define VIGIL_WIRE_H

/*
 * Event ids, argument positions, derivation bits, syscall numbers and the
 * constants shared with Go (VIGIL_KIND_*, VIGIL_FLAG_*, VIGIL_SPEC_*,
 * VIGIL_SELECTED*, FILTER_*, ORIGIN_*, CAPTURE_*, EXEC_EMIT_*) are generated
 * from the event table, internal/eventgen/events.yaml.
 */
#include "events.h"

/* Per-syscall configuration: the value of the syscalls array map. */
struct vigil_syscall {
	__u8 selected;
	__u8 args[6]; /* VIGIL_SPEC_* per argument register */
	__u8 _pad;
	__u16 native; /* VIGIL_SELECTED_COMPAT: the x86_64 number reported */
	__u16 _pad2;
	__u32 derived; /* VIGIL_DERIVED_* bits (on the x86_64 number only) */
};

/* The fixed record header. Offsets are part of the contract. */
struct vigil_hdr {
	__u64 ts;          /*   0: bpf_ktime_get_boot_ns() */
	__u64 start_time;  /*   8: task->start_boottime */
	__u64 cgroup_id;   /*  16: the task's cgroup v2 id (kn->id) */
	__s64 retval;      /*  24: syscall return value, 0 for other events */
	__u32 event_id;    /*  32: Tracee event id */
	__s32 syscall;     /*  36: originating syscall number, -1 if none */
	__u32 host_pid;    /*  40 */
	__u32 host_tid;    /*  44 */
	__u32 host_ppid;   /*  48 */
	__u32 pid;         /*  52: ids in the task's own pid namespace */
	__u32 tid;         /*  56 */
	__u32 ppid;        /*  60: 0 when the parent is outside that namespace */
	__u32 uid;         /*  64 */
	__u32 gid;         /*  68 */
	__u32 mnt_ns;      /*  72: mount namespace inode number */
	__u32 pid_ns;      /*  76: pid namespace inode number */
	__u32 cpu;         /*  80 */
	__u32 flags;       /*  84: VIGIL_FLAG_* */
	char comm[16];     /*  88 */
	__u8 argc;         /* 104: number of arguments that follow */
	__u8 _pad[7];      /* 105: keeps the header 8-byte aligned */
};

/* Per-CPU counters (the value of the counters map). */
struct vigil_counters {
	__u64 submitted;    /* records written to the ring buffer */
	__u64 lost;         /* records dropped: ring buffer full */
	__u64 throttled;    /* records dropped: their process exceeded the rate limit */
	__u64 since_wakeup; /* records since the last forced wake-up (internal) */
};

#endif /* VIGIL_WIRE_H */
