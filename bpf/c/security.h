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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_file_open, nr, compat, &off))
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	/* open and creat take the path first; openat and openat2 after dirfd */
	const void *upath = (void *)(nr == VIGIL_NR_open || nr == VIGIL_NR_creat ? a[0] : a[1]);

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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_socket_connect, nr, compat, &off))
		return;

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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_sb_mount, nr, compat, &off))
		return;

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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_kernel_read_file, nr, compat, &off))
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);

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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_inode_rename, nr, compat, &off))
		return;

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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_magic_write, nr, compat, &off))
		return;

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
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_mem_prot_alert, nr, compat, &off))
		return;

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

/* sock_port returns the local or peer port of an inet socket in network
 * order: the kernel keeps the local one in host order. */
static __always_inline __be16 sock_port(struct sock *sk, bool peer)
{
	return peer ? BPF_CORE_READ(sk, __sk_common.skc_dport) : bpf_htons(BPF_CORE_READ(sk, __sk_common.skc_num));
}

/* sock_addr fills a with the address of sk (local) or of the socket it is
 * connected to (peer), as a struct sockaddr of its family, and returns its
 * length, 0 for other families. AF_INET, AF_INET6: from the socket's common
 * fields; AF_UNIX: the address the socket, or its peer, is bound to. */
static __always_inline __u32 sock_addr(struct sock *sk, bool peer, union peer_addr *a)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	a->in.family = family;
	switch (family) {
	case AF_INET:
		a->in.port = sock_port(sk, peer);
		a->in.addr = peer ? BPF_CORE_READ(sk, __sk_common.skc_daddr) : BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		return 16; /* sizeof(struct sockaddr_in) */
	case AF_INET6:
		a->in6.port = sock_port(sk, peer);
		a->in6.addr = peer ? BPF_CORE_READ(sk, __sk_common.skc_v6_daddr) :
				     BPF_CORE_READ(sk, __sk_common.skc_v6_rcv_saddr);
		return 28; /* sizeof(struct sockaddr_in6) */
	case AF_UNIX: {
		struct sock *owner = peer ? BPF_CORE_READ((struct unix_sock *)sk, peer) : sk;
		struct unix_address *ua = BPF_CORE_READ((struct unix_sock *)owner, addr);
		__u32 len = BPF_CORE_READ(ua, len);

		if (!ua || len >= SOCKADDR_MAX)
			return sizeof(a->in.family);
		bpf_probe_read_kernel(a, len & (SOCKADDR_MAX - 1), &ua->name);
		return len;
	}
	}
	return 0;
}

/* fd_sock returns the struct sock behind fd when fd is a socket, else NULL. */
static __always_inline struct sock *fd_sock(struct task_struct *t, int fd)
{
	struct file *f = fd_file(t, fd);

	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);

	return BPF_CORE_READ(sock, sk);
}

/* put_sock_addr sends the local or peer address of the socket sk. */
static __always_inline void put_sock_addr(struct record *r, __u32 *off, __u8 idx, struct sock *sk, bool peer)
{
	union peer_addr addr = {};
	__u32 len = sock_addr(sk, peer, &addr);

	put_bytes_kernel(r, off, idx, &addr, len);
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
	struct sock *sk = fd_sock(t, newfd);
	struct record *r = scratch_record();

	if (!sk || !r)
		return;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_socket_dup, nr, compat, &off))
		return;

	put_int(r, &off, VIGIL_ARG_socket_dup__oldfd, (int)a[0]);
	put_int(r, &off, VIGIL_ARG_socket_dup__newfd, newfd);
	put_sock_addr(r, &off, VIGIL_ARG_socket_dup__remote_addr, sk, true);
	submit(r->data, off);
}

#define AT_REMOVEDIR 0x200

/*
 * security_inode_unlink: a successful unlink or unlinkat of a file (an
 * unlinkat with AT_REMOVEDIR removes a directory, Tracee's
 * security_inode_rmdir). The name is made absolute as for rename; the
 * inode is gone at exit, so inode, dev and ctime are not sent.
 * a: unlink (path); unlinkat (dirfd, path, flags).
 */
static __noinline void emit_inode_unlink(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	bool at = nr == VIGIL_NR_unlinkat;
	struct record *r = scratch_record();

	if (ret != 0 || !r || (at && (a[2] & AT_REMOVEDIR)))
		return;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_inode_unlink, nr, compat, &off))
		return;

	put_path_at(r, &off, VIGIL_ARG_security_inode_unlink__pathname, t, at ? (int)a[0] : AT_FDCWD,
		    (void *)(at ? a[1] : a[0]));
	submit(r->data, off);
}

/* security_socket_create: a socket the call created (ret is its fd); kern
 * is 0, the call came from user space. a: family, type, protocol. */
static __noinline void emit_socket_create(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct record *r = scratch_record();

	if (ret < 0 || !r)
		return;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_socket_create, nr, compat, &off))
		return;

	put_int(r, &off, VIGIL_ARG_security_socket_create__family, (int)a[0]);
	put_int(r, &off, VIGIL_ARG_security_socket_create__type, (int)a[1]);
	put_int(r, &off, VIGIL_ARG_security_socket_create__protocol, (int)a[2]);
	put_int(r, &off, VIGIL_ARG_security_socket_create__kern, 0);
	submit(r->data, off);
}

#define ENOTSOCK 88

/*
 * The socket calls Tracee's hooks see before the call acts: bind (the
 * address asked for), listen, accept and accept4 (the listening socket's
 * address), setsockopt (the option and the socket's address). Reported
 * when the fd is a socket and the call got past its argument checks: bind
 * and listen when they succeeded, accept when it returned a connection,
 * setsockopt unless the option was refused as invalid. a: sockfd, then
 * bind (addr, addrlen), listen (backlog), setsockopt (level, optname).
 */
static __noinline void emit_socket_call(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	bool setsockopt = nr == VIGIL_NR_setsockopt;

	if (setsockopt ? (ret == -EINVAL || ret == -EFAULT || ret == -ENOTSOCK || ret == -EBADF) : ret < 0)
		return;
	struct sock *sk = fd_sock(t, (int)a[0]);
	struct record *r = scratch_record();

	if (!sk || !r)
		return;
	__u32 id = nr == VIGIL_NR_bind ? VIGIL_EVENT_security_socket_bind :
		   nr == VIGIL_NR_listen ? VIGIL_EVENT_security_socket_listen :
		   setsockopt ? VIGIL_EVENT_security_socket_setsockopt : VIGIL_EVENT_security_socket_accept;
	__u32 off;

	if (!begin_record(r, t, id, nr, compat, &off))
		return;
	if (nr == VIGIL_NR_bind) {
		put_int(r, &off, VIGIL_ARG_security_socket_bind__sockfd, (int)a[0]);
		put_bytes_user(r, &off, VIGIL_ARG_security_socket_bind__local_addr, (void *)a[1], (__u32)a[2]);
	} else if (nr == VIGIL_NR_listen) {
		put_int(r, &off, VIGIL_ARG_security_socket_listen__sockfd, (int)a[0]);
		put_sock_addr(r, &off, VIGIL_ARG_security_socket_listen__local_addr, sk, false);
		put_int(r, &off, VIGIL_ARG_security_socket_listen__backlog, (int)a[1]);
	} else if (setsockopt) {
		put_int(r, &off, VIGIL_ARG_security_socket_setsockopt__sockfd, (int)a[0]);
		put_int(r, &off, VIGIL_ARG_security_socket_setsockopt__level, (int)a[1]);
		put_int(r, &off, VIGIL_ARG_security_socket_setsockopt__optname, (int)a[2]);
		put_sock_addr(r, &off, VIGIL_ARG_security_socket_setsockopt__local_addr, sk, false);
	} else {
		put_int(r, &off, VIGIL_ARG_security_socket_accept__sockfd, (int)a[0]);
		put_sock_addr(r, &off, VIGIL_ARG_security_socket_accept__local_addr, sk, false);
	}
	submit(r->data, off);
}

/* The arguments security_mmap_file and shared_object_loaded share, at the
 * same positions. */
_Static_assert(VIGIL_ARG_shared_object_loaded__pathname == VIGIL_ARG_security_mmap_file__pathname &&
		       VIGIL_ARG_shared_object_loaded__flags == VIGIL_ARG_security_mmap_file__flags &&
		       VIGIL_ARG_shared_object_loaded__dev == VIGIL_ARG_security_mmap_file__dev &&
		       VIGIL_ARG_shared_object_loaded__inode == VIGIL_ARG_security_mmap_file__inode &&
		       VIGIL_ARG_shared_object_loaded__ctime == VIGIL_ARG_security_mmap_file__ctime,
	       "security_mmap_file and shared_object_loaded describe the file alike");

/*
 * security_mmap_file: a successful mmap of a file; shared_object_loaded
 * (so set): one mapped executable, how the dynamic loader brings in a
 * library. flags are the open flags of the file. a: addr, len, prot, flags,
 * fd, offset.
 */
static __always_inline void emit_mmap_file(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat,
					   bool so)
{
	if ((ret < 0 && ret > -4096) || (a[3] & MAP_ANONYMOUS) || (so && !(a[2] & PROT_EXEC)))
		return;
	struct file *f = fd_file(t, (int)a[4]);
	struct record *r = scratch_record();

	if (!f || !r)
		return;
	__u32 off;

	if (!begin_record(r, t, so ? VIGIL_EVENT_shared_object_loaded : VIGIL_EVENT_security_mmap_file, nr, compat,
			  &off))
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);

	put_file_path(r, &off, VIGIL_ARG_security_mmap_file__pathname, f);
	put_int(r, &off, VIGIL_ARG_security_mmap_file__flags, BPF_CORE_READ(f, f_flags));
	put_uint(r, &off, VIGIL_ARG_security_mmap_file__dev, BPF_CORE_READ(ino, i_sb, s_dev));
	put_uint(r, &off, VIGIL_ARG_security_mmap_file__inode, BPF_CORE_READ(ino, i_ino));
	put_uint(r, &off, VIGIL_ARG_security_mmap_file__ctime, inode_ctime(ino));
	if (!so) {
		put_uint(r, &off, VIGIL_ARG_security_mmap_file__prot, (__u32)a[2]);
		put_uint(r, &off, VIGIL_ARG_security_mmap_file__mmap_flags, (__u32)a[3]);
	}
	submit(r->data, off);
}

/*
 * security_file_mprotect: a successful mprotect or pkey_mprotect, with the
 * file the range maps (empty pathname for anonymous memory). The previous
 * protection is gone at exit and not sent; pkey is -1 for mprotect.
 * a: addr, len, prot, pkey (pkey_mprotect).
 */
static __noinline void emit_file_mprotect(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct record *r = scratch_record();

	if (ret != 0 || !r)
		return;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_file_mprotect, nr, compat, &off))
		return;
	struct file *f = NULL;

	bpf_find_vma(t, a[0], vma_file_cb, &f, 0);

	if (f) {
		put_file_path(r, &off, VIGIL_ARG_security_file_mprotect__pathname, f);
	} else {
		put_str_kernel(r, &off, VIGIL_ARG_security_file_mprotect__pathname, "");
	}
	put_int(r, &off, VIGIL_ARG_security_file_mprotect__prot, (int)a[2]);
	if (f)
		put_uint(r, &off, VIGIL_ARG_security_file_mprotect__ctime, inode_ctime(BPF_CORE_READ(f, f_inode)));
	put_uint(r, &off, VIGIL_ARG_security_file_mprotect__addr, a[0]);
	put_uint(r, &off, VIGIL_ARG_security_file_mprotect__len, a[1]);
	put_int(r, &off, VIGIL_ARG_security_file_mprotect__pkey, nr == VIGIL_NR_pkey_mprotect ? (int)a[3] : -1);
	submit(r->data, off);
}

/* switch_task_ns: a successful setns or unshare, with the namespaces the
 * task is in afterwards (pid: the one its children will be in). */
static __noinline void emit_switch_task_ns(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct record *r = scratch_record();

	if (ret != 0 || !r)
		return;
	struct nsproxy *ns = BPF_CORE_READ(t, nsproxy);
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_switch_task_ns, nr, compat, &off))
		return;

	put_int(r, &off, VIGIL_ARG_switch_task_ns__pid, BPF_CORE_READ(t, pid));
	put_uint(r, &off, VIGIL_ARG_switch_task_ns__new_mnt, BPF_CORE_READ(ns, mnt_ns, ns.inum));
	put_uint(r, &off, VIGIL_ARG_switch_task_ns__new_pid, BPF_CORE_READ(ns, pid_ns_for_children, ns.inum));
	put_uint(r, &off, VIGIL_ARG_switch_task_ns__new_uts, BPF_CORE_READ(ns, uts_ns, ns.inum));
	put_uint(r, &off, VIGIL_ARG_switch_task_ns__new_ipc, BPF_CORE_READ(ns, ipc_ns, ns.inum));
	put_uint(r, &off, VIGIL_ARG_switch_task_ns__new_net, BPF_CORE_READ(ns, net_ns, ns.inum));
	put_uint(r, &off, VIGIL_ARG_switch_task_ns__new_cgroup, BPF_CORE_READ(ns, cgroup_ns, ns.inum));
	submit(r->data, off);
}

/* The credentials commit_creds compares, as Tracee's slim_cred_t has them;
 * sent as bytes and shown by the receiver's argparse.SlimCred. */
struct slim_cred {
	__u32 uid, gid, suid, sgid, euid, egid, fsuid, fsgid;
	__u32 user_ns; /* the user namespace's inode number */
	__u32 securebits;
	__u64 cap_inheritable, cap_permitted, cap_effective, cap_bounding, cap_ambient;
};

/* The credentials of tasks in a syscall that may change them, saved at
 * sys_enter by thread id for commit_creds at the exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct slim_cred);
} entry_creds SEC(".maps");

/* read_cred fills c from t's credentials. A capability set is 64 bits
 * (kernel_cap_t, or two u32 before 6.3): read whole. */
static __always_inline void read_cred(struct task_struct *t, struct slim_cred *c)
{
	const struct cred *cr = BPF_CORE_READ(t, cred);

	c->uid = BPF_CORE_READ(cr, uid.val);
	c->gid = BPF_CORE_READ(cr, gid.val);
	c->suid = BPF_CORE_READ(cr, suid.val);
	c->sgid = BPF_CORE_READ(cr, sgid.val);
	c->euid = BPF_CORE_READ(cr, euid.val);
	c->egid = BPF_CORE_READ(cr, egid.val);
	c->fsuid = BPF_CORE_READ(cr, fsuid.val);
	c->fsgid = BPF_CORE_READ(cr, fsgid.val);
	c->user_ns = BPF_CORE_READ(cr, user_ns, ns.inum);
	c->securebits = BPF_CORE_READ(cr, securebits);
	bpf_core_read(&c->cap_inheritable, 8, &cr->cap_inheritable);
	bpf_core_read(&c->cap_permitted, 8, &cr->cap_permitted);
	bpf_core_read(&c->cap_effective, 8, &cr->cap_effective);
	bpf_core_read(&c->cap_bounding, 8, &cr->cap_bset);
	bpf_core_read(&c->cap_ambient, 8, &cr->cap_ambient);
}

/* cred_changed compares two credential sets word by word (BPF has no
 * memcmp). */
static __always_inline bool cred_changed(const struct slim_cred *a, const struct slim_cred *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	for (int i = 0; i < sizeof(*a) / 8; i++)
		if (x[i] != y[i])
			return true;
	return false;
}

/* save_entry_creds keeps the caller's credentials at the entry of a
 * syscall that feeds commit_creds. A function of its own: sys_enter's other
 * paths do not walk it. */
static __noinline int save_entry_creds(struct task_struct *t)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct slim_cred c = {};

	read_cred(t, &c);
	bpf_map_update_elem(&entry_creds, &tid, &c, BPF_ANY);
	return 0;
}

/*
 * commit_creds: a setuid-family call or capset that changed the task's
 * credentials, with them before (saved at entry) and after. Tracee's probe
 * sees every change, exec of a set-user-id program included; this sees the
 * syscalls that make them. a: unused, the credentials tell.
 */
static __noinline void emit_commit_creds(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	__u32 tid = bpf_get_current_pid_tgid();
	struct slim_cred *old = bpf_map_lookup_elem(&entry_creds, &tid);
	struct slim_cred now = {};

	if (!old)
		return;
	read_cred(t, &now);
	struct record *r = scratch_record();
	__u32 off;

	if (r && ret >= 0 && cred_changed(old, &now) && begin_record(r, t, VIGIL_EVENT_commit_creds, nr, compat, &off)) {
		put_bytes_kernel(r, &off, VIGIL_ARG_commit_creds__old_cred, old, sizeof(*old));
		put_bytes_kernel(r, &off, VIGIL_ARG_commit_creds__new_cred, &now, sizeof(now));
		submit(r->data, off);
	}
	bpf_map_delete_elem(&entry_creds, &tid);
}

/* bpf() commands (enum bpf_cmd) */
#define BPF_MAP_CREATE 0
#define BPF_MAP_GET_FD_BY_ID 14
#define BPF_RAW_TRACEPOINT_OPEN 17
#define BPF_LINK_CREATE 28

/* security_bpf: every bpf() call; Tracee's hook runs before the command's
 * own permission checks, so refused calls count too. a: cmd. */
static __noinline void emit_security_bpf(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	struct record *r = scratch_record();

	if (!r)
		return;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_bpf, nr, compat, &off))
		return;

	put_int(r, &off, VIGIL_ARG_security_bpf__cmd, (int)a[0]);
	submit(r->data, off);
}

/* security_bpf_map: a map fd handed out by BPF_MAP_CREATE or
 * BPF_MAP_GET_FD_BY_ID (ret), with the map's id and name. */
static __noinline void emit_bpf_map(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	if (ret < 0 || (a[0] != BPF_MAP_CREATE && a[0] != BPF_MAP_GET_FD_BY_ID))
		return;
	struct file *f = fd_file(t, ret);
	struct record *r = scratch_record();

	if (!f || !r)
		return;
	struct bpf_map *m = BPF_CORE_READ(f, private_data);
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_security_bpf_map, nr, compat, &off))
		return;

	put_uint(r, &off, VIGIL_ARG_security_bpf_map__map_id, BPF_CORE_READ(m, id));
	put_str_kernel(r, &off, VIGIL_ARG_security_bpf_map__map_name, &m->name);
	submit(r->data, off);
}

/*
 * bpf_attach: a program attached through bpf(): BPF_RAW_TRACEPOINT_OPEN
 * (symbol_name is the tracepoint) or BPF_LINK_CREATE (attach_type is the
 * kernel's enum bpf_attach_type). The program comes from the prog_fd of
 * the call's attributes. a: cmd, attr.
 */
static __noinline void emit_bpf_attach(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	bool raw_tp = a[0] == BPF_RAW_TRACEPOINT_OPEN;

	if (ret < 0 || (!raw_tp && a[0] != BPF_LINK_CREATE))
		return;
	/* raw_tracepoint: {u64 name; u32 prog_fd}; link_create: {u32
	 * prog_fd; u32 target; u32 attach_type} */
	__u32 attr[3] = {};
	__u64 name = 0;

	bpf_probe_read_user(attr, sizeof(attr), (void *)a[1]);
	if (raw_tp)
		bpf_probe_read_user(&name, sizeof(name), (void *)a[1]);
	struct file *f = fd_file(t, raw_tp ? attr[2] : attr[0]);
	struct record *r = scratch_record();

	if (!f || !r)
		return;
	struct bpf_prog *prog = BPF_CORE_READ(f, private_data);
	struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_bpf_attach, nr, compat, &off))
		return;

	put_int(r, &off, VIGIL_ARG_bpf_attach__prog_type, BPF_CORE_READ(prog, type));
	put_str_kernel(r, &off, VIGIL_ARG_bpf_attach__prog_name, &aux->name);
	put_uint(r, &off, VIGIL_ARG_bpf_attach__prog_id, BPF_CORE_READ(aux, id));
	if (raw_tp)
		put_str_user(r, &off, VIGIL_ARG_bpf_attach__symbol_name, (void *)name);
	else
		put_int(r, &off, VIGIL_ARG_bpf_attach__attach_type, attr[2]);
	submit(r->data, off);
}

#define ENOENT 2
#define EACCES 13
#define ENOTDIR 20
#define ETXTBSY 26
#define ENAMETOOLONG 36
#define ELOOP 40

/*
 * process_execute_failed: an execve or execveat that failed once the
 * kernel had opened the program, where Tracee's hook sees it (bad format,
 * no memory, a refused interpreter...). Errors the kernel gives before it
 * has the file (no such file, not a directory, no permission, loops, name
 * too long, busy text, bad pointer) are left out. The failed call left the
 * caller's memory as it was, so its arguments are read here; the file
 * itself is unknown at exit, so the binary.* arguments are not sent.
 * a: execve (path, argv, envp); execveat (dirfd, path, argv, envp, flags).
 */
static __noinline void emit_exec_failed(struct task_struct *t, __u32 nr, long ret, const __u64 *a, bool compat)
{
	if (ret >= 0 || ret == -ENOENT || ret == -ENOTDIR || ret == -EACCES || ret == -ELOOP ||
	    ret == -ENAMETOOLONG || ret == -ETXTBSY || ret == -EFAULT)
		return;
	bool at = nr == VIGIL_NR_execveat;
	struct record *r = scratch_record();

	if (!r)
		return;
	__u32 off;

	if (!begin_record(r, t, VIGIL_EVENT_process_execute_failed, nr, compat, &off))
		return;

	HDR(r)->retval = ret;
	put_int(r, &off, VIGIL_ARG_process_execute_failed__dirfd, at ? (int)a[0] : AT_FDCWD);
	put_int(r, &off, VIGIL_ARG_process_execute_failed__flags, at ? (int)a[4] : 0);
	put_str_user(r, &off, VIGIL_ARG_process_execute_failed__pathname, (void *)(at ? a[1] : a[0]));
	put_stdin(r, &off, VIGIL_ARG_process_execute_failed__stdin_type, VIGIL_ARG_process_execute_failed__stdin_path,
		  t);
	put_int(r, &off, VIGIL_ARG_process_execute_failed__kernel_invoked, 0);
	put_strs_user(r, &off, VIGIL_ARG_process_execute_failed__argv, (void *)(at ? a[2] : a[1]), compat);
	if (cfg_capture & CAPTURE_ENV)
		put_strs_user(r, &off, VIGIL_ARG_process_execute_failed__envp, (void *)(at ? a[3] : a[2]), compat);
	submit(r->data, off);
}

/*
 * emit_derived emits the derived events of one syscall exit (it runs in a
 * program of its own, reached by tail call from sys_exit). Each syscall's
 * handlers sit in one branch of the else-if chain on the syscall: the
 * verifier walks one path per branch, where independent checks would
 * multiply them past its budget. derived holds only the bits selected for
 * this syscall.
 */
static __always_inline void emit_derived(struct task_struct *t, __u32 derived, __u32 nr, long ret, const __u64 *a,
					 bool compat)
{
	if (derived & VIGIL_DERIVED_magic_write) {
		emit_magic_write(t, nr, ret, a, compat);
	} else if (nr == VIGIL_NR_mmap) {
		if (derived & VIGIL_DERIVED_mem_prot_alert)
			mem_prot_mmap(t, nr, ret, a, compat);
		if (derived & VIGIL_DERIVED_security_mmap_file)
			emit_mmap_file(t, nr, ret, a, compat, false);
		if (derived & VIGIL_DERIVED_shared_object_loaded)
			emit_mmap_file(t, nr, ret, a, compat, true);
	} else if (nr == VIGIL_NR_mprotect || nr == VIGIL_NR_pkey_mprotect) {
		if ((derived & VIGIL_DERIVED_mem_prot_alert) && nr == VIGIL_NR_mprotect)
			mem_prot_mprotect(t, nr, ret, a, compat);
		if (derived & VIGIL_DERIVED_security_file_mprotect)
			emit_file_mprotect(t, nr, ret, a, compat);
	} else if (nr == VIGIL_NR_bpf) {
		if (derived & VIGIL_DERIVED_security_bpf)
			emit_security_bpf(t, nr, ret, a, compat);
		if (derived & VIGIL_DERIVED_security_bpf_map)
			emit_bpf_map(t, nr, ret, a, compat);
		if (derived & VIGIL_DERIVED_bpf_attach)
			emit_bpf_attach(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_socket_dup) {
		emit_socket_dup(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_file_open) {
		emit_file_open(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_socket_connect) {
		emit_socket_connect(t, nr, ret, a, compat);
	} else if (derived & (VIGIL_DERIVED_security_socket_bind | VIGIL_DERIVED_security_socket_listen |
			      VIGIL_DERIVED_security_socket_accept | VIGIL_DERIVED_security_socket_setsockopt)) {
		emit_socket_call(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_socket_create) {
		emit_socket_create(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_sb_mount) {
		emit_sb_mount(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_kernel_read_file) {
		emit_kernel_read_module(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_inode_rename) {
		emit_inode_rename(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_security_inode_unlink) {
		emit_inode_unlink(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_switch_task_ns) {
		emit_switch_task_ns(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_process_execute_failed) {
		emit_exec_failed(t, nr, ret, a, compat);
	} else if (derived & VIGIL_DERIVED_commit_creds) {
		emit_commit_creds(t, nr, ret, a, compat);
	}
}

#endif /* VIGIL_SECURITY_H */
