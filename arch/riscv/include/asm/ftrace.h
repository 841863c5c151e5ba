/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 function-entry tracing: the frame ftrace_entry.S builds, which
 * is the struct tp_ftrace_regs a callback sees.  The LP64D ABI passes
 * arguments in a0-a7 and fa0-fa7; at a traced function's entry ra is its
 * return address and t0 the address after the site's JALR t0.
 */
#ifndef ASM_RISCV_FTRACE_H
#define ASM_RISCV_FTRACE_H

#define FTRACE_REGS_A0		0	/* a0-a7 */
#define FTRACE_REGS_T0		64	/* after the JALR: into the function */
#define FTRACE_REGS_RA		72	/* the function's return address */
#define FTRACE_REGS_S0		80
#define FTRACE_REGS_FA0		96	/* fa0-fa7 */
#define FTRACE_REGS_SIZE	160	/* sp stays 16-aligned */
#define FTRACE_NR_ARGS		8

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tp_ftrace_regs {
	uint64_t a[8];
	uint64_t t0, ra, s0, pad;
	uint64_t fa[8];
};

_Static_assert(sizeof(struct tp_ftrace_regs) == FTRACE_REGS_SIZE,
	       "ftrace_entry.S builds the frame with these offsets");
#endif

#endif /* ASM_RISCV_FTRACE_H */
