/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unwind information for the graph return trampolines (assembler only).
 *
 * A graph-traced function's return address is the trampoline's entry
 * while it runs, so an unwinder (the C++ runtime's, backtrace(), a
 * debugger) that steps out of it finds the trampoline and must be told
 * where the function really returns.  Unwinders look up the frame
 * information of (return address - 1): the trampoline's entry is
 * preceded by one instruction of padding inside its own FDE, whose
 * rules describe the moment the function has returned there:
 *
 *	CFA		the stack pointer (what the function returned with),
 *			plus 1
 *	stack pointer	CFA - 1
 *	return address	the `ret` of the topmost frame of the return stacks
 *			whose `sp` is the stack pointer, skipping frames
 *			whose `ret` is the trampoline itself (a tail call's)
 *
 * The CFA is one more than the stack pointer because unwinders tell
 * frames apart by their CFA (libgcc's phase 2 finds the frame of the
 * handler by it): the traced function's CFA is that stack pointer, and
 * no real frame has an odd one.
 *
 * The return address is a DW_CFA_val_expression, a small loop over the
 * return stacks of every thread (a CFI expression cannot read
 * thread-local storage: libgcc's unwinder has no DW_OP_form_tls_address).
 * A stack pointer identifies a live frame of one thread only, so the
 * first match is the right one; finished threads leave their stacks
 * empty (ftrace_graph.c).  It needs no relocation in .eh_frame: the
 * address of ftrace_graph_stacks is found from the trampoline's own
 * address, which the expression reads from the return-address column,
 * and a PC-relative word the trampoline keeps @back bytes before its
 * entry.  No match (a corrupt stack) gives 0, where unwinders stop.
 *
 * @sp and @ra are the DWARF numbers of the stack pointer and of the
 * return-address column (x86-64 7 and 16, arm64 31 and 30, riscv64 2
 * and 1), @sp_name the stack pointer's name for the assembler.  With
 * @pac, the trampoline's address read from the return-address column is
 * masked to 48 bits: a function that signs its return address (arm64
 * PAC) leaves it signed in its frame, where the unwinder reads it.
 */
#ifndef TEXTPOKE_FTRACE_GRAPH_CFI_H
#define TEXTPOKE_FTRACE_GRAPH_CFI_H

#include "ftrace_graph_layout.h"

#define DW_CFA_val_expression	0x16
#define DW_OP_deref		0x06
#define DW_OP_const8u		0x0e
#define DW_OP_const1u		0x08
#define DW_OP_dup		0x12
#define DW_OP_drop		0x13
#define DW_OP_pick		0x15
#define DW_OP_and		0x1a
#define DW_OP_minus		0x1c
#define DW_OP_mul		0x1e
#define DW_OP_plus		0x22
#define DW_OP_plus_uconst	0x23
#define DW_OP_bra		0x28
#define DW_OP_ne		0x2e
#define DW_OP_skip		0x2f
#define DW_OP_lit0		0x30
#define DW_OP_breg0		0x70
#define DW_OP_deref_size	0x94

/* A 2-byte branch offset, little-endian: DWARF's, whatever the target's. */
#define FGRAPH_CFI_OFF(n)	((n) & 0xff), (((n) >> 8) & 0xff)

/*
 * Stack comments: top on the right.  C is the stack pointer, T the trampoline, s
 * a return stack, d a depth, f a frame.  Offsets count from the byte
 * after the branch's operand.  C is pushed twice, the copy below not
 * shown: libgcc's DW_OP_pick refuses to pick the bottom of the stack.
 */
.macro fgraph_return_frame_cfi sp, sp_name, ra, back, pac=0
	.cfi_def_cfa \sp_name, 1
	.cfi_escape DW_CFA_val_expression, \sp, 2, DW_OP_lit0 + 1, DW_OP_minus
	/* One expression in three escapes, nothing between them. */
	.cfi_escape DW_CFA_val_expression, \ra, 66 + 10 * \pac,		\
		DW_OP_lit0 + 1, DW_OP_minus,		/* the stack pointer */	\
		DW_OP_dup,				/* C (twice) */		\
		DW_OP_breg0 + \ra, 0			/* C T */
	.if \pac
	.cfi_escape DW_OP_const8u, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, DW_OP_and
	.endif
	.cfi_escape							\
		DW_OP_dup, DW_OP_lit0 + \back, DW_OP_minus,			\
		DW_OP_dup, DW_OP_deref, DW_OP_plus,	/* C T &stacks */	\
		DW_OP_deref,				/* C T s */		\
		/* 12: each stack */						\
		DW_OP_dup, DW_OP_bra, FGRAPH_CFI_OFF(3),			\
		DW_OP_skip, FGRAPH_CFI_OFF(47),		/* none left: 0 */	\
		/* 19 */							\
		DW_OP_dup, DW_OP_plus_uconst, FGRAPH_STACK_DEPTH,		\
		DW_OP_deref_size, 4,			/* C T s d */		\
		/* 24: each frame, from the top */				\
		DW_OP_dup, DW_OP_bra, FGRAPH_CFI_OFF(5),			\
		DW_OP_drop, DW_OP_deref,		/* C T s->next */	\
		DW_OP_skip, FGRAPH_CFI_OFF(-21),				\
		/* 33 */							\
		DW_OP_lit0 + 1, DW_OP_minus,		/* C T s d-1 */		\
		DW_OP_dup, DW_OP_const1u, FGRAPH_FRAME_SIZE, DW_OP_mul,	\
		DW_OP_pick, 2, DW_OP_plus,					\
		DW_OP_plus_uconst, FGRAPH_STACK_FRAMES,	/* C T s d f */		\
		DW_OP_dup, DW_OP_plus_uconst, FGRAPH_FRAME_SP, DW_OP_deref,	\
		DW_OP_pick, 5, DW_OP_ne,					\
		DW_OP_bra, FGRAPH_CFI_OFF(8),		/* f->sp != C */	\
		DW_OP_deref,				/* C T s d ret */	\
		DW_OP_dup, DW_OP_pick, 4, DW_OP_ne,				\
		DW_OP_bra, FGRAPH_CFI_OFF(4),		/* ret != T: found */	\
		/* 62: not this frame */					\
		DW_OP_drop,							\
		DW_OP_skip, FGRAPH_CFI_OFF(-42)
		/* 66: the result on top */
.endm

#endif /* TEXTPOKE_FTRACE_GRAPH_CFI_H */
