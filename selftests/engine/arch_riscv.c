// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 instructions for the engine selftests: naturally aligned 4-byte
 * NOP, JAL x0 and JAL ra sites (Ziccif: nosync may toggle them), C.NOP
 * and a 4-byte NOP at 2 mod 4 (nosync may not), an AUIPC t0; JALR ra, t0
 * pair to site_f rewritten as a whole to one to site_g by stop_machine,
 * and EBREAK as the foreign trap.
 */
#include <signal.h>
#include <string.h>

#include <asm/insn.h>

#include "engine.h"

const int foreign_trap_code = TRAP_BRKPT;
const int multi_ret[2] = { 1, 2 };	/* via site_f, via site_g */
const uint8_t jmp_next[SITE_LEN] = { 0x6f, 0x00, 0x40, 0x00 };	/* JAL x0, .+4 */
const uint8_t short_nop[SHORT_LEN] = { 0x01, 0x00 };		/* C.NOP */
const uint8_t unknown_insn[SHORT_LEN] = { 0x05, 0x45 };	/* C.LI a0, 1 */

int site_enc_nop(uint8_t *buf, uintptr_t pc)
{
	(void)pc;
	return rv_encode_nop(buf);
}

int site_enc_jump(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return rv_encode_jal(buf, RV_REG_ZERO, pc, target);
}

int site_enc_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return rv_encode_jal(buf, RV_REG_RA, pc, target);
}

/* 4-byte NOPs, and a C.NOP for a remaining 2 bytes. */
int fill_nop_units(uint8_t *buf, size_t len)
{
	size_t i;

	if (len % RV_C_INSN_LEN)
		return -1;
	for (i = 0; i + RV_INSN_LEN <= len; i += RV_INSN_LEN)
		rv_encode_nop(buf + i);
	if (i < len)
		rv_encode_c_nop(buf + i);
	return 0;
}

int enc_nops(uint8_t *buf, size_t len)
{
	return fill_nop_units(buf, len);
}

/*
 * AUIPC t0; JALR ra, lo(t0) calling site_f, or site_g.  site_g lies more
 * than 4 KiB past site_f (sites_riscv.S puts site_many between them), so
 * both words differ: a thread parked between them when the pair changes
 * would run the old AUIPC with the new JALR and jump into nowhere.
 */
int multi_states(uint8_t old[MULTI_LEN], uint8_t new[MULTI_LEN])
{
	if (rv_encode_auipc_jalr(old, RV_REG_RA, RV_REG_T0, (uintptr_t)site_multi,
				 (uintptr_t)site_f) != RV_PAIR_LEN)
		return -1;
	if (rv_encode_auipc_jalr(new, RV_REG_RA, RV_REG_T0, (uintptr_t)site_multi,
				 (uintptr_t)site_g) != RV_PAIR_LEN)
		return -1;
	/* Both halves must change for the PC check to matter. */
	if (!memcmp(old, new, RV_INSN_LEN) ||
	    !memcmp(old + RV_INSN_LEN, new + RV_INSN_LEN, RV_INSN_LEN))
		return -1;
	return 0;
}

/* A C.NOP 2 bytes before the end of the mapping, a NOP to replace it. */
void straddle_states(struct straddle *st)
{
	memset(st, 0, sizeof(*st));
	st->back = RV_C_INSN_LEN;
	rv_encode_c_nop(st->old);
	st->new_len = RV_INSN_LEN;
	rv_encode_nop(st->new);
}

void foreign_trap(void)
{
	__asm__ volatile(".option push\n\t"
			 ".option norvc\n\t"
			 "ebreak\n\t"
			 ".option pop" ::: "memory");
}

/* EBREAK is reported with the PC on it: step over it. */
void skip_foreign_trap(ucontext_t *uc)
{
	uintptr_t pc = uc->uc_mcontext.__gregs[REG_PC];
	uint16_t lo = *(const volatile uint16_t *)pc;

	if (lo == RV_C_EBREAK)
		uc->uc_mcontext.__gregs[REG_PC] = pc + RV_C_INSN_LEN;
	else if (lo == (RV_EBREAK & 0xffff) &&
		 *(const volatile uint16_t *)(pc + 2) == RV_EBREAK >> 16)
		uc->uc_mcontext.__gregs[REG_PC] = pc + RV_INSN_LEN;
}

uintptr_t context_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[REG_PC];
}
