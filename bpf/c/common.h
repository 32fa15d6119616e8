/* SPDX-License-Identifier: GPL-2.0 */
/*
 * common.h: what every program shares: configuration, scope filters, the
 * event context, the record writer and ring buffer submission.
 */
#ifndef VIGIL_COMMON_H
#define VIGIL_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "wire.h"

/* Size limits of one record. REC_MAX is a power of two so that offsets can
 * be masked: the verifier needs every write position proven in bounds. */
#define REC_MAX 16384
#define REC_MASK (REC_MAX - 1)
#define STR_MAX 4096       /* one path or string argument */
#define ARGV_STR_MAX 256   /* one argv/envp entry */
#define ARGV_MAX 32        /* argv/envp entries */
/* Past the first ARGV_MAX environment entries, the scan goes on for at most
 * ENV_SCAN_MAX more and keeps up to ENV_LOADER_EACH entries of each loader
 * variable (see keep_loader_var()): an LD_PRELOAD must not hide behind filler
 * variables, nor behind entries of the other loader variable. */
#define ENV_SCAN_MAX 1024
#define ENV_LOADER_EACH 4
#define SOCKADDR_MAX 128   /* sizeof(struct sockaddr_storage) */

/* Inode number of the initial pid namespace (PROC_PID_INIT_INO, fixed by the
 * kernel ABI). A task whose pid namespace differs runs in a container. */
#define INIT_PID_NS_INUM 0xEFFFFFFCU

/* A record being built. data holds REC_MAX bytes of record plus STR_MAX of
 * slack, so that (masked offset < REC_MAX) + (one write <= STR_MAX) is always
 * inside the value; the logical size never exceeds REC_MAX. */
struct record {
	__u32 size;
	__u32 _pad;
	union {
		struct vigil_hdr hdr;
		__u8 data[REC_MAX + STR_MAX];
	};
};

#define HDR(r) (&(r)->hdr)

/* ---- configuration, set by the loader before the programs are loaded ----
 * (the FILTER_*, ORIGIN_*, CAPTURE_* and EXEC_EMIT_* values are in events.h;
 * the sched_process_exec program serves two events, EXEC_EMIT_* says which) */

volatile const __u32 cfg_filters = 0;       /* FILTER_*: which allow-lists are active */
volatile const __u32 cfg_origin = ORIGIN_ANY;
volatile const __u32 cfg_capture = CAPTURE_ARGV; /* CAPTURE_* for sched_process_exec */
volatile const __u32 cfg_exec_events = EXEC_EMIT_SCHED; /* EXEC_EMIT_* */
volatile const __u64 cfg_wakeup_events = 4096;    /* force a wake-up after this many records per CPU */
volatile const __u64 cfg_wakeup_bytes = 1 << 20; /* ... or when this much data waits */
/* Per-process rate limit (see throttled()): the nanoseconds a process earns
 * one record in, 0 for no limit, and the credit a burst may spend ahead of
 * that pace, interval * (burst - 1). */
volatile const __u64 cfg_rate_interval = 0;
volatile const __u64 cfg_rate_tolerance = 0;
/* Whether the sched_process_exit tracepoint passes group_dead as its
 * second argument, as 6.18 does and 6.1 does not (see sched.c); the loader
 * reads it from the tracepoint's prototype in the kernel's BTF. */
volatile const __u32 cfg_exit_group_dead_arg = 1;

/* ---- maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_counters);
} counters SEC(".maps");

/* The rate limit's state per process (tgid): the time, in the records'
 * boot-time clock, at which the process's next record is due. LRU: a
 * process evicted, or new, starts with its full burst. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} rate_due SEC(".maps");

/* Per-CPU scratch: records are built here, not on the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} scratch SEC(".maps");

/* Scope: never-traced tgids (the collector itself) and allow-lists. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} excluded_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} allowed_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} allowed_uids SEC(".maps");

struct comm_key {
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct comm_key);
	__type(value, __u8);
} allowed_comms SEC(".maps");

/* ---- scope ---- */

/*
 * The current task comes from bpf_get_current_task_btf(): fields are then
 * plain loads (the JIT guards them against faults) instead of a
 * bpf_probe_read_kernel() call each, which matters on every traced syscall.
 */
static __always_inline struct task_struct *current_task(void)
{
	return bpf_get_current_task_btf();
}

/* pid_at returns the upid (number and namespace) of pid at namespace level
 * lvl; pid->numbers is a flexible array, so it is read by address. */
static __always_inline struct upid pid_at(struct pid *pid, __u32 lvl)
{
	struct upid up = {};

	bpf_probe_read_kernel(&up, sizeof(up), &pid->numbers[lvl & 31]);
	return up;
}

/* A task's pid namespace level: 0 in the initial namespace, where every id
 * is the host id; more in a container. */
static __always_inline __u32 task_level(struct task_struct *t)
{
	return t->thread_pid->level;
}

/* in_scope applies the scope filters to the current task. Cheap checks come
 * first; every list is skipped unless configured. */
static __always_inline bool in_scope(struct task_struct *t)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (bpf_map_lookup_elem(&excluded_tgids, &tgid))
		return false;
	if ((cfg_filters & FILTER_PIDS) && !bpf_map_lookup_elem(&allowed_tgids, &tgid))
		return false;
	if (cfg_filters & FILTER_UIDS) {
		__u32 uid = bpf_get_current_uid_gid();

		if (!bpf_map_lookup_elem(&allowed_uids, &uid))
			return false;
	}
	if (cfg_filters & FILTER_COMMS) {
		struct comm_key k = {};

		bpf_get_current_comm(k.comm, sizeof(k.comm));
		if (!bpf_map_lookup_elem(&allowed_comms, &k))
			return false;
	}
	if (cfg_origin != ORIGIN_ANY && (task_level(t) > 0) != (cfg_origin == ORIGIN_CONTAINER))
		return false;
	return true;
}

/* ---- context ---- */

/* fill_ns_ids fills the ids of a task in a non-initial pid namespace, as the task
 * sees them. */
static __always_inline void fill_ns_ids(struct vigil_hdr *h, struct task_struct *t, __u32 lvl)
{
	struct upid up = pid_at(t->thread_pid, lvl);

	h->tid = up.nr;
	h->pid = pid_at(t->group_leader->thread_pid, lvl).nr;
	h->pid_ns = BPF_CORE_READ(up.ns, ns.inum);
	/* the parent's number as getppid() reports it: 0 when the parent
	 * lives outside the namespace (a container's init) */
	h->ppid = 0;
	struct pid *ppid = t->real_parent->group_leader->thread_pid;

	if (ppid->level >= lvl) {
		struct upid pup = pid_at(ppid, lvl);

		if (pup.ns == up.ns)
			h->ppid = pup.nr;
	}
}

/* fill_hdr writes the context of the current task t, at time ts (the
 * boot-time clock), into h. event_id, syscall, retval and argc are the
 * caller's. */
static __always_inline void fill_hdr(struct vigil_hdr *h, struct task_struct *t, __u64 ts)
{
	/* plain loads from the task, where the bpf_get_current_* helpers
	 * were a call each: the same fields they read (the subjective
	 * credentials, the cgroup v2 id, comm as set_task_comm pads it) */
	const struct cred *cred = t->cred;
	__u32 lvl = task_level(t);

	h->ts = ts;
	h->start_time = t->start_boottime;
	h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	h->host_pid = t->tgid;
	h->host_tid = t->pid;
	h->host_ppid = t->real_parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->mnt_ns = t->nsproxy->mnt_ns->ns.inum;
	h->cpu = bpf_get_smp_processor_id();
	__builtin_memcpy(h->comm, t->comm, sizeof(h->comm));
	if (lvl == 0) {
		/* the common case: a host task sees host ids */
		h->pid = h->host_pid;
		h->tid = h->host_tid;
		h->ppid = h->host_ppid;
		h->pid_ns = INIT_PID_NS_INUM;
		h->flags = 0;
		return;
	}
	fill_ns_ids(h, t, lvl);
	h->flags = VIGIL_FLAG_CONTAINER;
}

/* ---- record writer ----
 *
 * Writers append at *off and bump the header's argc. Positions are masked with
 * REC_MASK only to convince the verifier: each writer first checks that the
 * write ends within REC_MAX, so the mask never changes a position. The wire
 * format packs fields without alignment; x86 has efficient unaligned access,
 * which the verifier accepts for map values. */

/*
 * masked and at_most bound a position or a length for the verifier on the
 * register that then indexes or is passed: clang drops a mask or a cap that
 * an earlier comparison makes redundant, and computes the value in another
 * register than the one compared. Older verifiers (Linux 6.1's, Debian
 * 12's and Amazon Linux 2023's) neither carry a comparison's bounds to
 * such a copy nor learn any from comparing two variables, and refuse the
 * access; 6.18's does both. The empty asm hides the value from clang, so
 * the operation stays.
 */
static __always_inline __u32 masked(__u32 v, __u32 mask)
{
	asm volatile("" : "+r"(v));
	return v & mask;
}

static __always_inline __u32 at_most(__u32 v, __u32 limit)
{
	asm volatile("" : "+r"(v));
	return v < limit ? v : limit;
}

static __always_inline bool arg_begin(struct record *r, __u32 *off, __u8 idx, __u8 kind, __u32 need)
{
	/* written so that it cannot wrap: need is a constant */
	if (*off > REC_MAX - 2 - need)
		return false;
	r->data[masked(*off, REC_MASK)] = idx;
	r->data[masked(*off + 1, REC_MASK)] = kind;
	*off += 2;
	HDR(r)->argc++;
	return true;
}

static __always_inline void put_u32_at(struct record *r, __u32 off, __u32 v)
{
	*(__u32 *)&r->data[masked(off, REC_MASK)] = v;
}

static __always_inline void put_int(struct record *r, __u32 *off, __u8 idx, __s64 v)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_INT, 8))
		return;
	*(__s64 *)&r->data[masked(*off, REC_MASK)] = v;
	*off += 8;
}

static __always_inline void put_uint(struct record *r, __u32 *off, __u8 idx, __u64 v)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_UINT, 8))
		return;
	*(__u64 *)&r->data[masked(*off, REC_MASK)] = v;
	*off += 8;
}

/* room returns how many payload bytes fit after a u32 length at off, capped
 * at max (a constant, which bounds the result for the verifier). */
static __always_inline __u32 room(__u32 off, __u32 max)
{
	if (off > REC_MAX - 4)
		return 0;
	__u32 left = REC_MAX - 4 - off;

	return left < max ? left : max;
}

/* str_len turns a *_str helper result (length with NUL, or error) into the
 * length sent: unreadable strings become empty ones. The helper's limit
 * (at most STR_MAX) bounds it; at_most shows the verifier so. */
static __always_inline __u32 str_len(long n)
{
	return n > 0 ? at_most(n - 1, STR_MAX) : 0;
}

static __always_inline void put_str_user(struct record *r, __u32 *off, __u8 idx, const void *ptr)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_STR, 4))
		return;
	__u32 max = room(*off, STR_MAX);
	__u32 n = str_len(bpf_probe_read_user_str(&r->data[masked(*off + 4, REC_MASK)], max, ptr));

	put_u32_at(r, *off, n);
	*off += 4 + n;
}

static __always_inline void put_str_kernel(struct record *r, __u32 *off, __u8 idx, const void *ptr)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_STR, 4))
		return;
	__u32 max = room(*off, STR_MAX);
	__u32 n = str_len(bpf_probe_read_kernel_str(&r->data[masked(*off + 4, REC_MASK)], max, ptr));

	put_u32_at(r, *off, n);
	*off += 4 + n;
}

/* put_bytes_kernel sends len bytes of kernel (or stack) memory. */
static __always_inline void put_bytes_kernel(struct record *r, __u32 *off, __u8 idx, const void *ptr, __u32 len)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_BYTES, 4))
		return;
	__u32 max = room(*off, SOCKADDR_MAX);

	len = at_most(len < max ? len : max, SOCKADDR_MAX);
	if (bpf_probe_read_kernel(&r->data[masked(*off + 4, REC_MASK)], len, ptr))
		len = 0;
	put_u32_at(r, *off, len);
	*off += 4 + len;
}

/* put_bytes_user sends len bytes of user memory (a sockaddr). */
static __always_inline void put_bytes_user(struct record *r, __u32 *off, __u8 idx, const void *ptr, __u32 len)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_BYTES, 4))
		return;
	__u32 max = room(*off, SOCKADDR_MAX);

	len = at_most(len < max ? len : max, SOCKADDR_MAX);
	if (!ptr || bpf_probe_read_user(&r->data[masked(*off + 4, REC_MASK)], len, ptr))
		len = 0;
	put_u32_at(r, *off, len);
	*off += 4 + len;
}

/* String arrays are walked with bpf_loop(): its callback is verified once,
 * where an open-coded loop of string reads is verified per iteration and
 * exceeds the verifier's budget. */
struct strs_ctx {
	struct record *r;
	__u32 off;
	__u32 count;
	__u64 ptr;   /* user array (put_strs_user) or area position (put_strs_area) */
	__u64 end;   /* put_strs_area: end of the area */
	__u32 psize; /* put_strs_user: pointer size */
	bool tail;   /* put_strs_area: the next read is the rest of a cut entry */
	bool loader; /* put_strs_area: past ARGV_MAX, keep loader variables */
	__u8 preloads, audits; /* put_strs_area: loader variables kept */
};

static long strs_user_step(__u64 i, struct strs_ctx *c)
{
	struct record *r = c->r;
	__u64 p = 0;
	__u32 off = c->off;

	void *slot = (void *)(c->ptr + i * c->psize);
	long err = c->psize == 4 ? bpf_probe_read_user(&p, 4, slot) : bpf_probe_read_user(&p, 8, slot);

	if (err || !p)
		return 1;
	__u32 max = room(off, ARGV_STR_MAX);
	if (!max)
		return 1;
	__u32 n = str_len(bpf_probe_read_user_str(&r->data[masked(off + 4, REC_MASK)], max, (void *)p));

	put_u32_at(r, off, n);
	c->off = off + 4 + n;
	c->count++;
	return 0;
}

/* put_strs_user sends a NULL-terminated user array of string pointers (argv,
 * envp), at most ARGV_MAX entries of at most ARGV_STR_MAX bytes each. compat
 * tasks have 4-byte pointers. */
static __always_inline void put_strs_user(struct record *r, __u32 *off, __u8 idx, const void *arr, bool compat)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_STRS, 4))
		return;
	struct strs_ctx c = {
		.r = r,
		.off = *off + 4,
		.ptr = (__u64)arr,
		.psize = compat ? 4 : 8,
	};

	bpf_loop(ARGV_MAX, strs_user_step, &c, 0);
	put_u32_at(r, *off, c.count);
	*off = c.off;
}

/* head_is: whether the 16 bytes h begin with the n (9 to 16) bytes of p.
 * Word compares keep the verifier's work small where byte compares branch
 * at every byte; the objects are little-endian, so the first bytes of a
 * word are its low ones. */
static __always_inline bool head_is(const __u64 h[2], const char *p, int n)
{
	__u64 w[2] = {};

	__builtin_memcpy(w, p, n);
	__u64 mask = n >= 16 ? ~0ULL : (1ULL << ((n - 8) * 8)) - 1;
	return h[0] == w[0] && (h[1] & mask) == w[1];
}

/* keep_loader_var: whether the environment entry at s (NUL-terminated, in
 * the record) sets a variable with which the dynamic loader runs code of the
 * caller's choice in the new program, and fewer than ENV_LOADER_EACH of its
 * name were kept. Only these two names: one that carried no code
 * (LD_LIBRARY_PATH) would be filler kept for nothing. A shorter entry
 * differs at its NUL. */
static __always_inline bool keep_loader_var(struct strs_ctx *c, const void *s)
{
	__u64 h[2];

	if (bpf_probe_read_kernel(h, sizeof(h), s))
		return false;
	if (head_is(h, "LD_PRELOAD=", 11) && c->preloads < ENV_LOADER_EACH) {
		c->preloads++;
		return true;
	}
	if (head_is(h, "LD_AUDIT=", 9) && c->audits < ENV_LOADER_EACH) {
		c->audits++;
		return true;
	}
	return false;
}

static long strs_area_step(__u64 i, struct strs_ctx *c)
{
	struct record *r = c->r;
	__u32 off = c->off;

	if (c->ptr >= c->end || c->count >= (c->loader ? ARGV_MAX + 2 * ENV_LOADER_EACH : ARGV_MAX))
		return 1;
	__u32 max = room(off, ARGV_STR_MAX);
	if (!max)
		return 1;
	long n = bpf_probe_read_user_str(&r->data[masked(off + 4, REC_MASK)], max, (void *)c->ptr);
	if (n <= 0)
		return 1;
	/* n == max is either an entry of exactly max-1 bytes or a cut one:
	 * the user byte where the NUL was put tells. */
	bool cut = false;
	if (n == max) {
		char b = 0;

		bpf_probe_read_user(&b, 1, (void *)(c->ptr + n - 1));
		cut = b != 0;
	}
	c->ptr += cut ? n - 1 : n;
	bool was_tail = c->tail;

	c->tail = cut;
	if (was_tail)
		return 0;
	/* Past ARGV_MAX an entry is kept only if it is a loader variable; the
	 * others were read where the next entry will be, and are overwritten. */
	if (c->count >= ARGV_MAX && !keep_loader_var(c, &r->data[masked(off + 4, REC_MASK)]))
		return 0;
	put_u32_at(r, off, n - 1);
	c->off = off + 4 + n - 1;
	c->count++;
	return 0;
}

/* put_strs_area sends the NUL-separated strings of a user memory area
 * [start, end) (mm->arg_start..arg_end), as the kernel laid them out for the
 * new program: its first ARGV_MAX entries and, for an environment (env),
 * up to ENV_LOADER_EACH entries of each loader variable among the
 * ENV_SCAN_MAX entries after them. An entry longer than ARGV_STR_MAX is cut and the rest of it
 * skipped: it is re-read into the same place without being counted. */
static __always_inline void put_strs_area(struct record *r, __u32 *off, __u8 idx, __u64 start, __u64 end,
					  bool env)
{
	if (!arg_begin(r, off, idx, VIGIL_KIND_STRS, 4))
		return;
	struct strs_ctx c = {
		.r = r,
		.off = *off + 4,
		.ptr = start,
		.end = end,
		.loader = env,
	};

	/* Two reads per kept entry at most before the limit (a cut entry's
	 * head and tail); past it, one per entry in the common case. */
	bpf_loop(env ? 2 * ARGV_MAX + ENV_SCAN_MAX : 2 * ARGV_MAX, strs_area_step, &c, 0);
	put_u32_at(r, *off, c.count);
	*off = c.off;
}

/* ---- submission ---- */

/* tracking_event: the events the receiver keeps its process tree and
 * container map with. They are never throttled: losing one would misattribute
 * every later record of the process. */
static __always_inline bool tracking_event(__u32 id)
{
	return id == VIGIL_EVENT_sched_process_fork || id == VIGIL_EVENT_sched_process_exec ||
	       id == VIGIL_EVENT_sched_process_exit || id == VIGIL_EVENT_cgroup_mkdir;
}

/*
 * throttled applies the per-process rate limit to an event of the current
 * process at time now, and counts it when it drops it: a generic cell rate
 * algorithm, one timestamp per process instead of a token count and a
 * refill time, so no division runs here. A process may run up to
 * cfg_rate_tolerance ahead of one record per cfg_rate_interval; beyond
 * that its events are dropped until its pace falls back. Threads of one
 * process on several CPUs update the time without a lock: a race lets a
 * record more through, never fewer.
 * A function of its own, not inlined: the verifier then leaves its paths
 * (first record of a process or not, counted or not) behind at its return,
 * where inlined they reach the syscall dispatcher's argument loop as
 * distinct states (sys_exit's verification: 552,629 instructions inlined,
 * 484,471 not; see the README's Verifier cost).
 */
static __noinline bool throttled(__u32 event_id, __u64 now)
{
	if (!cfg_rate_interval || tracking_event(event_id))
		return false;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 *due = bpf_map_lookup_elem(&rate_due, &tgid);

	if (!due) {
		__u64 next = now + cfg_rate_interval;

		bpf_map_update_elem(&rate_due, &tgid, &next, BPF_ANY);
		return false;
	}
	__u64 t = *due > now ? *due : now;

	if (t - now <= cfg_rate_tolerance) {
		*due = t + cfg_rate_interval;
		return false;
	}
	__u32 zero = 0;
	struct vigil_counters *c = bpf_map_lookup_elem(&counters, &zero);

	if (c)
		c->throttled++;
	return true;
}

/* submit copies a finished record into the ring buffer (the rate limit was
 * applied before it was built, see begin_record). Wake-ups are batched: the
 * reader is woken after cfg_wakeup_events records on this CPU or when
 * cfg_wakeup_bytes wait, otherwise not at all (the Go reader also flushes
 * on a timer); a wake-up per record triples the cost of tracing. */
static __always_inline void submit(const void *data, __u32 size)
{
	__u32 zero = 0;
	struct vigil_counters *c = bpf_map_lookup_elem(&counters, &zero);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (!c)
		return;
	if (size > REC_MAX)
		size = REC_MAX;
	if (++c->since_wakeup >= cfg_wakeup_events ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes) {
		flags = BPF_RB_FORCE_WAKEUP;
		c->since_wakeup = 0;
	}
	if (bpf_ringbuf_output(&events, (void *)data, size, flags))
		c->lost++;
	else
		c->submitted++;
}

static __always_inline struct record *scratch_record(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/*
 * begin_record starts the record of an event the caller has decided to
 * emit, and sets *off to where its arguments go; false when the rate limit
 * drops the event instead (counted as throttled). It is called once the
 * event is known to be sent and before anything of it is read, so that a
 * throttled event costs the check alone, not the building of a record
 * nobody reads: every emitter submits what it begins.
 */
static __always_inline bool begin_record(struct record *r, struct task_struct *t, __u32 event_id, __s32 syscall,
					 bool compat, __u32 *off)
{
	struct vigil_hdr *h = HDR(r);
	__u64 now = bpf_ktime_get_boot_ns();

	if (throttled(event_id, now))
		return false;
	fill_hdr(h, t, now);
	if (compat)
		h->flags |= VIGIL_FLAG_COMPAT;
	h->event_id = event_id;
	h->syscall = syscall;
	h->retval = 0;
	h->argc = 0;
	*off = sizeof(struct vigil_hdr);
	return true;
}

/*
 * begin_task_record starts the record of event_id, an event of the current
 * task t that is not a syscall's (a scheduler or cgroup tracepoint's), and
 * sets *off as begin_record does; NULL when t is out of scope or the rate
 * limit drops the event.
 */
static __always_inline struct record *begin_task_record(struct task_struct *t, __u32 event_id, __u32 *off)
{
	if (!in_scope(t))
		return NULL;
	struct record *r = scratch_record();

	if (!r || !begin_record(r, t, event_id, -1, false, off))
		return NULL;
	return r;
}

#endif /* VIGIL_COMMON_H */
