/* SPDX-License-Identifier: GPL-2.0 */
/*
 * security.h: the events Tracee takes from LSM hooks and kprobes, derived
 * here at the exit of the syscalls that reach those hooks, from the kernel
 * objects the call left behind (the struct file of a returned fd, ...).
 * The syscall dispatcher calls them for the VIGIL_DERIVED_* bits of a
 * syscall, whether or not the syscall's own event is selected.
 */
#ifndef VIGIL_SECURITY_H
#define VIGIL_SECURITY_H

#include "common.h"
#include "file.h"

/* fd_file returns the struct file behind fd in t's descriptor table, or
 * NULL. */
static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

#define AT_FDCWD -100

/* put_path_at sends the absolute form of the user path name relative to
 * dirfd, as the *at() syscalls take them; AT_FDCWD is the cwd. */
static __always_inline void put_path_at(struct record *r, __u32 *off, __u8 idx, struct task_struct *t, int dirfd,
					const char *name)
{
	struct dentry *d;
	struct vfsmount *m;

	if (dirfd == AT_FDCWD) {
		d = BPF_CORE_READ(t, fs, pwd.dentry);
		m = BPF_CORE_READ(t, fs, pwd.mnt);
	} else {
		struct file *f = fd_file(t, dirfd);

		d = BPF_CORE_READ(f, f_path.dentry);
		m = BPF_CORE_READ(f, f_path.mnt);
	}
	put_user_path_at(r, off, idx, d, m, name);
}

/*
 * security_file_open: a successful open. The file is the one the call
 * installed at the returned fd, so its path is the one the kernel resolved
 * (symlinks followed, dirfd and cwd applied, in the caller's mount
 * namespace), not the string the caller passed, which is sent alongside as
 * syscall_pathname. ret is the new fd.
 */
static __noinline void emit_file_open(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	if (ret < 0)
		return;
	struct file *f = fd_file(t, ret);
	struct record *r = scratch_record();

	if (!f || !r)
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	/* open and creat take the path first; openat and openat2 after dirfd */
	const void *upath = (void *)(nr == VIGIL_NR_open || nr == VIGIL_NR_creat ? a[0] : a[1]);
	__u32 off = begin_record(r, t, VIGIL_EVENT_security_file_open, nr, compat);

	put_file_path(r, &off, VIGIL_ARG_security_file_open__pathname, f);
	put_int(r, &off, VIGIL_ARG_security_file_open__flags, BPF_CORE_READ(f, f_flags));
	put_uint(r, &off, VIGIL_ARG_security_file_open__dev, BPF_CORE_READ(ino, i_sb, s_dev));
	put_uint(r, &off, VIGIL_ARG_security_file_open__inode, BPF_CORE_READ(ino, i_ino));
	put_uint(r, &off, VIGIL_ARG_security_file_open__ctime, inode_ctime(ino));
	put_str_user(r, &off, VIGIL_ARG_security_file_open__syscall_pathname, upath);
	submit(r->data, off);
}

#define EPERM 1
#define EBADF 9
#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000

/*
 * security_socket_connect: Tracee's hook runs once the socket and the
 * address are known, before the connection is tried, so refused and
 * in-progress (non-blocking) connects count too. Reported when the fd is a
 * socket and its address could be read. a: fd, sockaddr, addrlen.
 */
static __noinline void emit_socket_connect(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct file *f = fd_file(t, (int)a[0]);
	struct record *r = scratch_record();

	if (!f || !r || ret == -EFAULT)
		return;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	__u32 off = begin_record(r, t, VIGIL_EVENT_security_socket_connect, nr, compat);

	put_int(r, &off, VIGIL_ARG_security_socket_connect__sockfd, (int)a[0]);
	put_int(r, &off, VIGIL_ARG_security_socket_connect__type, BPF_CORE_READ(sock, type));
	put_bytes_user(r, &off, VIGIL_ARG_security_socket_connect__remote_addr, (void *)a[1], (__u32)a[2]);
	submit(r->data, off);
}

/*
 * security_sb_mount: a successful mount, with the caller's arguments as it
 * passed them, except the mount point, made absolute against the cwd like
 * the kernel resolved it (see put_user_path_at). type is empty where the
 * call takes none, as for a bind mount. a: dev_name, dir_name, type, flags.
 */
static __noinline void emit_sb_mount(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct record *r = scratch_record();

	if (ret != 0 || !r)
		return;
	__u32 off = begin_record(r, t, VIGIL_EVENT_security_sb_mount, nr, compat);

	put_str_user(r, &off, VIGIL_ARG_security_sb_mount__dev_name, (void *)a[0]);
	put_path_at(r, &off, VIGIL_ARG_security_sb_mount__path, t, AT_FDCWD, (void *)a[1]);
	put_str_user(r, &off, VIGIL_ARG_security_sb_mount__type, (void *)a[2]);
	put_uint(r, &off, VIGIL_ARG_security_sb_mount__flags, compat ? (__u32)a[3] : a[3]);
	submit(r->data, off);
}

/* enum kernel_read_file_id: the kernel reads a module's file */
#define READING_MODULE 2

/*
 * security_kernel_read_file: finit_module reads the module from its fd once
 * the caller passed the capability and flag checks; the load may still fail
 * after that (a bad ELF, a module already loaded), but the file was read,
 * so those failures are reported too. a: fd, params, flags.
 */
static __noinline void emit_kernel_read_module(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	if (ret == -EPERM || ret == -EINVAL || ret == -EBADF || ret == -ENOSYS)
		return;
	struct file *f = fd_file(t, (int)a[0]);
	struct record *r = scratch_record();

	if (!f || !r)
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	__u32 off = begin_record(r, t, VIGIL_EVENT_security_kernel_read_file, nr, compat);

	put_file_path(r, &off, VIGIL_ARG_security_kernel_read_file__pathname, f);
	put_uint(r, &off, VIGIL_ARG_security_kernel_read_file__dev, BPF_CORE_READ(ino, i_sb, s_dev));
	put_uint(r, &off, VIGIL_ARG_security_kernel_read_file__inode, BPF_CORE_READ(ino, i_ino));
	put_int(r, &off, VIGIL_ARG_security_kernel_read_file__type, READING_MODULE);
	put_uint(r, &off, VIGIL_ARG_security_kernel_read_file__ctime, inode_ctime(ino));
	submit(r->data, off);
}

/*
 * security_inode_rename: a successful rename, renameat or renameat2, with
 * both names made absolute against the cwd or the dirfd they were relative
 * to (see put_user_path_at for what stays as written). a: rename takes
 * (old, new); the others (olddirfd, old, newdirfd, new).
 */
static __noinline void emit_inode_rename(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct record *r = scratch_record();

	if (ret != 0 || !r)
		return;
	bool at = nr != 82;
	__u32 off = begin_record(r, t, VIGIL_EVENT_security_inode_rename, nr, compat);

	put_path_at(r, &off, VIGIL_ARG_security_inode_rename__old_path, t, at ? (int)a[0] : AT_FDCWD,
		    (void *)(at ? a[1] : a[0]));
	put_path_at(r, &off, VIGIL_ARG_security_inode_rename__new_path, t, at ? (int)a[2] : AT_FDCWD,
		    (void *)(at ? a[3] : a[1]));
	submit(r->data, off);
}

#define MAGIC_BYTES 20 /* what Tracee's magic_write keeps of the data */

/*
 * magic_write: a write that starts at offset 0 of a regular file, with the
 * first bytes written: how a dropped ELF or script shows up. write is hot,
 * so what every other write pays comes first and stays small: the return
 * value, then (pwrite64) the offset argument, else the file's position,
 * which the write advanced by what it wrote. a: fd, buf (writev: iov),
 * count, pos (pwrite64).
 */
static __noinline void emit_magic_write(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	bool pwrite = nr == VIGIL_NR_pwrite64, writev = nr == VIGIL_NR_writev;

	if (ret <= 0 || (pwrite && a[3] != 0))
		return;
	struct file *f = fd_file(t, (int)a[0]);

	if (!f || (!pwrite && BPF_CORE_READ(f, f_pos) != ret))
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);

	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) != S_IFREG)
		return;
	struct record *r = scratch_record();

	if (!r)
		return;
	const void *buf = (void *)a[1];
	__u32 len = ret < MAGIC_BYTES ? ret : MAGIC_BYTES;

	if (writev) {
		/* the first buffer of the vector */
		struct iovec iov = {};

		bpf_probe_read_user(&iov, sizeof(iov), buf);
		buf = iov.iov_base;
		if (iov.iov_len < len)
			len = iov.iov_len;
	}
	__u32 off = begin_record(r, t, VIGIL_EVENT_magic_write, nr, compat);

	put_file_path(r, &off, VIGIL_ARG_magic_write__pathname, f);
	put_bytes_user(r, &off, VIGIL_ARG_magic_write__bytes, buf, len);
	put_uint(r, &off, VIGIL_ARG_magic_write__dev, BPF_CORE_READ(ino, i_sb, s_dev));
	put_uint(r, &off, VIGIL_ARG_magic_write__inode, BPF_CORE_READ(ino, i_ino));
	submit(r->data, off);
}

#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_ANONYMOUS 0x20

/* mem_prot_alert kinds (Tracee's numbering) */
#define ALERT_MMAP_W_X 1 /* a mapping made writable and executable */
#define ALERT_MPROTECT_W_TO_X 4 /* a writable mapping made executable */

/* The protection of writable mappings by (tgid, start address), from the
 * mmap and mprotect calls that set it: mprotect's exit sees only the new
 * protection, and a W -> X change needs the old one. Only writable ranges
 * are kept, and an LRU bounds them. */
struct prot_key {
	__u32 tgid;
	__u32 _pad;
	__u64 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct prot_key);
	__type(value, __u32);
} writable_ranges SEC(".maps");

/* vma_file_cb keeps the file a mapping found by bpf_find_vma() maps. */
static long vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, struct file **f)
{
	*f = BPF_CORE_READ(vma, vm_file);
	return 0;
}

static __always_inline void emit_mem_prot(struct task_struct *t, __u32 nr, bool compat, __u32 alert, __u64 addr,
					  __u64 len, __u32 prot, __u32 prev, struct file *f)
{
	struct record *r = scratch_record();

	if (!r)
		return;
	__u32 off = begin_record(r, t, VIGIL_EVENT_mem_prot_alert, nr, compat);

	put_uint(r, &off, VIGIL_ARG_mem_prot_alert__alert, alert);
	put_uint(r, &off, VIGIL_ARG_mem_prot_alert__addr, addr);
	put_uint(r, &off, VIGIL_ARG_mem_prot_alert__len, len);
	put_int(r, &off, VIGIL_ARG_mem_prot_alert__prot, prot);
	put_int(r, &off, VIGIL_ARG_mem_prot_alert__prev_prot, prev);
	if (f) {
		struct inode *ino = BPF_CORE_READ(f, f_inode);

		put_file_path(r, &off, VIGIL_ARG_mem_prot_alert__pathname, f);
		put_uint(r, &off, VIGIL_ARG_mem_prot_alert__dev, BPF_CORE_READ(ino, i_sb, s_dev));
		put_uint(r, &off, VIGIL_ARG_mem_prot_alert__inode, BPF_CORE_READ(ino, i_ino));
		put_uint(r, &off, VIGIL_ARG_mem_prot_alert__ctime, inode_ctime(ino));
	}
	submit(r->data, off);
}

/*
 * mem_prot_alert from mmap: a mapping both writable and executable (alert
 * 1), with the mapped file unless anonymous. Every successful mmap also
 * records whether its range is writable, for mprotect. a: addr, len, prot,
 * flags, fd, offset; ret is the mapping's address.
 */
static __noinline void mem_prot_mmap(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	if (ret < 0 && ret > -4096)
		return;
	__u32 prot = a[2];
	struct prot_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .addr = ret};

	/* a new mapping replaces whatever was at its address */
	if (prot & PROT_WRITE)
		bpf_map_update_elem(&writable_ranges, &k, &prot, BPF_ANY);
	else
		bpf_map_delete_elem(&writable_ranges, &k);
	if ((prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC))
		return;
	emit_mem_prot(t, nr, compat, ALERT_MMAP_W_X, ret, a[1], prot, 0,
		      a[3] & MAP_ANONYMOUS ? NULL : fd_file(t, (int)a[4]));
}

/*
 * mem_prot_alert from mprotect: a range mapped or last made writable and
 * not executable becomes executable and not writable (alert 4), with the
 * file the range maps. Ranges are known by the start address an mmap or
 * mprotect gave; an mprotect inside one is not matched. a: addr, len, prot.
 */
static __noinline void mem_prot_mprotect(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	if (ret != 0)
		return;
	__u32 prot = a[2];
	struct prot_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .addr = a[0]};
	__u32 *prev = bpf_map_lookup_elem(&writable_ranges, &k);
	__u32 was = prev ? *prev : 0;

	if (prot & PROT_WRITE)
		bpf_map_update_elem(&writable_ranges, &k, &prot, BPF_ANY);
	else if (prev)
		bpf_map_delete_elem(&writable_ranges, &k);
	if (!(was & PROT_WRITE) || (was & PROT_EXEC) || (prot & (PROT_WRITE | PROT_EXEC)) != PROT_EXEC)
		return;
	struct file *f = NULL;

	bpf_find_vma(t, a[0], vma_file_cb, &f, 0);
	emit_mem_prot(t, nr, compat, ALERT_MPROTECT_W_TO_X, a[0], a[1], prot, was, f);
}

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* The peer address of a socket as a struct sockaddr of its family, in
 * sockaddr_storage's room. */
union peer_addr {
	struct {
		__u16 family;
		__be16 port;
		__be32 addr;
	} in;
	struct {
		__u16 family;
		__be16 port;
		__u32 flowinfo;
		struct in6_addr addr;
		__u32 scope_id;
	} in6;
	__u8 raw[SOCKADDR_MAX];
};

/* peer_sockaddr fills a with the address sk is connected to (AF_INET,
 * AF_INET6: from the socket's common fields; AF_UNIX: the address the peer
 * socket is bound to) and returns its length, 0 for other families. */
static __always_inline __u32 peer_sockaddr(struct sock *sk, union peer_addr *a)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	a->in.family = family;
	switch (family) {
	case AF_INET:
		a->in.port = BPF_CORE_READ(sk, __sk_common.skc_dport);
		a->in.addr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		return 16; /* sizeof(struct sockaddr_in) */
	case AF_INET6:
		a->in6.port = BPF_CORE_READ(sk, __sk_common.skc_dport);
		a->in6.addr = BPF_CORE_READ(sk, __sk_common.skc_v6_daddr);
		return 28; /* sizeof(struct sockaddr_in6) */
	case AF_UNIX: {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
		struct unix_address *ua = BPF_CORE_READ((struct unix_sock *)peer, addr);
		__u32 len = BPF_CORE_READ(ua, len);

		if (!ua || len >= SOCKADDR_MAX)
			return sizeof(a->in.family);
		bpf_probe_read_kernel(a, len & (SOCKADDR_MAX - 1), &ua->name);
		return len;
	}
	}
	return 0;
}

/*
 * socket_dup: dup2 or dup3 of a socket onto stdin, stdout or stderr, how a
 * reverse shell wires itself to a connection. a: oldfd, newfd; ret is newfd
 * on success.
 */
static __noinline void emit_socket_dup(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	int newfd = a[1];

	if (newfd < 0 || newfd > 2 || ret != newfd)
		return;
	struct file *f = fd_file(t, newfd);

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return;
	struct record *r = scratch_record();

	if (!r)
		return;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	union peer_addr addr = {};
	__u32 len = peer_sockaddr(BPF_CORE_READ(sock, sk), &addr);
	__u32 off = begin_record(r, t, VIGIL_EVENT_socket_dup, nr, compat);

	put_int(r, &off, VIGIL_ARG_socket_dup__oldfd, (int)a[0]);
	put_int(r, &off, VIGIL_ARG_socket_dup__newfd, newfd);
	put_bytes_kernel(r, &off, VIGIL_ARG_socket_dup__remote_addr, &addr, len);
	submit(r->data, off);
}

/*
 * emit_derived emits the derived event of one syscall exit. A syscall feeds
 * at most one derived event (internal/eventgen checks), so one handler runs: the
 * else-if chain gives the verifier one path per handler to walk, where
 * independent checks would multiply them past its budget.
 */
static __always_inline void emit_derived(struct task_struct *t, __u32 derived, __u32 nr, long ret, const __u64 *a,
					 bool compat)
{
	if (derived & VIGIL_DERIVED_magic_write)
		emit_magic_write(t, nr, ret, a, compat);
	else if ((derived & VIGIL_DERIVED_mem_prot_alert) && nr == VIGIL_NR_mmap)
		mem_prot_mmap(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_mem_prot_alert)
		mem_prot_mprotect(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_socket_dup)
		emit_socket_dup(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_security_file_open)
		emit_file_open(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_security_socket_connect)
		emit_socket_connect(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_security_sb_mount)
		emit_sb_mount(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_security_kernel_read_file)
		emit_kernel_read_module(t, nr, ret, a, compat);
	else if (derived & VIGIL_DERIVED_security_inode_rename)
		emit_inode_rename(t, nr, ret, a, compat);
}

#endif /* VIGIL_SECURITY_H */
