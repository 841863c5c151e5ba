/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 function-entry tracing: the frames ftrace_entry.S builds, which
 * are the struct tp_ftrace_regs a callback sees and the return registers
 * a graph return callback reads.  AAPCS64 passes arguments in X0-X7 and
 * V0-V7 and the indirect result address in X8, and returns results in
 * the same registers; with SVE, functions of the SVE calling convention
 * pass and return Z0-Z7 and P0-P3 in full, whose bits past the 128 of a
 * V register the callbacks must not lose.  At a traced function's entry
 * X9 holds its return address (MOV X9, X30 of the site) and X30 the
 * address after the BL.
 */
#ifndef ASM_ARM64_FTRACE_H
#define ASM_ARM64_FTRACE_H

#define FTRACE_REGS_X0		0	/* X0-X8 */
#define FTRACE_REGS_X8		64
#define FTRACE_REGS_X9		72	/* the function's return address */
#define FTRACE_REGS_FP		80	/* frame record: X29, X30 */
#define FTRACE_REGS_LR		88	/* after the BL: into the function */
#define FTRACE_REGS_V0		96	/* Q0-Q7 (not filled with SVE: the Z registers are) */
#define FTRACE_REGS_IP		224	/* the traced function, kept around the callback */
#define FTRACE_REGS_ERRNO	232	/* errno, kept around the callback */
#define FTRACE_REGS_SIZE	240	/* SP stays 16-aligned */
#define FTRACE_NR_ARGS		8

/*
 * With SVE, Z0-Z7 and P0-P3 below the frame: eight vector lengths and a
 * ninth for the four predicates (an eighth of a vector length each).
 */
#define FTRACE_SVE_VLS		9
#define FTRACE_SVE_P0_PLS	64	/* P0 after Z0-Z7, in predicate lengths */

/* The return trampoline's frame: struct tp_fgraph_ret_regs. */
#define FGRAPH_RET_X0		0	/* X0-X7 */
#define FGRAPH_RET_FP		64	/* frame record: X29, X30 (the return address) */
#define FGRAPH_RET_V0		80	/* Q0-Q7 */
#define FGRAPH_RET_SIZE		208
#define FGRAPH_RET_NR_FP	4	/* V0-V3: a homogeneous aggregate's */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tp_ftrace_regs {
	uint64_t x[10];			/* X0-X9 */
	uint64_t fp, lr;
	uint8_t v[8][16];
	uint64_t ip;
	int saved_errno;
	uint32_t pad;
};

struct tp_fgraph_ret_regs {
	uint64_t x[8];
	uint64_t fp, lr;
	uint8_t v[8][16];
};

_Static_assert(sizeof(struct tp_ftrace_regs) == FTRACE_REGS_SIZE,
	       "ftrace_entry.S builds the frame with these offsets");
_Static_assert(sizeof(struct tp_fgraph_ret_regs) == FGRAPH_RET_SIZE &&
	       __builtin_offsetof(struct tp_fgraph_ret_regs, v) == FGRAPH_RET_V0,
	       "ftrace_entry.S builds the return frame with these offsets");
#endif

#endif /* ASM_ARM64_FTRACE_H */
