/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file.h: what identifies an open file: its path, built from its dentry and
 * mount chain (d_path() is not callable from these program types), and its
 * inode's ctime.
 */
#ifndef VIGIL_FILE_H
#define VIGIL_FILE_H

#include "common.h"

#define PATH_BUF 4096     /* longest path built; a power of two for masking */
#define PATH_DEPTH 40     /* components and mount crossings walked */
#define NAME_MASK 255     /* NAME_MAX */

/* The path is written backwards from the end of data[0, PATH_BUF); the
 * second half is slack so that a masked position plus one name is in bounds. */
struct path_buf {
	char data[2 * PATH_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_buf);
} path_scratch SEC(".maps");

/* What the walk reads of a mount, once per mount: where it is mounted
 * (parent mount and dentry there) and its own root dentry. */
struct mount_link {
	struct mount *parent;
	struct dentry *mountpoint;
	struct dentry *root;
};

struct path_walk {
	struct path_buf *b;
	struct dentry *d;
	struct mount *mnt;
	struct mount_link m; /* of mnt */
	__u32 pos;
	bool complete; /* the walk reached a root, so the path is whole */
};

/* read_mount reads the mount_link of m: one read where the three fields
 * sit side by side in struct mount, as they have so far. */
static __always_inline struct mount_link read_mount(struct mount *m)
{
	struct mount_link l = {};
	__u32 parent = bpf_core_field_offset(struct mount, mnt_parent);

	if (bpf_core_field_offset(struct mount, mnt_mountpoint) == parent + sizeof(l.parent) &&
	    bpf_core_field_offset(struct mount, mnt.mnt_root) == parent + sizeof(l.parent) + sizeof(l.mountpoint)) {
		bpf_probe_read_kernel(&l, sizeof(l), (void *)m + parent);
		return l;
	}
	l.parent = BPF_CORE_READ(m, mnt_parent);
	l.mountpoint = BPF_CORE_READ(m, mnt_mountpoint);
	l.root = BPF_CORE_READ(m, mnt.mnt_root);
	return l;
}

/* What the walk reads of each dentry: its parent and its name. */
struct dentry_link {
	struct dentry *parent;
	struct qstr name;
};

/* read_link reads the parent and the name of d: one read where they sit
 * side by side in struct dentry, as they have so far. A helper call per
 * read is most of what a path costs. */
static __always_inline struct dentry_link read_link(struct dentry *d)
{
	struct dentry_link l = {};
	__u32 parent = bpf_core_field_offset(struct dentry, d_parent);

	if (bpf_core_field_offset(struct dentry, d_name) == parent + sizeof(l.parent)) {
		bpf_probe_read_kernel(&l, sizeof(l), (void *)d + parent);
		return l;
	}
	l.parent = BPF_CORE_READ(d, d_parent);
	l.name = BPF_CORE_READ(d, d_name);
	return l;
}

/* path_prepend writes "/" (when slash) and the name before the path built
 * so far; false when it does not fit. */
static __always_inline bool path_prepend(struct path_walk *w, struct qstr name, bool slash)
{
	__u32 len = name.len & NAME_MASK;
	__u32 pos = w->pos;

	if (len + 1 > pos)
		return false;
	pos -= len;
	bpf_probe_read_kernel(&w->b->data[masked(pos, PATH_BUF - 1)], len, name.name);
	if (slash) {
		pos--;
		w->b->data[masked(pos, PATH_BUF - 1)] = '/';
	}
	w->pos = pos;
	return true;
}

/* path_step adds one component to the path, or crosses one mount. */
static long path_step(__u64 i, struct path_walk *w)
{
	/* copied out first: BPF_CORE_READ would relocate w's own fields too */
	struct dentry *d = w->d;
	struct dentry *root = w->m.root;
	struct mount *mnt = w->mnt;
	struct dentry_link l = read_link(d);
	struct dentry *parent = l.parent;

	if (d != root && d == parent) {
		/* the root of a tree attached nowhere, as the file of a memfd,
		 * pipe or socket: its name is all there is, and Tracee shows it
		 * bare ("memfd:x", no leading slash); below such a root the path
		 * built so far stands as it is */
		w->complete = w->pos != PATH_BUF || path_prepend(w, l.name, false);
		return 1;
	}
	if (d == root) {
		/* the top of a mount: go on from where it is mounted, unless
		 * it is the top of the namespace */
		if (mnt == w->m.parent) {
			w->complete = true;
			return 1;
		}
		w->d = w->m.mountpoint;
		mnt = w->m.parent;
		w->mnt = mnt;
		w->m = read_mount(mnt);
		return 0;
	}
	if (!path_prepend(w, l.name, true))
		return 1;
	w->d = parent;
	return 0;
}

/* Put before a path whose walk stopped short of a root (deeper than
 * PATH_DEPTH components and mount crossings, or longer than PATH_BUF): the
 * last components are kept, and the result does not start with "/", so it
 * can never pass for a real absolute path such as one under /etc. */
#define PATH_CUT_MARK "..."

/* Appended to the path of a file whose name was unlinked while it stayed
 * open, as d_path() and /proc show it. */
#define PATH_DELETED_MARK " (deleted)"

/* path_put_literal writes the n bytes of s (a string constant) at the end
 * or the start of the path built so far. */
static __always_inline void path_put_literal(struct path_buf *b, __u32 *pos, __u32 *end, const char *s, __u32 n,
					     bool at_end)
{
	if (at_end) {
		for (__u32 i = 0; i < n; i++)
			b->data[masked(*end + i, 2 * PATH_BUF - 1)] = s[i];
		*end += n;
		return;
	}
	if (*pos < n)
		return;
	*pos -= n;
	for (__u32 i = 0; i < n; i++)
		b->data[masked(*pos + i, PATH_BUF - 1)] = s[i];
}

/* build_path writes the absolute path of dentry d on mount vmnt (as seen
 * from the root of its mount namespace) into b, from the returned position
 * to *end. */
static __always_inline __u32 build_path(struct path_buf *b, struct dentry *d, struct vfsmount *vmnt, __u32 *end)
{
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	struct path_walk w = {
		.b = b,
		.d = d,
		.mnt = mnt,
		.m = read_mount(mnt),
		.pos = PATH_BUF,
	};

	bpf_loop(PATH_DEPTH, path_step, &w, 0);
	if (w.pos == PATH_BUF) {
		w.pos--;
		b->data[masked(w.pos, PATH_BUF - 1)] = '/';
	}
	*end = PATH_BUF;
	if (!w.complete)
		path_put_literal(b, &w.pos, end, PATH_CUT_MARK, sizeof(PATH_CUT_MARK) - 1, false);
	/* unlinked: unhashed, and not the root of a detached tree (a memfd
	 * is unhashed by birth and shows its name alone) */
	if (!BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d)
		path_put_literal(b, &w.pos, end, PATH_DELETED_MARK, sizeof(PATH_DELETED_MARK) - 1, true);
	return w.pos;
}

/* copy_path builds the absolute path of dentry d on mount mnt in b
 * (build_path) and copies it into r as the bytes of the string argument at
 * off, as many as a string there may hold (room(off, STR_MAX)); it returns
 * how many: 0 when the path cannot be read. */
static __always_inline __u32 copy_path(struct record *r, __u32 off, struct path_buf *b, struct dentry *d,
				       struct vfsmount *mnt)
{
	__u32 end;
	__u32 pos = build_path(b, d, mnt, &end);
	__u32 len = end - pos;
	__u32 max = room(off, STR_MAX);

	len = at_most(len < max ? len : max, STR_MAX);
	if (bpf_probe_read_kernel(&r->data[masked(off + 4, REC_MASK)], len, &b->data[masked(pos, PATH_BUF - 1)]))
		len = 0;
	return len;
}

/* put_file_path sends the path of f as a string argument. */
static __always_inline void put_file_path(struct record *r, __u32 *off, __u8 idx, struct file *f)
{
	__u32 zero = 0;
	struct path_buf *b = bpf_map_lookup_elem(&path_scratch, &zero);

	if (!b || !f || !arg_begin(r, off, idx, VIGIL_KIND_STR, 4))
		return;
	struct path fp = BPF_CORE_READ(f, f_path);
	__u32 len = copy_path(r, *off, b, fp.dentry, fp.mnt);

	put_u32_at(r, *off, len);
	*off += 4 + len;
}

/*
 * put_user_path_at sends the absolute form of the user path name as the
 * kernel resolves it against the directory dir_d on dir_mnt (the cwd or a
 * dirfd): name alone when it is absolute, else the path of the directory,
 * "/" and name. name is appended as written: "." and ".." components and
 * symlinks in it are left for the reader, as they were passed.
 */
static __always_inline void put_user_path_at(struct record *r, __u32 *off, __u8 idx, struct dentry *dir_d,
					     struct vfsmount *dir_mnt, const char *name)
{
	__u32 zero = 0;
	struct path_buf *b = bpf_map_lookup_elem(&path_scratch, &zero);
	char first = 0;

	bpf_probe_read_user(&first, 1, name);
	if (first == '/' || !dir_d || !dir_mnt) {
		put_str_user(r, off, idx, name);
		return;
	}
	if (!b || !arg_begin(r, off, idx, VIGIL_KIND_STR, 4))
		return;
	__u32 len = copy_path(r, *off, b, dir_d, dir_mnt);
	__u32 max = room(*off, STR_MAX);

	/* the root directory's path ends in "/" already; an unreadable one
	 * leaves the name relative rather than passing it off as absolute */
	if (len > 1 && len < max) {
		r->data[masked(*off + 4 + len, REC_MASK)] = '/';
		len++;
	}
	max = room(*off + len, STR_MAX);
	len += str_len(bpf_probe_read_user_str(&r->data[masked(*off + 4 + len, REC_MASK)], max, name));
	put_u32_at(r, *off, len);
	*off += 4 + len;
}

/* fd_file returns the struct file behind fd in t's descriptor table, or
 * NULL. t is the current task's BTF pointer (current_task()): the table is
 * reached by plain loads (a task without one reads as NULL, and max_fds as
 * 0); only the slot, behind a pointer to pointers, takes a helper call. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = t->files->fdt;
	struct file *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	return f;
}

/* put_stdin sends the file type (S_IFMT bits of the inode mode) and the path
 * of t's fd 0, as Tracee's stdin_type and stdin_path: a terminal shows as a
 * character device under /dev/pts, a pipe as S_IFIFO. Nothing is sent when
 * fd 0 is closed. */
static __always_inline void put_stdin(struct record *r, __u32 *off, __u8 type_idx, __u8 path_idx,
				      struct task_struct *t)
{
	struct file *f = fd_file(t, 0);

	if (!f)
		return;
	put_uint(r, off, type_idx, BPF_CORE_READ(f, f_inode, i_mode) & 00170000);
	put_file_path(r, off, path_idx, f);
}

/* Older layouts of the inode ctime, for CO-RE: a timespec64 named __i_ctime
 * (6.6 to 6.10) or i_ctime (before). */
struct inode___ctime_ts {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___ctime_old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

static __always_inline __u64 inode_ctime(struct inode *ino)
{
	struct timespec64 ts = {};

	if (bpf_core_field_exists(ino->i_ctime_sec)) {
		ts.tv_sec = BPF_CORE_READ(ino, i_ctime_sec);
		/* bit 31 of i_ctime_nsec flags a queried multigrain timestamp */
		ts.tv_nsec = BPF_CORE_READ(ino, i_ctime_nsec) & ~(1U << 31);
	} else if (bpf_core_field_exists(((struct inode___ctime_ts *)ino)->__i_ctime)) {
		ts = BPF_CORE_READ((struct inode___ctime_ts *)ino, __i_ctime);
	} else {
		ts = BPF_CORE_READ((struct inode___ctime_old *)ino, i_ctime);
	}
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* VIGIL_FILE_H */
