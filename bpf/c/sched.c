/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sched.c: process life cycle events from the scheduler tracepoints. The
 * loader attaches only the ones selected, so there is no selection check.
 */
#include "common.h"
#include "file.h"

/* ns_ids returns a task's thread and process ids in its own pid namespace. */
static __always_inline void ns_ids(struct task_struct *t, __u32 *tid, __u32 *pid)
{
	struct pid *tp = BPF_CORE_READ(t, thread_pid);
	__u32 lvl = BPF_CORE_READ(tp, level);

	*tid = pid_at(tp, lvl).nr;
	*pid = pid_at(BPF_CORE_READ(t, group_leader, thread_pid), lvl).nr;
}

static __always_inline int on_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 off;
	struct record *r = begin_task_record(current_task(), VIGIL_EVENT_sched_process_fork, &off);

	if (!r)
		return 0;
	__u32 tid, pid;

	ns_ids(parent, &tid, &pid);
	put_int(r, &off, VIGIL_ARG_sched_process_fork__parent_tid, BPF_CORE_READ(parent, pid));
	put_int(r, &off, VIGIL_ARG_sched_process_fork__parent_ns_tid, tid);
	put_int(r, &off, VIGIL_ARG_sched_process_fork__parent_pid, BPF_CORE_READ(parent, tgid));
	put_int(r, &off, VIGIL_ARG_sched_process_fork__parent_ns_pid, pid);
	ns_ids(child, &tid, &pid);
	put_int(r, &off, VIGIL_ARG_sched_process_fork__child_tid, BPF_CORE_READ(child, pid));
	put_int(r, &off, VIGIL_ARG_sched_process_fork__child_ns_tid, tid);
	put_int(r, &off, VIGIL_ARG_sched_process_fork__child_pid, BPF_CORE_READ(child, tgid));
	put_int(r, &off, VIGIL_ARG_sched_process_fork__child_ns_pid, pid);
	put_uint(r, &off, VIGIL_ARG_sched_process_fork__start_time, BPF_CORE_READ(child, start_boottime));
	submit(r->data, off);
	return 0;
}

/* The comm a task had before its exec renamed it, by thread id: an exec
 * renames the task (begin_new_exec) before sched_process_exec fires, and the
 * task_rename tracepoint sees the old name. Kept while security_bprm_check
 * is selected; an entry left by a prctl rename is overwritten by the next
 * exec's. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct comm_key);
} exec_comm SEC(".maps");

/*
 * security_bprm_check: Tracee's hook runs while the kernel checks the new
 * program, in the caller's context; here the exec that went through reports
 * it. The record's comm is the caller's (saved at the exec's rename), as in
 * Tracee: a server that runs /bin/sh is reported as the server. The file is
 * the one being run (its path resolved in the kernel), and argv and envp are
 * read where the kernel laid them out for the new program.
 */
static __noinline void emit_bprm_check(struct record *r, struct task_struct *t, struct linux_binprm *bprm)
{
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_bprm_check, -1, false, &off))
		return;
	__u32 tid = bpf_get_current_pid_tgid();
	struct comm_key *old = bpf_map_lookup_elem(&exec_comm, &tid);

	if (old) {
		__builtin_memcpy(HDR(r)->comm, old->comm, sizeof(old->comm));
		bpf_map_delete_elem(&exec_comm, &tid);
	}
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *ino = BPF_CORE_READ(file, f_inode);
	struct mm_struct *mm = BPF_CORE_READ(t, mm);

	put_file_path(r, &off, VIGIL_ARG_security_bprm_check__pathname, file);
	put_uint(r, &off, VIGIL_ARG_security_bprm_check__dev, BPF_CORE_READ(ino, i_sb, s_dev));
	put_uint(r, &off, VIGIL_ARG_security_bprm_check__inode, BPF_CORE_READ(ino, i_ino));
	put_strs_area(r, &off, VIGIL_ARG_security_bprm_check__argv, BPF_CORE_READ(mm, arg_start),
		      BPF_CORE_READ(mm, arg_end), false);
	if (cfg_capture & CAPTURE_ENV)
		put_strs_area(r, &off, VIGIL_ARG_security_bprm_check__envp, BPF_CORE_READ(mm, env_start),
			      BPF_CORE_READ(mm, env_end), true);
	submit(r->data, off);
}

static __always_inline int on_exec(struct linux_binprm *bprm)
{
	struct task_struct *t = current_task();

	if (!in_scope(t))
		return 0;
	struct record *r = scratch_record();
	if (!r)
		return 0;
	if (cfg_exec_events & EXEC_EMIT_BPRM)
		emit_bprm_check(r, t, bprm);
	if (!(cfg_exec_events & EXEC_EMIT_SCHED))
		return 0;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_sched_process_exec, -1, false, &off))
		return 0;
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *ino = BPF_CORE_READ(file, f_inode);
	struct mm_struct *mm = BPF_CORE_READ(t, mm);

	put_str_kernel(r, &off, VIGIL_ARG_sched_process_exec__cmdpath, BPF_CORE_READ(bprm, filename));
	put_file_path(r, &off, VIGIL_ARG_sched_process_exec__pathname, file);
	put_uint(r, &off, VIGIL_ARG_sched_process_exec__dev, BPF_CORE_READ(ino, i_sb, s_dev));
	put_uint(r, &off, VIGIL_ARG_sched_process_exec__inode, BPF_CORE_READ(ino, i_ino));
	put_uint(r, &off, VIGIL_ARG_sched_process_exec__ctime, inode_ctime(ino));
	put_uint(r, &off, VIGIL_ARG_sched_process_exec__inode_mode, BPF_CORE_READ(ino, i_mode));
	/* bprm->interp: the script interpreter named by a #! line, else the
	 * file name; Tracee fills interpreter_pathname from the ELF loader
	 * (ld.so), which these hooks do not see. */
	put_str_kernel(r, &off, VIGIL_ARG_sched_process_exec__interpreter_pathname, BPF_CORE_READ(bprm, interp));
	if (cfg_capture & CAPTURE_ARGV)
		put_strs_area(r, &off, VIGIL_ARG_sched_process_exec__argv,
			      BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end), false);
	put_str_kernel(r, &off, VIGIL_ARG_sched_process_exec__interp, BPF_CORE_READ(bprm, interp));
	put_stdin(r, &off, VIGIL_ARG_sched_process_exec__stdin_type, VIGIL_ARG_sched_process_exec__stdin_path, t);
	put_int(r, &off, VIGIL_ARG_sched_process_exec__invoked_from_kernel, 0);
	if (cfg_capture & CAPTURE_ENV)
		put_strs_area(r, &off, VIGIL_ARG_sched_process_exec__env,
			      BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end), true);
	submit(r->data, off);
	return 0;
}

/* on_exit takes the tracepoint's arguments, (p, group_dead) on newer
 * kernels, (p) alone on others such as 6.1, which refuse a program that
 * reads past them: args[1] is read only where cfg_exit_group_dead_arg says
 * it is there. Elsewhere do_exit has already counted p out of
 * signal->live, which reaches 0 for the process's last thread; two threads
 * exiting at once may then both read 0 and both report the process's
 * exit. Either is read once the record is known to be sent. */
static __always_inline int on_exit(__u64 *args)
{
	struct task_struct *p = (void *)args[0];
	__u32 off;
	struct record *r = begin_task_record(current_task(), VIGIL_EVENT_sched_process_exit, &off);

	if (!r)
		return 0;
	bool group_dead = cfg_exit_group_dead_arg ? args[1] : BPF_CORE_READ(p, signal, live.counter) == 0;

	put_int(r, &off, VIGIL_ARG_sched_process_exit__exit_code, BPF_CORE_READ(p, exit_code));
	put_uint(r, &off, VIGIL_ARG_sched_process_exit__process_group_exit, group_dead);
	submit(r->data, off);
	return 0;
}

/* task_rename: the kernel renames a task (prctl(PR_SET_NAME), a write to
 * /proc/<pid>/comm, exec); the tracepoint fires before the change, so the
 * task's comm is still the old name. The program also keeps that name for
 * security_bprm_check (exec_comm), before the scope check: a comm filter
 * judges the exec by the new name. */
static __always_inline int on_rename(struct task_struct *task, const char *comm)
{
	struct task_struct *t = current_task();

	if ((cfg_exec_events & EXEC_EMIT_BPRM) && task == t) {
		__u32 tid = bpf_get_current_pid_tgid();
		struct comm_key old = {};

		bpf_probe_read_kernel_str(old.comm, sizeof(old.comm), &task->comm);
		bpf_map_update_elem(&exec_comm, &tid, &old, BPF_ANY);
	}
	if (!(cfg_exec_events & EXEC_EMIT_RENAME))
		return 0;
	__u32 off;
	struct record *r = begin_task_record(t, VIGIL_EVENT_task_rename, &off);

	if (!r)
		return 0;

	put_str_kernel(r, &off, VIGIL_ARG_task_rename__old_name, &task->comm);
	put_str_kernel(r, &off, VIGIL_ARG_task_rename__new_name, comm);
	submit(r->data, off);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(tp_btf_task_rename, struct task_struct *task, const char *comm)
{
	return on_rename(task, comm);
}

SEC("raw_tracepoint/task_rename")
int raw_tp_task_rename(struct bpf_raw_tracepoint_args *ctx)
{
	return on_rename((void *)ctx->args[0], (void *)ctx->args[1]);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_btf_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, child);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_btf_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(bprm);
}

/* Not BPF_PROG: it reads every argument it names on entry (see on_exit). */
SEC("tp_btf/sched_process_exit")
int tp_btf_sched_process_exit(__u64 *ctx)
{
	return on_exit(ctx);
}

SEC("raw_tracepoint/sched_process_fork")
int raw_tp_sched_process_fork(struct bpf_raw_tracepoint_args *ctx)
{
	return on_fork((void *)ctx->args[0], (void *)ctx->args[1]);
}

SEC("raw_tracepoint/sched_process_exec")
int raw_tp_sched_process_exec(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exec((void *)ctx->args[2]);
}

SEC("raw_tracepoint/sched_process_exit")
int raw_tp_sched_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	return on_exit(ctx->args);
}
