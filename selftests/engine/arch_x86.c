// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 instructions for the engine selftests: NOP5, JMP rel32 and CALL
 * rel32 sites, five NOP1s merged into a NOP5 by stop_machine, INT3 as the
 * foreign trap.  x86 has no nosync transition.
 */
#include <signal.h>
#include <string.h>

#include <asm/insn.h>

#include "engine.h"

const int foreign_trap_code = SI_KERNEL;
const int multi_ret[2] = { 1, 1 };
/* JMP rel32 to the next instruction: a valid new instruction anywhere. */
const uint8_t jmp_next[SITE_LEN] = { X86_JMP32_OPCODE, 0, 0, 0, 0 };
const uint8_t short_nop[SHORT_LEN] = { 0x66, 0x90 };
const uint8_t unknown_insn[SHORT_LEN] = { 0x0f, 0x0b };	/* UD2 */

int site_enc_nop(uint8_t *buf, uintptr_t pc)
{
	(void)pc;
	return x86_encode_nop(buf, SITE_LEN);
}

int site_enc_jump(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return x86_encode_jmp(buf, SITE_LEN, pc, target);
}

int site_enc_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return x86_encode_call(buf, pc, target);
}

int enc_nops(uint8_t *buf, size_t len)
{
	return x86_encode_nop(buf, len) == (int)len ? 0 : -1;
}

int fill_nop_units(uint8_t *buf, size_t len)
{
	memset(buf, 0x90, len);
	return 0;
}

/* What -fpatchable-function-entry=5 emits, and the NOP5 site init makes. */
int multi_states(uint8_t old[MULTI_LEN], uint8_t new[MULTI_LEN])
{
	fill_nop_units(old, MULTI_LEN);
	return x86_encode_nop(new, MULTI_LEN) == MULTI_LEN ? 0 : -1;
}

/* A NOP2 2 bytes before the end of the mapping, a NOP5 to replace it. */
void straddle_states(struct straddle *st)
{
	memset(st, 0, sizeof(*st));
	st->back = 2;
	x86_encode_nop(st->old, 2);
	st->new_len = SITE_LEN;
	x86_encode_nop(st->new, SITE_LEN);
}

void foreign_trap(void)
{
	__asm__ volatile("int3" ::: "memory");
}

/* INT3 is a trap: the context is already past it. */
void skip_foreign_trap(ucontext_t *uc)
{
	(void)uc;
}

uintptr_t context_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_RIP];
}
