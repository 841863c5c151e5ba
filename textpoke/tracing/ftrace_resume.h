/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the dispatcher (C) and the trampolines (assembler) share: how a
 * traced entry continues after the dispatcher, and the tags of an ops
 * slot's word.
 */
#ifndef TEXTPOKE_FTRACE_RESUME_H
#define TEXTPOKE_FTRACE_RESUME_H

/*
 * ftrace_dispatch(ip, parent, regs) returns { address, how } in the two
 * integer return registers.
 */
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

/*
 * ftrace_enter() and ftrace_enter_light() return the ops whose callback
 * the trampoline calls, or one of these (ftrace_fast.c).
 */
#define FTRACE_ENTER_NONE	0	/* nothing to call */
#define FTRACE_ENTER_SLOW	1	/* the full way: ftrace_dispatch() */

/*
 * An ops slot holds an ops pointer (8-byte aligned) with its two low
 * bits telling the trampoline and the dispatcher which way to go
 * without reading the ops:
 *  - FTRACE_SLOT_LIGHT: one callback ops that promised to leave the
 *    vector and floating-point registers alone
 *    (TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY): the trampoline keeps only the
 *    integer registers;
 *  - FTRACE_SLOT_SLOW: not one callback ops (none, several, a direct
 *    trampoline or a redirection): the general dispatch;
 *  - neither: one callback ops, called straight away.
 */
#define FTRACE_SLOT_LIGHT	1
#define FTRACE_SLOT_SLOW	2
#define FTRACE_SLOT_TAGS	3

#endif /* TEXTPOKE_FTRACE_RESUME_H */
