/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 function-entry tracing: the frame ftrace_entry.S builds, which is
 * the struct tp_ftrace_regs a callback sees.  AAPCS64 passes arguments in
 * X0-X7 and V0-V7 and the indirect result address in X8; at a traced
 * function's entry X9 holds its return address (MOV X9, X30 of the
 * site) and X30 the address after the BL.
 */
#ifndef ASM_ARM64_FTRACE_H
#define ASM_ARM64_FTRACE_H

#define FTRACE_REGS_X0		0	/* X0-X8 */
#define FTRACE_REGS_X8		64
#define FTRACE_REGS_X9		72	/* the function's return address */
#define FTRACE_REGS_FP		80	/* frame record: X29, X30 */
#define FTRACE_REGS_LR		88	/* after the BL: into the function */
#define FTRACE_REGS_V0		96	/* Q0-Q7 */
#define FTRACE_REGS_SIZE	224	/* SP stays 16-aligned */
#define FTRACE_NR_ARGS		8

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tp_ftrace_regs {
	uint64_t x[10];			/* X0-X9 */
	uint64_t fp, lr;
	uint8_t v[8][16];
};

_Static_assert(sizeof(struct tp_ftrace_regs) == FTRACE_REGS_SIZE,
	       "ftrace_entry.S builds the frame with these offsets");
#endif

#endif /* ASM_ARM64_FTRACE_H */
