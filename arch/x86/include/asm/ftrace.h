/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 function-entry tracing: the frames ftrace_entry.S builds, which
 * are the struct tp_ftrace_regs a callback sees and the return registers
 * a graph return callback reads.  The offsets are shared by the
 * assembler and C, so they are plain numbers here.
 *
 * The SysV ABI passes integer arguments in RDI, RSI, RDX, RCX, R8, R9,
 * the vector count of a variadic call in AL, the static chain in R10,
 * and float and vector arguments in XMM0-7, whose upper halves (YMM, and
 * ZMM with AVX-512) carry __m256 and __m512 arguments: all of them are
 * live at a function's entry and must survive the callback.  Results
 * come back in RAX, RDX, XMM0 (YMM0, ZMM0), XMM1, and the x87 stack
 * (long double: ST0; its complex: ST0, ST1).  The AVX-512 mask registers
 * carry neither (the ABI passes masks in integer registers and keeps no
 * k register across a call), nor do XMM8-15: the trampolines use those.
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
#define FTRACE_REGS_VEC		64	/* XMM0-7 or YMM0-7 or ZMM0-7, 64 bytes apart */
#define FTRACE_REGS_ERRNO	576	/* errno, kept around the callback */
#define FTRACE_REGS_SIZE	592	/* a multiple of 16 */
#define FTRACE_NR_ARGS		6

/*
 * The vector state the trampolines keep, chosen once from CPUID and
 * XCR0 (arch/x86/ftrace.c): XMM0-7, YMM0-7 or ZMM0-7 in full.
 */
#define FTRACE_X86_VEC_SSE	0
#define FTRACE_X86_VEC_AVX	1
#define FTRACE_X86_VEC_AVX512	2

/* The return trampoline's frame: struct tp_fgraph_ret_regs, 64-aligned. */
#define FGRAPH_RET_RAX		0
#define FGRAPH_RET_RDX		8
#define FGRAPH_RET_X87_NR	16	/* x87 stack entries kept (unsigned int) */
#define FGRAPH_RET_VEC_MODE	20	/* FTRACE_X86_VEC_* of this return */
#define FGRAPH_RET_VEC_DIRTY	21	/* upper halves not all zero: restored in full */
#define FGRAPH_RET_VEC		64	/* XMM0, XMM1 (or YMM, ZMM), 64 bytes apart */
#define FGRAPH_RET_X87		192	/* ST0 first, 16 bytes apart */
#define FGRAPH_RET_SIZE		320
#define FGRAPH_RET_NR_FP	2

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tp_ftrace_regs {
	uint64_t gpr[8];		/* RDI RSI RDX RCX R8 R9 RAX R10 */
	uint8_t vec[8][64];
	int saved_errno;
	uint8_t pad[12];
};

struct tp_fgraph_ret_regs {
	uint64_t gpr[2];		/* RAX RDX */
	uint32_t x87_nr;
	uint8_t vec_mode, vec_dirty;
	uint8_t pad[42];
	uint8_t vec[2][64];
	uint8_t x87[8][16];
};

_Static_assert(sizeof(struct tp_ftrace_regs) == FTRACE_REGS_SIZE,
	       "ftrace_entry.S builds the frame with these offsets");
_Static_assert(sizeof(struct tp_fgraph_ret_regs) == FGRAPH_RET_SIZE &&
	       __builtin_offsetof(struct tp_fgraph_ret_regs, vec) == FGRAPH_RET_VEC &&
	       __builtin_offsetof(struct tp_fgraph_ret_regs, x87) == FGRAPH_RET_X87,
	       "ftrace_entry.S builds the return frame with these offsets");
#endif

#endif /* ASM_X86_FTRACE_H */
