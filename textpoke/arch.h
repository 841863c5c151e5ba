/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixed set of questions the arch-neutral core asks the arch layer.
 * Each arch/<arch>/ implements all of them; the core never needs to know
 * which architecture it runs on.
 */
#ifndef TEXTPOKE_ARCH_H
#define TEXTPOKE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "insn.h"

/*
 * Decode the instruction at @code (at most @avail bytes readable) as if it
 * sat at address @pc.  Returns its length in bytes and fills @out, or
 * -EINVAL for anything but the forms the library writes.
 */
int arch_insn_decode(const void *code, size_t avail, uintptr_t pc,
		     struct insn *out);

/* Encoders behind tp_encode_nop/jump/call (see textpoke.h). */
int arch_encode_nop(uint8_t *buf, size_t len);
int arch_encode_jump(uint8_t *buf, uintptr_t pc, uintptr_t target, size_t len);
int arch_encode_call(uint8_t *buf, uintptr_t pc, uintptr_t target);

/* Alignment every instruction start must have on this arch, in bytes. */
size_t arch_insn_alignment(void);

/*
 * The bits of the @len-byte instruction @word (its bytes as a
 * little-endian number) that arch_insn_decode()'s kind and length depend
 * on: instructions of @len bytes whose masked bits are equal decode to the
 * same kind and length and differ only in their target or immediate.
 * All ones when every bit may matter.  The toggle lane decodes one call of
 * a batch and knows the others from it.
 */
uint64_t arch_insn_form_mask(uint64_t word, unsigned int len);

/*
 * Write to @buf the breakpoint instruction that replaces the start of the
 * @len-byte site at @addr; returns its length: how much of the site the
 * breakpoint protocol writes first (x86: the INT3 byte; arm64: the whole
 * word; riscv: EBREAK on an aligned 4-byte site, C.EBREAK otherwise).
 */
size_t arch_trap_insn(uint8_t *buf, uintptr_t addr, size_t len);

/* Whether a breakpoint instruction, of any form or immediate, is at @addr. */
bool arch_trap_insn_at(uintptr_t addr);

/*
 * Whether this SIGTRAP is one the breakpoint instruction raises (by its
 * si_code), not a single step, a hardware breakpoint, perf's sigtrap or a
 * signal sent by a process: only such a trap can be at a site of ours.
 */
bool arch_trap_from_breakpoint(const siginfo_t *info);

/* The address of the trap instruction that raised this SIGTRAP. */
uintptr_t arch_trap_address(const ucontext_t *uc);

/* The interrupted program counter of any signal context. */
uintptr_t arch_context_pc(const ucontext_t *uc);

/* Make the interrupted context continue at @pc. */
void arch_context_set_pc(ucontext_t *uc, uintptr_t pc);

/* Whether the trap handler can execute @insn in place of a site. */
bool arch_insn_emulable(const struct insn *insn);

/*
 * Execute @insn, the new instruction of the site at @site, for the
 * context that trapped there: update the PC, the stack or the link
 * register as the instruction would.  Async-signal-safe.
 */
void arch_emulate(ucontext_t *uc, uintptr_t site, const struct insn *insn);

/*
 * Whether replacing @old by @new (@len bytes at @addr) with one store,
 * while other threads execute it, is architecturally safe.
 */
bool arch_nosync_safe(uintptr_t addr, const uint8_t *old, const uint8_t *new,
		      size_t len);

/* Make stored instructions visible to this core's instruction fetch. */
void arch_flush_icache(uintptr_t start, size_t len);
/* Whether arch_flush_icache() does nothing: a loop of them may be left out. */
bool arch_icache_coherent(void);

/*
 * Function-entry tracing (textpoke/tracing/).  Every traceable function
 * f has an 8-byte slot at f - 8 (the pointer to its ops) and a patch site
 * at its entry; docs/design.md, "Function-entry sites", has the layout of
 * each arch.
 */
#define FTRACE_SLOT_SIZE	8

struct ftrace_layout {
	uintptr_t func;			/* the function's entry, slot + 8 */
	uintptr_t site;			/* what site init rewrites ... */
	unsigned int site_len;		/* ... and how many bytes */
	uintptr_t toggle;		/* the one instruction tracing flips */
	unsigned int toggle_len;
};

/*
 * The layout of the function whose __patchable_function_entries record
 * is @record, if its bytes are those a compiler emits for the published
 * flags; -EILSEQ otherwise.  @avail bytes from @record are readable.
 */
int arch_ftrace_layout(uintptr_t record, size_t avail, struct ftrace_layout *out);

/* The bytes site init writes at layout->site (site_len of them). */
int arch_ftrace_init_insns(const struct ftrace_layout *layout, uintptr_t veneer,
			   uint8_t *buf);

/*
 * The toggle instruction: a NOP when @target is 0, else the call of
 * @target (the object's veneer, or a direct trampoline); -ERANGE when the
 * site cannot reach @target with what site init wrote for @veneer.
 */
int arch_ftrace_toggle_insn(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint8_t *buf);
/*
 * The same instruction as a word whose bytes in memory are its bytes and
 * then zeros (the engine's toggle lane), made in registers: bytes stored
 * one way and loaded as a word the other stall the load.  0 or the
 * error of arch_ftrace_toggle_insn().
 */
int arch_ftrace_toggle_word(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint64_t *word);

/*
 * How far (either way) a veneer may be from a function entry, and the
 * veneer itself: code near the traced object that jumps to the
 * trampoline anywhere in the address space without touching a register
 * the trampoline needs (or several, for sites of different layouts, as
 * arch_ftrace_toggle_insn() chooses).  Returns its size (at most 64
 * bytes).
 */
uintptr_t arch_ftrace_veneer_reach(void);
size_t arch_ftrace_veneer(uint8_t *buf, uintptr_t at, uintptr_t trampoline);


/*
 * Graph tracing: where the traced function's return address is kept
 * while the trampoline runs (a store there changes where it returns),
 * and the stack pointer it will have once it has returned.
 */
struct tp_ftrace_regs;
uintptr_t *arch_ftrace_parent_loc(struct tp_ftrace_regs *regs);
uintptr_t arch_ftrace_return_sp(const struct tp_ftrace_regs *regs);

/*
 * arch/<arch>/ftrace_entry.S: where graph tracing makes a traced
 * function return, inside arch_ftrace_return_trampoline (after the
 * padding its unwind information needs); calls
 * ftrace_graph_return(sp, slot, regs).
 */
void arch_ftrace_return_entry(void);

/*
 * The return registers arch_ftrace_return_trampoline saved: integer
 * register @n (0, 1), and the low 64 bits of floating-point register @n;
 * 0 past the last one.
 */
struct tp_fgraph_ret_regs;
unsigned long arch_fgraph_ret_int(const struct tp_fgraph_ret_regs *regs, unsigned int n);
uint64_t arch_fgraph_ret_fp_bits(const struct tp_fgraph_ret_regs *regs, unsigned int n);

unsigned long arch_ftrace_regs_argument(const struct tp_ftrace_regs *regs,
					unsigned int n);

/* arch/<arch>/ftrace_entry.S: calls ftrace_dispatch(ret, parent, regs). */
void arch_ftrace_caller(void);

#endif /* TEXTPOKE_ARCH_H */
