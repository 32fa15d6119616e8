/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire.h: the contract between the BPF programs and the Go side (bpf/decode.go,
 * bpf/loader_linux.go). This is the one place where the record format is
 * described; the Go decoder mirrors it field by field.
 *
 * One ring buffer record is one event:
 *
 *   struct vigil_hdr             fixed header, 112 bytes, little endian
 *   argc times:
 *     u8 index                   position of the argument in the event's
 *                                catalog Args list (catalog_events.go)
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

/* Argument kinds on the wire. */
#define VIGIL_KIND_INT 1
#define VIGIL_KIND_UINT 2
#define VIGIL_KIND_STR 3
#define VIGIL_KIND_STRS 4
#define VIGIL_KIND_BYTES 5

/* Header flags. */
#define VIGIL_FLAG_COMPAT (1 << 0)
#define VIGIL_FLAG_CONTAINER (1 << 1)

/*
 * Event ids the programs know by name (Tracee v0.22.6 numbering). Syscall
 * events carry their x86_64 syscall number; only the syscalls whose handling
 * differs from the generic path are named here. bpf/ids_test.go parses these
 * lines and checks them against the catalog.
 */
#define VIGIL_EVENT_execve 59
#define VIGIL_EVENT_execveat 322
#define VIGIL_EVENT_sched_process_fork 714
#define VIGIL_EVENT_sched_process_exec 715
#define VIGIL_EVENT_sched_process_exit 716
#define VIGIL_EVENT_mem_prot_alert 724
#define VIGIL_EVENT_magic_write 727
#define VIGIL_EVENT_cgroup_mkdir 729
#define VIGIL_EVENT_security_bprm_check 731
#define VIGIL_EVENT_security_file_open 732
#define VIGIL_EVENT_security_socket_connect 736
#define VIGIL_EVENT_security_sb_mount 740
#define VIGIL_EVENT_security_kernel_read_file 743
#define VIGIL_EVENT_socket_dup 749
#define VIGIL_EVENT_security_inode_rename 768

/*
 * Argument positions the scheduler programs write (syscall events take their
 * positions from the spec Go pushes, see VIGIL_SPEC_*). Named
 * VIGIL_ARG_<event>__<catalog arg name>; bpf/ids_test.go checks each against
 * the catalog.
 */
#define VIGIL_ARG_sched_process_fork__parent_tid 0
#define VIGIL_ARG_sched_process_fork__parent_ns_tid 1
#define VIGIL_ARG_sched_process_fork__parent_pid 2
#define VIGIL_ARG_sched_process_fork__parent_ns_pid 3
#define VIGIL_ARG_sched_process_fork__child_tid 4
#define VIGIL_ARG_sched_process_fork__child_ns_tid 5
#define VIGIL_ARG_sched_process_fork__child_pid 6
#define VIGIL_ARG_sched_process_fork__child_ns_pid 7
#define VIGIL_ARG_sched_process_fork__start_time 8

#define VIGIL_ARG_sched_process_exec__cmdpath 0
#define VIGIL_ARG_sched_process_exec__pathname 1
#define VIGIL_ARG_sched_process_exec__dev 2
#define VIGIL_ARG_sched_process_exec__inode 3
#define VIGIL_ARG_sched_process_exec__ctime 4
#define VIGIL_ARG_sched_process_exec__inode_mode 5
#define VIGIL_ARG_sched_process_exec__interpreter_pathname 6
#define VIGIL_ARG_sched_process_exec__argv 10
#define VIGIL_ARG_sched_process_exec__interp 11
#define VIGIL_ARG_sched_process_exec__invoked_from_kernel 14
#define VIGIL_ARG_sched_process_exec__env 15

#define VIGIL_ARG_sched_process_exit__exit_code 0
#define VIGIL_ARG_sched_process_exit__process_group_exit 1

#define VIGIL_ARG_mem_prot_alert__alert 0
#define VIGIL_ARG_mem_prot_alert__addr 1
#define VIGIL_ARG_mem_prot_alert__len 2
#define VIGIL_ARG_mem_prot_alert__prot 3
#define VIGIL_ARG_mem_prot_alert__prev_prot 4
#define VIGIL_ARG_mem_prot_alert__pathname 5
#define VIGIL_ARG_mem_prot_alert__dev 6
#define VIGIL_ARG_mem_prot_alert__inode 7
#define VIGIL_ARG_mem_prot_alert__ctime 8

#define VIGIL_ARG_magic_write__pathname 0
#define VIGIL_ARG_magic_write__bytes 1
#define VIGIL_ARG_magic_write__dev 2
#define VIGIL_ARG_magic_write__inode 3

#define VIGIL_ARG_cgroup_mkdir__cgroup_id 0
#define VIGIL_ARG_cgroup_mkdir__cgroup_path 1
#define VIGIL_ARG_cgroup_mkdir__hierarchy_id 2

#define VIGIL_ARG_security_bprm_check__pathname 0
#define VIGIL_ARG_security_bprm_check__dev 1
#define VIGIL_ARG_security_bprm_check__inode 2
#define VIGIL_ARG_security_bprm_check__argv 3
#define VIGIL_ARG_security_bprm_check__envp 4

#define VIGIL_ARG_security_file_open__pathname 0
#define VIGIL_ARG_security_file_open__flags 1
#define VIGIL_ARG_security_file_open__dev 2
#define VIGIL_ARG_security_file_open__inode 3
#define VIGIL_ARG_security_file_open__ctime 4
#define VIGIL_ARG_security_file_open__syscall_pathname 5

#define VIGIL_ARG_security_socket_connect__sockfd 0
#define VIGIL_ARG_security_socket_connect__type 1
#define VIGIL_ARG_security_socket_connect__remote_addr 2

#define VIGIL_ARG_security_sb_mount__dev_name 0
#define VIGIL_ARG_security_sb_mount__path 1
#define VIGIL_ARG_security_sb_mount__type 2
#define VIGIL_ARG_security_sb_mount__flags 3

#define VIGIL_ARG_security_kernel_read_file__pathname 0
#define VIGIL_ARG_security_kernel_read_file__dev 1
#define VIGIL_ARG_security_kernel_read_file__inode 2
#define VIGIL_ARG_security_kernel_read_file__type 3
#define VIGIL_ARG_security_kernel_read_file__ctime 4

#define VIGIL_ARG_socket_dup__oldfd 0
#define VIGIL_ARG_socket_dup__newfd 1
#define VIGIL_ARG_socket_dup__remote_addr 2

#define VIGIL_ARG_security_inode_rename__old_path 0
#define VIGIL_ARG_security_inode_rename__new_path 1

/*
 * How the syscall dispatcher captures argument register i of a selected
 * syscall; Go fills one byte per register from the catalog's Tracee types.
 * The wire index of the argument is the register position i.
 */
#define VIGIL_SPEC_SKIP 0         /* not emitted */
#define VIGIL_SPEC_INT32 1        /* int, pid_t: low 32 bits, sign-extended -> INT */
#define VIGIL_SPEC_INT64 2        /* long, off_t -> INT */
#define VIGIL_SPEC_UINT32 3       /* unsigned int, uid_t, gid_t, umode_t -> UINT */
#define VIGIL_SPEC_UINT64 4       /* size_t, unsigned long, pointers -> UINT */
#define VIGIL_SPEC_STR 5          /* const char* -> STR */
#define VIGIL_SPEC_STRS 6         /* const char** (argv, envp) -> STRS */
#define VIGIL_SPEC_SOCKADDR 7     /* struct sockaddr*, length in register i+1 -> BYTES */
#define VIGIL_SPEC_SOCKADDR_LENP 8 /* struct sockaddr*, length behind the int* in register i+1 -> BYTES */

/*
 * Selection flags of a syscall number (struct vigil_syscall.selected). 32-bit
 * (ia32) syscalls have their own numbers, which share the array with the
 * x86_64 ones: one number can be selected as either or both.
 */
#define VIGIL_SELECTED 1        /* the x86_64 syscall of this number; args[] is its spec */
#define VIGIL_SELECTED_COMPAT 2 /* the ia32 syscall of this number; native is its x86_64 twin */

/*
 * Derived events a syscall's exit feeds (struct vigil_syscall.derived, a
 * bit each): Tracee takes them from LSM hooks and kprobes, which these
 * kernels lack. A syscall with derived bits is handled at entry and exit
 * even when its own event is not selected (VIGIL_SELECTED clear): then it
 * emits only the derived events.
 */
#define VIGIL_DERIVED_FILE_OPEN 1      /* security_file_open: open, openat, openat2, creat */
#define VIGIL_DERIVED_SOCKET_CONNECT 2 /* security_socket_connect: connect */
#define VIGIL_DERIVED_SB_MOUNT 4       /* security_sb_mount: mount */
#define VIGIL_DERIVED_KERNEL_READ 8    /* security_kernel_read_file: finit_module */
#define VIGIL_DERIVED_RENAME 16        /* security_inode_rename: rename, renameat, renameat2 */
#define VIGIL_DERIVED_MAGIC_WRITE 32   /* magic_write: write, pwrite64, writev */
#define VIGIL_DERIVED_MEM_PROT 64      /* mem_prot_alert: mmap, mprotect */
#define VIGIL_DERIVED_SOCKET_DUP 128   /* socket_dup: dup2, dup3 */

/* Per-syscall configuration: the value of the syscalls array map. */
struct vigil_syscall {
	__u8 selected;
	__u8 args[6]; /* VIGIL_SPEC_* per argument register */
	__u8 derived; /* VIGIL_DERIVED_* bits (on the x86_64 number only) */
	__u16 native; /* VIGIL_SELECTED_COMPAT: the x86_64 number reported */
	__u16 _pad2[3];
};

/* The fixed record header. Offsets are part of the contract. */
struct vigil_hdr {
	__u64 ts;          /*   0: bpf_ktime_get_boot_ns() */
	__u64 start_time;  /*   8: task->start_boottime */
	__u64 cgroup_id;   /*  16: bpf_get_current_cgroup_id() */
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
	__u64 since_wakeup; /* records since the last forced wake-up (internal) */
};

#endif /* VIGIL_WIRE_H */
