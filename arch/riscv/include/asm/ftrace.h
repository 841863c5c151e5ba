/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 function-entry tracing: the frame ftrace_entry.S builds, which
 * is the struct tp_ftrace_regs a callback sees, and the return registers
 * a graph return callback reads.  The LP64D ABI passes arguments in a0-a7
 * and fa0-fa7 and returns results in a0, a1, fa0, fa1; at a traced
 * function's entry ra is its return address and t0 the address after the
 * site's JALR t0.  The vector registers carry no argument of the standard
 * calling convention.
 */
#ifndef ASM_RISCV_FTRACE_H
#define ASM_RISCV_FTRACE_H

#define FTRACE_REGS_A0		0	/* a0-a7 */
#define FTRACE_REGS_T0		64	/* after the JALR: into the function */
#define FTRACE_REGS_RA		72	/* the function's return address */
#define FTRACE_REGS_S0		80
#define FTRACE_REGS_ERRNO	88	/* errno, kept around the callback */
#define FTRACE_REGS_FA0		96	/* fa0-fa7 */
#define FTRACE_REGS_SIZE	160	/* sp stays 16-aligned */
#define FTRACE_NR_ARGS		8

/* The return trampoline's frame: struct tp_fgraph_ret_regs. */
#define FGRAPH_RET_A0		0	/* a0, a1 */
#define FGRAPH_RET_FA0		16	/* fa0, fa1 */
#define FGRAPH_RET_RA		32	/* where the trampoline returns */
#define FGRAPH_RET_S0		40
#define FGRAPH_RET_SIZE		48
#define FGRAPH_RET_NR_FP	2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tp_ftrace_regs {
	uint64_t a[8];
	uint64_t t0, ra, s0;
	int saved_errno;
	uint32_t pad;
	uint64_t fa[8];
};

struct tp_fgraph_ret_regs {
	uint64_t a[2];
	uint64_t fa[2];
	uint64_t ra, s0;
};

_Static_assert(sizeof(struct tp_ftrace_regs) == FTRACE_REGS_SIZE,
	       "ftrace_entry.S builds the frame with these offsets");
_Static_assert(sizeof(struct tp_fgraph_ret_regs) == FGRAPH_RET_SIZE,
	       "ftrace_entry.S builds the return frame with these offsets");
#endif

#endif /* ASM_RISCV_FTRACE_H */
