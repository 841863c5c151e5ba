/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 function-entry tracing: the frame ftrace_entry.S builds, which
 * is the struct tp_ftrace_regs a callback sees.  The offsets are shared
 * by the assembler and C, so they are plain numbers here.
 *
 * The SysV ABI passes integer arguments in RDI, RSI, RDX, RCX, R8, R9,
 * the vector count of a variadic call in AL, the static chain in R10,
 * and float arguments in XMM0-7: all of them are live at a function's
 * entry and must survive the callback.
 */
#ifndef ASM_X86_FTRACE_H
#define ASM_X86_FTRACE_H

#define FTRACE_REGS_RDI		0
#define FTRACE_REGS_RSI		8
#define FTRACE_REGS_RDX		16
#define FTRACE_REGS_RCX		24
#define FTRACE_REGS_R8		32
#define FTRACE_REGS_R9		40
#define FTRACE_REGS_RAX		48
#define FTRACE_REGS_R10		56
#define FTRACE_REGS_R11		64
#define FTRACE_REGS_RBX		72	/* the trampoline's own, not an argument */
#define FTRACE_REGS_XMM0	80	/* XMM0-7, 16 bytes each, 16-aligned */
#define FTRACE_REGS_SIZE	208	/* a multiple of 16: the C call's alignment */
#define FTRACE_NR_ARGS		6

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tp_ftrace_regs {
	uint64_t gpr[10];		/* RDI RSI RDX RCX R8 R9 RAX R10 R11, RBX */
	uint8_t xmm[8][16];
};

_Static_assert(sizeof(struct tp_ftrace_regs) == FTRACE_REGS_SIZE,
	       "ftrace_entry.S builds the frame with these offsets");
#endif

#endif /* ASM_X86_FTRACE_H */
