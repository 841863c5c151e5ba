// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64 function-entry sites, as -fpatchable-function-entry=4,2 leaves
 * them: two NOPs before the function (the ops slot), two at its entry.
 * Site init writes MOV X9, X30 over the first entry NOP, so that the
 * second can become BL at any time with one store: NOP and BL are both in
 * the CMODX set (ARM ARM B2.2.5), and X9 carries the function's return
 * address past the BL that overwrites X30.
 *
 * With -mbranch-protection=bti the function starts with BTI C and the two
 * entry NOPs follow it: the site is one instruction later, the slot
 * where it was.
 */
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>

#include <asm/ftrace.h>
#include <asm/insn.h>

#include "../../textpoke/arch.h"

static uint32_t word_at(uintptr_t addr)
{
	uint32_t w;

	memcpy(&w, (const void *)addr, sizeof(w));
	return w;
}

int arch_ftrace_layout(uintptr_t record, size_t avail, struct ftrace_layout *out)
{
	uintptr_t func = record + FTRACE_SLOT_SIZE, site = func;
	int i;

	if (record % FTRACE_SLOT_SIZE || avail < 2 * FTRACE_SLOT_SIZE)
		return -EILSEQ;
	if (word_at(func) == A64_BTI_C) {
		if (avail < 2 * FTRACE_SLOT_SIZE + A64_INSN_LEN)
			return -EILSEQ;
		site += A64_INSN_LEN;
	}
	for (i = 0; i < 2; i++)
		if (word_at(record + i * A64_INSN_LEN) != A64_NOP ||
		    word_at(site + i * A64_INSN_LEN) != A64_NOP)
			return -EILSEQ;
	out->func = func;
	out->site = site;
	out->site_len = 2 * A64_INSN_LEN;
	out->toggle = site + A64_INSN_LEN;
	out->toggle_len = A64_INSN_LEN;
	return 0;
}

int arch_ftrace_init_insns(const struct ftrace_layout *layout, uintptr_t veneer,
			   uint8_t *buf)
{
	uint32_t insns[2];

	(void)layout, (void)veneer;
	a64_encode_mov_x9_x30(&insns[0]);
	a64_encode_nop(&insns[1]);
	memcpy(buf, insns, sizeof(insns));
	return sizeof(insns);
}

/*
 * An object's veneers: the one for functions whose entry's MOV is their
 * first instruction, and at A64_VENEER_BTI the one for functions that
 * start with BTI C, which goes to the trampoline's _bti entry.  The
 * trampoline knows where the function starts from which it was entered,
 * instead of reading the word before the MOV on every call.
 */
#define A64_VENEER_BTI		32

/* What the site calls: @target, or for the veneer the one for its layout. */
static uintptr_t call_target(const struct ftrace_layout *layout, uintptr_t veneer,
			     uintptr_t target)
{
	if (target && target == veneer && layout->site != layout->func)
		return target + A64_VENEER_BTI;
	return target;
}

int arch_ftrace_toggle_insn(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint8_t *buf)
{
	uint32_t insn;
	int len = target ? a64_encode_bl(&insn, layout->toggle,
					 call_target(layout, veneer, target))
			 : a64_encode_nop(&insn);

	if (len > 0)
		memcpy(buf, &insn, sizeof(insn));
	return len;
}

int arch_ftrace_toggle_word(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint64_t *word)
{
	uint32_t insn = 0;
	int err = arch_ftrace_toggle_insn(layout, veneer, target, (uint8_t *)&insn);

	if (err < 0)
		return err;
	*word = insn;		/* instructions are little endian */
	return 0;
}

/* BL reaches +-128 MiB; keep a margin for the object's own size. */
uintptr_t arch_ftrace_veneer_reach(void)
{
	return (1ul << 27) - (1ul << 20);
}

#ifndef HWCAP_SVE
#define HWCAP_SVE		(1ul << 22)
#endif

/* Whether the return trampoline keeps the SVE registers (ftrace_entry.S). */
unsigned char ftrace_arm64_sve;

void ftrace_arm64_caller_sve(void);
void arch_ftrace_caller_bti(void);
void ftrace_arm64_caller_sve_bti(void);

/*
 * The trampoline the generic code asks for, arch_ftrace_caller, keeps
 * Q0-Q7: with SVE the veneers jump to the one that keeps Z0-Z7 and
 * P0-P3.  The choice is made here, before any veneer can be entered, and
 * the same every time.
 */
static uintptr_t entry_for_cpu(uintptr_t trampoline)
{
	bool sve = getauxval(AT_HWCAP) & HWCAP_SVE;

	if (trampoline != (uintptr_t)arch_ftrace_caller)
		return trampoline;
	__atomic_store_n(&ftrace_arm64_sve, sve, __ATOMIC_RELAXED);
	return sve ? (uintptr_t)ftrace_arm64_caller_sve : trampoline;
}

/*
 * LDR X16, =trampoline; BR X16.  X16 (IP0) may be clobbered by any
 * veneer between a call and its target (AAPCS64 "intra-procedure-call
 * scratch register"), so no traced function expects it preserved.
 */
static size_t veneer_to(uint8_t *buf, uintptr_t at, uint64_t target)
{
	uint32_t insns[2];

	a64_encode_ldr_lit(&insns[0], 16, at, at + 2 * A64_INSN_LEN);
	a64_encode_br(&insns[1], 16);
	memcpy(buf, insns, sizeof(insns));
	memcpy(buf + sizeof(insns), &target, sizeof(target));
	return sizeof(insns) + sizeof(target);
}

/* The entry of the same trampoline for functions that start with BTI C. */
static uintptr_t bti_entry(uintptr_t entry)
{
	if (entry == (uintptr_t)ftrace_arm64_caller_sve)
		return (uintptr_t)ftrace_arm64_caller_sve_bti;
	if (entry == (uintptr_t)arch_ftrace_caller)
		return (uintptr_t)arch_ftrace_caller_bti;
	return entry;
}

/* The two veneers (arch_ftrace_toggle_insn()), UDF between them. */
size_t arch_ftrace_veneer(uint8_t *buf, uintptr_t at, uintptr_t trampoline)
{
	uintptr_t entry = entry_for_cpu(trampoline);
	size_t len = veneer_to(buf, at, entry);

	memset(buf + len, 0, A64_VENEER_BTI - len);
	return A64_VENEER_BTI + veneer_to(buf + A64_VENEER_BTI, at + A64_VENEER_BTI,
					  bti_entry(entry));
}

/* The site's MOV X9, X30 keeps it in X9, which the trampoline restores. */
uintptr_t *arch_ftrace_parent_loc(struct tp_ftrace_regs *regs)
{
	return (uintptr_t *)&regs->x[9];
}

/* The frame sits right below the stack pointer the function was entered with. */
uintptr_t arch_ftrace_return_sp(const struct tp_ftrace_regs *regs)
{
	return (uintptr_t)regs + FTRACE_REGS_SIZE;
}

unsigned long arch_ftrace_regs_argument(const struct tp_ftrace_regs *regs,
					unsigned int n)
{
	return n < FTRACE_NR_ARGS ? regs->x[n] : 0;
}

unsigned long arch_fgraph_ret_int(const struct tp_fgraph_ret_regs *regs, unsigned int n)
{
	return n < 2 ? regs->x[n] : 0;
}

uint64_t arch_fgraph_ret_fp_bits(const struct tp_fgraph_ret_regs *regs, unsigned int n)
{
	uint64_t bits = 0;

	if (n < FGRAPH_RET_NR_FP)
		memcpy(&bits, regs->v[n], sizeof(bits));
	return bits;
}
