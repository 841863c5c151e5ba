/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What textpoke-attach needs to know of an architecture to make a
 * stopped thread call a function: arch/<arch>/tools/attach.c, on the
 * general-purpose registers as PTRACE_GETREGSET(NT_PRSTATUS) gives them.
 */
#ifndef TP_ATTACH_ARCH_H
#define TP_ATTACH_ARCH_H

#include <stddef.h>

/* The register sets saved and put back around the calls, 0-terminated. */
extern const int attach_arch_regsets[];

/* The size of the NT_PRSTATUS set this code reads and writes. */
extern const size_t attach_arch_gpr_size;

unsigned long attach_arch_sp(const void *gpr);
unsigned long attach_arch_pc(const void *gpr);
unsigned long attach_arch_retval(const void *gpr);

/*
 * Turn @gpr into a call of @fn(@args[0..@nargs-1]) on a stack whose top
 * (16-byte aligned, free below) is @sp, returning to address @ret.  Where
 * the return address must be on the stack, *@push is set to the address
 * of the word to write @ret to (0 otherwise).  A thread stopped in a
 * system call does not restart it on the way to the call.  -EINVAL for
 * more arguments than it passes in registers.
 */
int attach_arch_setup_call(void *gpr, unsigned long fn, const unsigned long *args,
			   int nargs, unsigned long sp, unsigned long ret,
			   unsigned long *push);

#endif /* TP_ATTACH_ARCH_H */
