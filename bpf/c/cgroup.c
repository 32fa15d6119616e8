/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup.c: cgroup_mkdir, from the tracepoint of the same name (Tracee's
 * source too): container runtimes create a cgroup per container, so this is
 * how a new container first shows. The loader attaches it only when
 * selected.
 */
#include "common.h"

static __always_inline int on_cgroup_mkdir(struct cgroup *cgrp, const char *path)
{
	struct task_struct *t = current_task();

	if (!in_scope(t))
		return 0;
	struct record *r = scratch_record();
	if (!r)
		return 0;
	__u32 off = begin_record(r, t, VIGIL_EVENT_cgroup_mkdir, -1, false);

	/* the kernfs node id, which is also the cgroup directory's inode
	 * number and what bpf_get_current_cgroup_id() returns for a task in it */
	put_uint(r, &off, VIGIL_ARG_cgroup_mkdir__cgroup_id, BPF_CORE_READ(cgrp, kn, id));
	put_str_kernel(r, &off, VIGIL_ARG_cgroup_mkdir__cgroup_path, path);
	put_uint(r, &off, VIGIL_ARG_cgroup_mkdir__hierarchy_id, BPF_CORE_READ(cgrp, root, hierarchy_id));
	submit(r->data, off);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(tp_btf_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	return on_cgroup_mkdir(cgrp, path);
}

SEC("raw_tracepoint/cgroup_mkdir")
int raw_tp_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	return on_cgroup_mkdir((void *)ctx->args[0], (void *)ctx->args[1]);
}
