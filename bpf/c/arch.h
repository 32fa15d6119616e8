/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch.h: what the syscall dispatcher reads from the architecture's saved
 * user registers, for the target bpf2go builds (__TARGET_ARCH_x86 or
 * __TARGET_ARCH_arm64): the syscall number, the six arguments, and whether
 * the task is in a 32-bit syscall.
 *
 * headers/vmlinux.h is an x86_64 dump. The kernel types the programs read
 * are found by name and their fields relocated by CO-RE on any kernel, the
 * arm64 one included, except struct pt_regs, which has other fields there:
 * its arm64 layout is declared here under a CO-RE flavor name (the
 * ___vigil_arm64 suffix is ignored when matching the kernel's struct
 * pt_regs). thread_info.flags is in x86_64's thread_info too.
 */
#ifndef VIGIL_ARCH_H
#define VIGIL_ARCH_H

#include "vmlinux.h"

struct saved_args {
	__u64 a[6];
};

#if defined(__TARGET_ARCH_x86)

/* a macro, not a typedef: CO-RE relocations name the type they access, and
 * the kernel has no typedef of that name */
#define arch_regs struct pt_regs

#define TS_COMPAT 0x0002 /* thread_info.status: in a 32-bit (ia32) syscall */

/* in_compat_syscall: an ia32 syscall, reported under its x86_64 twin. */
static __always_inline bool in_compat_syscall(struct task_struct *t)
{
	return t->thread_info.status & TS_COMPAT;
}

#define ARCH_SYSCALL_NR orig_ax

static __always_inline void regs_args(const arch_regs *regs, bool compat, struct saved_args *s)
{
	if (compat) {
		s->a[0] = regs->bx;
		s->a[1] = regs->cx;
		s->a[2] = regs->dx;
		s->a[3] = regs->si;
		s->a[4] = regs->di;
		s->a[5] = regs->bp;
		return;
	}
	s->a[0] = regs->di;
	s->a[1] = regs->si;
	s->a[2] = regs->dx;
	s->a[3] = regs->r10;
	s->a[4] = regs->r8;
	s->a[5] = regs->r9;
}

#elif defined(__TARGET_ARCH_arm64)

/* arch/arm64/include/asm/ptrace.h, up to the fields read here (stable
 * since arm64 was merged). */
struct pt_regs___vigil_arm64 {
	union {
		struct {
			__u64 regs[31];
			__u64 sp;
			__u64 pc;
			__u64 pstate;
		};
	};
	__u64 orig_x0;
	__s32 syscallno;
} __attribute__((preserve_access_index));

#define arch_regs struct pt_regs___vigil_arm64

#define TIF_32BIT 22 /* thread_info.flags: an AArch32 task */

/* in_compat_syscall: an AArch32 task. Its syscalls have numbers of their own
 * that the catalog does not map: the dispatcher leaves them. */
static __always_inline bool in_compat_syscall(struct task_struct *t)
{
	return t->thread_info.flags & (1UL << TIF_32BIT);
}

#define ARCH_SYSCALL_NR syscallno

/* x0 holds the return value at exit; the first argument is kept in
 * orig_x0. */
static __always_inline void regs_args(const arch_regs *regs, bool compat, struct saved_args *s)
{
	s->a[0] = regs->orig_x0;
	s->a[1] = regs->regs[1];
	s->a[2] = regs->regs[2];
	s->a[3] = regs->regs[3];
	s->a[4] = regs->regs[4];
	s->a[5] = regs->regs[5];
}

#else
#error "vigil: bpf2go -target must be amd64 or arm64"
#endif

#endif /* VIGIL_ARCH_H */
