// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 instructions for the engine selftests: NOP, B and BL sites (all
 * in the CMODX set, so nosync may toggle them), NOP; NOP rewritten to
 * MOV X9, X30; NOP (the ftrace entry) by stop_machine, and a BRK with an
 * immediate that is not textpoke's as the foreign trap.
 */
#include <signal.h>
#include <string.h>

#include <asm/insn.h>

#include "engine.h"

#define FOREIGN_BRK_IMM		0x1234
#define FOREIGN_BRK		(0xd4200000u | FOREIGN_BRK_IMM << 5)

const int foreign_trap_code = TRAP_BRKPT;
const int multi_ret[2] = { 1, 1 };
const uint8_t jmp_next[SITE_LEN] = { 0x01, 0x00, 0x00, 0x14 };	/* B .+4 */
const uint8_t short_nop[SHORT_LEN] = { 0x1f, 0x20, 0x03, 0xd5 };
const uint8_t unknown_insn[SHORT_LEN] = { 0x00, 0x00, 0x00, 0x00 };	/* UDF #0 */

static int put(uint8_t *buf, int len, uint32_t word)
{
	if (len == A64_INSN_LEN)
		memcpy(buf, &word, sizeof(word));
	return len;
}

int site_enc_nop(uint8_t *buf, uintptr_t pc)
{
	uint32_t w;

	(void)pc;
	return put(buf, a64_encode_nop(&w), w);
}

int site_enc_jump(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	uint32_t w;

	return put(buf, a64_encode_b(&w, pc, target), w);
}

int site_enc_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	uint32_t w;

	return put(buf, a64_encode_bl(&w, pc, target), w);
}

int fill_nop_units(uint8_t *buf, size_t len)
{
	size_t i;

	if (len % A64_INSN_LEN)
		return -1;
	for (i = 0; i < len; i += A64_INSN_LEN)
		memcpy(buf + i, short_nop, A64_INSN_LEN);
	return 0;
}

int enc_nops(uint8_t *buf, size_t len)
{
	return fill_nop_units(buf, len);
}

/* NOP; NOP <-> MOV X9, X30; NOP: harmless in site_multi_fn either way. */
int multi_states(uint8_t old[MULTI_LEN], uint8_t new[MULTI_LEN])
{
	uint32_t w;

	fill_nop_units(old, MULTI_LEN);
	fill_nop_units(new, MULTI_LEN);
	if (a64_encode_mov_x9_x30(&w) != A64_INSN_LEN)
		return -1;
	memcpy(new, &w, sizeof(w));
	return 0;
}

/* A NOP 4 bytes before the end of the mapping, two NOPs to replace it. */
void straddle_states(struct straddle *st)
{
	memset(st, 0, sizeof(*st));
	st->back = A64_INSN_LEN;
	memcpy(st->old, short_nop, A64_INSN_LEN);
	st->new_len = 2 * A64_INSN_LEN;
	fill_nop_units(st->new, st->new_len);
}

void foreign_trap(void)
{
	__asm__ volatile("brk #%0" :: "i"(FOREIGN_BRK_IMM) : "memory");
}

/* BRK is reported with the PC on it: step over ours only. */
void skip_foreign_trap(ucontext_t *uc)
{
	uintptr_t pc = uc->uc_mcontext.pc;

	if (*(const volatile uint32_t *)pc == FOREIGN_BRK)
		uc->uc_mcontext.pc = pc + A64_INSN_LEN;
}

uintptr_t context_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.pc;
}
