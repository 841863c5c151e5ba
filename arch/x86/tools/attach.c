// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 for textpoke-attach (tools/textpoke-ctl/attach_arch.h): the
 * SysV calling convention on the registers of struct user_regs_struct.
 */
#include <elf.h>
#include <errno.h>
#include <sys/user.h>

#include "attach_arch.h"

/* The general registers, and the x87/SSE/AVX state as XSAVE has it. */
const int attach_arch_regsets[] = { NT_PRSTATUS, NT_X86_XSTATE, 0 };
const size_t attach_arch_gpr_size = sizeof(struct user_regs_struct);

unsigned long attach_arch_sp(const void *gpr)
{
	return ((const struct user_regs_struct *)gpr)->rsp;
}

unsigned long attach_arch_pc(const void *gpr)
{
	return ((const struct user_regs_struct *)gpr)->rip;
}

unsigned long attach_arch_retval(const void *gpr)
{
	return ((const struct user_regs_struct *)gpr)->rax;
}

int attach_arch_setup_call(void *gpr, unsigned long fn, const unsigned long *args,
			   int nargs, unsigned long sp, unsigned long ret,
			   unsigned long *push)
{
	struct user_regs_struct *r = gpr;
	unsigned long long *argregs[] = { &r->rdi, &r->rsi, &r->rdx, &r->rcx, &r->r8, &r->r9 };

	(void)ret;
	if (nargs < 0 || nargs > 6)
		return -EINVAL;
	for (int i = 0; i < nargs; i++)
		*argregs[i] = args[i];
	/* The call pushed the return address: rsp is 8 off 16 at entry. */
	r->rsp = sp - 8;
	*push = sp - 8;
	r->rip = fn;
	r->rax = 0;		/* no vector registers used by a variadic call */
	/* Not in a system call any more: the kernel must not restart one. */
	r->orig_rax = -1;
	/* The direction flag clear, as the ABI wants at a call. */
	r->eflags &= ~0x400ul;
	return 0;
}
