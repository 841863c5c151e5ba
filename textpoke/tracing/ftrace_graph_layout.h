/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The graph return stacks as the return trampolines' unwind information
 * reads them (ftrace_graph_cfi.h), shared by ftrace_graph.c, which
 * checks them against its structures, and the assembler.  The same on
 * every arch: LP64, frames of 48 bytes.
 */
#ifndef TEXTPOKE_FTRACE_GRAPH_LAYOUT_H
#define TEXTPOKE_FTRACE_GRAPH_LAYOUT_H

/* struct fgraph_stack: every thread's, linked from ftrace_graph_stacks. */
#define FGRAPH_STACK_NEXT	0
#define FGRAPH_STACK_DEPTH	12	/* unsigned int: frames in use */
#define FGRAPH_STACK_FRAMES	16

/* struct fgraph_frame */
#define FGRAPH_FRAME_RET	0	/* where the function really returns */
#define FGRAPH_FRAME_SP		8	/* its stack pointer once it has */
#define FGRAPH_FRAME_SIZE	48

/* The unwind expression reads s->next and f->ret with a plain deref. */
#if FGRAPH_STACK_NEXT != 0 || FGRAPH_FRAME_RET != 0
#error "ftrace_graph_cfi.h needs next and ret first"
#endif

#endif /* TEXTPOKE_FTRACE_GRAPH_LAYOUT_H */
