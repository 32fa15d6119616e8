/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscalls.c: the syscall dispatcher. Every syscall record is built at
 * sys_exit, in one pass: the arguments come from the user registers saved at
 * entry, which a syscall leaves as they were, and strings are read where the
 * syscall itself has just faulted their pages in. So sys_exit needs nothing
 * from sys_enter, and sys_enter is attached only for execve/execveat, whose
 * memory (and registers) are gone after a successful call: those records are
 * built at entry and parked until exit; and for exit/exit_group, which never
 * return: theirs are sent at entry. A syscall that feeds derived events
 * (security.h) goes through the same path, and its exit emits them too.
 */
#include "common.h"
#include "security.h"
#include "arch.h"

#define NR_SYSCALLS 512

/* Selection and argument specs by syscall number; the first and, for an
 * unselected syscall, only map lookup of both dispatchers. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SYSCALLS);
	__type(key, __u32);
	__type(value, struct vigil_syscall);
} syscalls SEC(".maps");

/* The program that emits the derived events of a syscall exit
 * (sys_exit_derived), reached by tail call from the sys_exit program of the
 * same attach mode: the two share the verifier's instruction budget no
 * more. The loader puts it at DERIVED_PROG. */
#define DERIVED_PROG 0

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} derived_progs SEC(".maps");

/* Whole execve/execveat records built at entry, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, struct record);
} pending_exec SEC(".maps");

static __always_inline bool is_exec(long id)
{
	return id == VIGIL_NR_execve || id == VIGIL_NR_execveat;
}

/* never_returns: the syscalls with no sys_exit. */
static __always_inline bool never_returns(long id)
{
	return id == VIGIL_NR_exit || id == VIGIL_NR_exit_group;
}

/* raw_regs holds read_args's copy of the saved user registers in
 * raw_tracepoint mode: on the stack, their 168 bytes (x86) took
 * sys_exit_derived and its deepest emitter past the 512 bytes that a
 * program and the functions it calls share. */
struct regs_copy {
	/* bytes, not arch_regs, which bpf2go cannot write as Go for arm64;
	 * one size for both architectures (TestObjectsMatch) */
	__u8 bytes[320];
};
_Static_assert(sizeof(arch_regs) <= sizeof(struct regs_copy), "arch_regs outgrew regs_copy");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct regs_copy);
} raw_regs SEC(".maps");

/* read_args copies the syscall arguments from the saved user registers:
 * with plain loads where regs is a BTF pointer (tp_btf), else with one read
 * of the whole struct instead of six. */
static __always_inline void read_args(arch_regs *regs, bool btf, bool compat, struct saved_args *s)
{
	if (!btf) {
		__u32 zero = 0;
		struct regs_copy *copy = bpf_map_lookup_elem(&raw_regs, &zero);

		if (!copy) {
			__builtin_memset(s, 0, sizeof(*s));
			return;
		}
		/* zeroed by the helper when it fails, as the stack copy was */
		bpf_probe_read_kernel(copy, sizeof(arch_regs), regs);
		regs = (arch_regs *)copy;
	}
	regs_args(regs, compat, s);
}

/* syscall_config looks up the syscall numbered *nr by the tracepoint and
 * checks its selection for the kind of syscall the current task (set in *t)
 * is in (*compat); it returns the configuration of the x86_64 syscall
 * reported, with its number in *nr, or NULL when that is neither selected
 * nor feeds a derived event. Every other syscall leaves after the first
 * lookup. The task's compat state is still set at sys_exit: it is cleared
 * on the way back to user space. */
static __always_inline struct vigil_syscall *syscall_config(__u32 *nr, struct task_struct **t, bool *compat)
{
	struct vigil_syscall *sc = bpf_map_lookup_elem(&syscalls, nr);

	if (!sc || !(sc->selected | sc->derived))
		return NULL;
	*t = current_task();
	*compat = in_compat_syscall(*t);
#if defined(__TARGET_ARCH_arm64)
	/* the array is indexed by arm64 numbers, the events by x86_64's (native) */
	if (*compat)
		return NULL;
	*nr = sc->native;
	return (sc->selected & VIGIL_SELECTED) || sc->derived ? sc : NULL;
#else
	if (!*compat)
		return (sc->selected & VIGIL_SELECTED) || sc->derived ? sc : NULL;
	if (!(sc->selected & VIGIL_SELECTED_COMPAT))
		return NULL;
	*nr = sc->native;
	return bpf_map_lookup_elem(&syscalls, nr);
#endif
}

/* The arguments are walked with bpf_loop(), as string arrays are (see
 * put_strs_user): its callback is verified for one argument of any kind,
 * where the verifier walks an open-coded loop through every combination
 * of the six arguments' kinds. Some kernels prune those and some
 * (6.18.44-fc-v1252) exceed their million instructions. */
struct args_ctx {
	struct record *r;
	__u64 a[7]; /* the six arguments and a 0: a[i + 1] is the one after i */
	__u32 off;
	__u8 spec[6];
	bool compat;
};

static long put_arg_step(__u64 i, struct args_ctx *c)
{
	if (i >= 6)
		return 1;
	__u64 v = c->a[i];
	__u64 next = c->a[i + 1];
	__u8 spec = c->spec[i];

	/* long, size_t and pointers are 32 bits wide in ia32 */
	if (c->compat && spec == VIGIL_SPEC_INT64)
		spec = VIGIL_SPEC_INT32;
	if (c->compat && spec == VIGIL_SPEC_UINT64)
		spec = VIGIL_SPEC_UINT32;
	switch (spec) {
	case VIGIL_SPEC_INT32:
		put_int(c->r, &c->off, i, (__s32)v);
		break;
	case VIGIL_SPEC_INT64:
		put_int(c->r, &c->off, i, (__s64)v);
		break;
	case VIGIL_SPEC_UINT32:
		put_uint(c->r, &c->off, i, (__u32)v);
		break;
	case VIGIL_SPEC_UINT64:
		put_uint(c->r, &c->off, i, v);
		break;
	case VIGIL_SPEC_STR:
		put_str_user(c->r, &c->off, i, (void *)v);
		break;
	case VIGIL_SPEC_STRS:
		put_strs_user(c->r, &c->off, i, (void *)v, c->compat);
		break;
	case VIGIL_SPEC_SOCKADDR:
		put_bytes_user(c->r, &c->off, i, (void *)v, (__u32)next);
		break;
	case VIGIL_SPEC_SOCKADDR_LENP: {
		int len = 0;

		if (next)
			bpf_probe_read_user(&len, sizeof(len), (void *)next);
		put_bytes_user(c->r, &c->off, i, (void *)v, len > 0 ? len : 0);
		break;
	}
	}
	return 0;
}

/* put_args appends the arguments of one call as its spec says. */
static __always_inline void put_args(struct record *r, __u32 *off, const struct vigil_syscall *sc,
				     const struct saved_args *s, bool compat)
{
	struct args_ctx c = { .r = r, .off = *off, .compat = compat };

	for (int i = 0; i < 6; i++) {
		c.a[i] = s->a[i];
		c.spec[i] = sc->args[i];
	}
	bpf_loop(6, put_arg_step, &c, 0);
	*off = c.off;
}

/* emit_exec sends the execve/execveat record parked at entry, with the
 * context refreshed: a successful exec changed comm and maybe credentials
 * (and a 32-bit exec may start a 64-bit program, but the call was made in
 * 32 bits). */
static __always_inline void emit_exec(struct task_struct *t, long ret)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct record *r = bpf_map_lookup_elem(&pending_exec, &tid);

	if (!r)
		return;
	__u8 argc = HDR(r)->argc;
	__u32 flags = HDR(r)->flags & VIGIL_FLAG_COMPAT;

	fill_hdr(HDR(r), t, bpf_ktime_get_boot_ns());
	HDR(r)->argc = argc;
	HDR(r)->flags |= flags;
	HDR(r)->retval = ret;
	submit(r->data, r->size);
	bpf_map_delete_elem(&pending_exec, &tid);
}

/* on_sys_enter builds the records of execve/execveat and exit/exit_group,
 * and saves the credentials of the calls that feed commit_creds: the
 * syscalls it is attached for; any other syscall leaves after the selection
 * lookup. The rate limit judges an exec here, where its record is built:
 * a throttled one is not parked, and its exit finds nothing to send. */
static __always_inline int on_sys_enter(arch_regs *regs, bool btf, long id)
{
	__u32 nr = id;
	struct task_struct *t;
	bool compat;
	struct vigil_syscall *sc = syscall_config(&nr, &t, &compat);

	if (!sc)
		return 0;
	if (sc->derived & VIGIL_DERIVED_commit_creds) {
		/* the scope is judged at exit, by the credentials left */
		save_entry_creds(t);
		return 0;
	}
	if (!(sc->selected & VIGIL_SELECTED) || !(is_exec(nr) || never_returns(nr)) || !in_scope(t))
		return 0;

	__u32 tid = bpf_get_current_pid_tgid();
	struct saved_args s;
	struct record *r = scratch_record();
	__u32 off;

	if (!r)
		return 0;
	read_args(regs, btf, compat, &s);
	if (!begin_record(r, t, nr, nr, compat, &off))
		return 0;
	put_args(r, &off, sc, &s, compat);
	if (never_returns(nr)) {
		submit(r->data, off);
		return 0;
	}
	r->size = off;
	bpf_map_update_elem(&pending_exec, &tid, r, BPF_ANY);
	return 0;
}

/* on_sys_exit takes the syscall number from the caller: the tracepoint does
 * not pass it, and each program flavor reads it from the saved registers its
 * cheapest way.
 * The scope is checked here, after the call: a setuid() is judged by the
 * credentials it left. Derived events go on in sys_exit_derived. */
static __always_inline int on_sys_exit(void *ctx, arch_regs *regs, bool btf, __u32 nr, long ret)
{
	struct task_struct *t;
	bool compat;
	struct vigil_syscall *sc = syscall_config(&nr, &t, &compat);

	if (!sc)
		return 0;
	if (is_exec(nr)) {
		if (sc->selected & VIGIL_SELECTED)
			emit_exec(t, ret);
		/* a successful exec replaced the memory the derived events
		 * would read; only a failed one feeds them */
		if (ret >= 0 || !sc->derived || !in_scope(t))
			return 0;
		bpf_tail_call(ctx, &derived_progs, DERIVED_PROG);
		return 0;
	}
	if (!in_scope(t))
		return 0;

	if (sc->selected & VIGIL_SELECTED) {
		struct saved_args a;
		struct record *r = scratch_record();
		__u32 off;

		read_args(regs, btf, compat, &a);
		if (r && begin_record(r, t, nr, nr, compat, &off)) {
			HDR(r)->retval = ret;
			put_args(r, &off, sc, &a, compat);
			submit(r->data, off);
		}
	}
	if (sc->derived)
		bpf_tail_call(ctx, &derived_progs, DERIVED_PROG);
	return 0;
}

/* on_sys_exit_derived emits the derived events of a syscall exit that
 * on_sys_exit found selected and in scope. */
static __always_inline int on_sys_exit_derived(arch_regs *regs, bool btf, __u32 nr, long ret)
{
	struct task_struct *t;
	bool compat;
	struct vigil_syscall *sc = syscall_config(&nr, &t, &compat);

	if (!sc || !sc->derived)
		return 0;

	struct saved_args a;

	read_args(regs, btf, compat, &a);
	emit_derived(t, sc->derived, nr, ret, a.a, compat);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(tp_btf_sys_enter, arch_regs *regs, long id)
{
	return on_sys_enter(regs, true, id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_btf_sys_exit, arch_regs *regs, long ret)
{
	/* a BTF pointer: a plain load, no helper call, for every syscall */
	return on_sys_exit(ctx, regs, true, regs->ARCH_SYSCALL_NR, ret);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tp_btf_sys_exit_derived, arch_regs *regs, long ret)
{
	return on_sys_exit_derived(regs, true, regs->ARCH_SYSCALL_NR, ret);
}

SEC("raw_tracepoint/sys_enter")
int raw_tp_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	return on_sys_enter((arch_regs *)ctx->args[0], false, ctx->args[1]);
}

SEC("raw_tracepoint/sys_exit")
int raw_tp_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	arch_regs *regs = (arch_regs *)ctx->args[0];

	return on_sys_exit(ctx, regs, false, BPF_CORE_READ(regs, ARCH_SYSCALL_NR), ctx->args[1]);
}

SEC("raw_tracepoint/sys_exit")
int raw_tp_sys_exit_derived(struct bpf_raw_tracepoint_args *ctx)
{
	arch_regs *regs = (arch_regs *)ctx->args[0];

	return on_sys_exit_derived(regs, false, BPF_CORE_READ(regs, ARCH_SYSCALL_NR), ctx->args[1]);
}
