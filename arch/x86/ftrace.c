// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 function-entry sites.  -fpatchable-function-entry=13,8 leaves
 * eight 1-byte NOPs before the function (the ops slot) and five at its
 * entry, after ENDBR64 when -fcf-protection is on; clang emits the five
 * as one NOP5 of its own form.  Site init makes them the one NOP5 that
 * CALL rel32 replaces: only a single instruction can be swapped with the
 * breakpoint protocol while threads run through it.
 */
#include <errno.h>
#include <string.h>

#include <asm/ftrace.h>
#include <asm/insn.h>

#include "../../textpoke/arch.h"

#define X86_SITE_LEN		5
#define X86_ENDBR64_LEN		4

static const uint8_t endbr64[X86_ENDBR64_LEN] = { 0xf3, 0x0f, 0x1e, 0xfa };
/* What clang 14 emits for -fpatchable-function-entry=N,M at the entry. */
static const uint8_t clang_nop5[X86_SITE_LEN] = { 0x0f, 0x1f, 0x44, 0x00, 0x08 };

static int entry_as_compiled(const uint8_t *p)
{
	return x86_is_nop1_run(p, X86_SITE_LEN) ||
	       !memcmp(p, clang_nop5, X86_SITE_LEN);
}

int arch_ftrace_layout(uintptr_t record, size_t avail, struct ftrace_layout *out)
{
	const uint8_t *p = (const uint8_t *)record;
	uintptr_t site = record + FTRACE_SLOT_SIZE;

	if (record % FTRACE_SLOT_SIZE ||
	    avail < FTRACE_SLOT_SIZE + X86_ENDBR64_LEN + X86_SITE_LEN)
		return -EILSEQ;
	if (!x86_is_nop1_run(p, FTRACE_SLOT_SIZE))
		return -EILSEQ;
	if (!memcmp((const void *)site, endbr64, X86_ENDBR64_LEN))
		site += X86_ENDBR64_LEN;
	if (!entry_as_compiled((const uint8_t *)site))
		return -EILSEQ;
	out->func = record + FTRACE_SLOT_SIZE;
	out->site = out->toggle = site;
	out->site_len = out->toggle_len = X86_SITE_LEN;
	return 0;
}

int arch_ftrace_init_insns(const struct ftrace_layout *layout, uintptr_t veneer,
			   uint8_t *buf)
{
	(void)layout, (void)veneer;
	return x86_encode_nop(buf, X86_SITE_LEN);
}

int arch_ftrace_toggle_insn(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint8_t *buf)
{
	(void)veneer;
	if (target)
		return x86_encode_call(buf, layout->toggle, target);
	return x86_encode_nop(buf, X86_SITE_LEN);
}

/* CALL rel32 reaches +-2 GiB; keep a margin for the object's own size. */
uintptr_t arch_ftrace_veneer_reach(void)
{
	return (1ul << 31) - (1ul << 20);
}

/* JMP *0(%rip) followed by the absolute address: no register touched. */
size_t arch_ftrace_veneer(uint8_t *buf, uintptr_t at, uintptr_t trampoline)
{
	static const uint8_t jmp_rip[6] = { 0xff, 0x25, 0, 0, 0, 0 };
	uint64_t target = trampoline;

	(void)at;
	memcpy(buf, jmp_rip, sizeof(jmp_rip));
	memcpy(buf + sizeof(jmp_rip), &target, sizeof(target));
	return sizeof(jmp_rip) + sizeof(target);
}

/*
 * @ret follows the CALL; the function starts with it or with ENDBR64.
 * The four bytes before the site are either ENDBR64 or the top half of
 * the ops slot, which as a user-space pointer has its top 16 bits zero
 * and cannot read as ENDBR64.
 */
uintptr_t arch_ftrace_func_of(uintptr_t ret)
{
	uintptr_t site = ret - X86_SITE_LEN;

	if (!memcmp((const void *)(site - X86_ENDBR64_LEN), endbr64, X86_ENDBR64_LEN))
		return site - X86_ENDBR64_LEN;
	return site;
}

/* Above the frame: the way into the function (the site's CALL), then its caller. */
uintptr_t *arch_ftrace_parent_loc(struct tp_ftrace_regs *regs)
{
	return (uintptr_t *)((char *)regs + FTRACE_REGS_SIZE + 8);
}

/* Its RET pops the return address. */
uintptr_t arch_ftrace_return_sp(const struct tp_ftrace_regs *regs)
{
	return (uintptr_t)regs + FTRACE_REGS_SIZE + 16;
}

unsigned long arch_ftrace_regs_argument(const struct tp_ftrace_regs *regs,
					unsigned int n)
{
	return n < FTRACE_NR_ARGS ? regs->gpr[n] : 0;
}
