/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a traced entry continues after the dispatcher, shared by the
 * dispatcher (C) and the trampolines (assembler): ftrace_dispatch()
 * returns { address, how } in the two integer return registers.
 */
#ifndef TEXTPOKE_FTRACE_RESUME_H
#define TEXTPOKE_FTRACE_RESUME_H

/* Run the traced function itself (address unused). */
#define FTRACE_RESUME_FUNC	0
/*
 * Jump to a direct trampoline with the registers and stack the entry
 * site left, as if the site had called it instead of the veneer.
 */
#define FTRACE_RESUME_DIRECT	1
/*
 * Jump to another function as if the traced function's caller had
 * called it: the redirection of a live patch.
 */
#define FTRACE_RESUME_REDIRECT	2

#endif /* TEXTPOKE_FTRACE_RESUME_H */
