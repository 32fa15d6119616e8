/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup.c: cgroup_mkdir and cgroup_rmdir, from the tracepoints of the same
 * names (Tracee's source too): container runtimes create a cgroup per
 * container and remove it with the container, so this is how a container
 * first and last shows. The loader attaches them only when selected.
 */
#include "common.h"

_Static_assert(VIGIL_ARG_cgroup_rmdir__cgroup_id == VIGIL_ARG_cgroup_mkdir__cgroup_id &&
		       VIGIL_ARG_cgroup_rmdir__cgroup_path == VIGIL_ARG_cgroup_mkdir__cgroup_path &&
		       VIGIL_ARG_cgroup_rmdir__hierarchy_id == VIGIL_ARG_cgroup_mkdir__hierarchy_id,
	       "cgroup_mkdir and cgroup_rmdir take the same arguments");

static __always_inline int on_cgroup(struct cgroup *cgrp, const char *path, __u32 event)
{
	__u32 off;
	struct record *r = begin_task_record(current_task(), event, &off);

	if (!r)
		return 0;

	/* the kernfs node id, which is also the cgroup directory's inode
	 * number and the cgroup_id fill_hdr gives a task in it */
	put_uint(r, &off, VIGIL_ARG_cgroup_mkdir__cgroup_id, BPF_CORE_READ(cgrp, kn, id));
	put_str_kernel(r, &off, VIGIL_ARG_cgroup_mkdir__cgroup_path, path);
	put_uint(r, &off, VIGIL_ARG_cgroup_mkdir__hierarchy_id, BPF_CORE_READ(cgrp, root, hierarchy_id));
	submit(r->data, off);
	return 0;
}

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(tp_btf_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	return on_cgroup(cgrp, path, VIGIL_EVENT_cgroup_mkdir);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(tp_btf_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	return on_cgroup(cgrp, path, VIGIL_EVENT_cgroup_rmdir);
}

SEC("raw_tracepoint/cgroup_mkdir")
int raw_tp_cgroup_mkdir(struct bpf_raw_tracepoint_args *ctx)
{
	return on_cgroup((void *)ctx->args[0], (void *)ctx->args[1], VIGIL_EVENT_cgroup_mkdir);
}

SEC("raw_tracepoint/cgroup_rmdir")
int raw_tp_cgroup_rmdir(struct bpf_raw_tracepoint_args *ctx)
{
	return on_cgroup((void *)ctx->args[0], (void *)ctx->args[1], VIGIL_EVENT_cgroup_rmdir);
}
