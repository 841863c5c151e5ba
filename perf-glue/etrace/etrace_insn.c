// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The RISC-V instructions an E-Trace decoder must tell apart (the
 * specification's decoder chapter: branches, inferable and uninferable
 * jumps, trap returns, ECALL/EBREAK), RV64 with the C extension.  On
 * RV64 the C.JAL encoding is C.ADDIW, an ordinary instruction.
 * Reading code for the walk is the decoder's job; encoding it is the
 * library's (arch/riscv/insn.c), so nothing is shared.
 */
#include "etrace/etrace_internal.h"

#define OPCODE_BRANCH	0x63u
#define OPCODE_JALR	0x67u
#define OPCODE_JAL	0x6fu
#define OPCODE_SYSTEM	0x73u

#define INSN_ECALL	0x00000073u
#define INSN_EBREAK	0x00100073u
#define INSN_SRET	0x10200073u
#define INSN_MRET	0x30200073u
#define INSN_C_EBREAK	0x9002u

static int64_t sign_extend(uint64_t value, unsigned int bits)
{
	uint64_t m = 1ull << (bits - 1);

	return (int64_t)((value ^ m) - m);
}

static uint64_t bits(uint32_t word, unsigned int lo, unsigned int n)
{
	return (word >> lo) & ((1u << n) - 1);
}

unsigned int rv_insn_length(uint16_t parcel)
{
	if ((parcel & 0x3) != 0x3)
		return 2;
	if ((parcel & 0x1c) != 0x1c)
		return 4;
	return 0;	/* 48 bits and longer: no ratified instruction, nothing we read */
}

static void decode_32(uint32_t w, struct rv_insn *insn)
{
	unsigned int funct3 = bits(w, 12, 3), rs1 = bits(w, 15, 5);

	switch (w & 0x7f) {
	case OPCODE_BRANCH:
		if (funct3 == 2 || funct3 == 3)
			return;		/* reserved */
		insn->kind = RV_BRANCH;
		insn->imm = sign_extend(bits(w, 31, 1) << 12 | bits(w, 7, 1) << 11 |
					bits(w, 25, 6) << 5 | bits(w, 8, 4) << 1, 13);
		return;
	case OPCODE_JAL:
		insn->kind = RV_DIRECT_JUMP;
		insn->imm = sign_extend(bits(w, 31, 1) << 20 | bits(w, 12, 8) << 12 |
					bits(w, 20, 1) << 11 | bits(w, 21, 10) << 1, 21);
		return;
	case OPCODE_JALR:
		if (funct3)
			return;
		insn->imm = sign_extend(bits(w, 20, 12), 12);
		/* JALR rd, imm(x0) goes to a constant: the spec counts it inferable. */
		insn->kind = rs1 ? RV_INDIRECT_JUMP : RV_DIRECT_JUMP;
		insn->absolute = !rs1;
		return;
	case OPCODE_SYSTEM:
		if (w == INSN_ECALL || w == INSN_EBREAK)
			insn->kind = RV_ENV_TRAP;
		else if (w == INSN_SRET || w == INSN_MRET)
			insn->kind = RV_TRAP_RETURN;
		return;
	}
}

static void decode_16(uint16_t h, struct rv_insn *insn)
{
	unsigned int quadrant = h & 3, funct3 = h >> 13;
	unsigned int rs1 = bits(h, 7, 5), rs2 = bits(h, 2, 5);

	if (quadrant == 1 && funct3 == 5) {		/* C.J */
		insn->kind = RV_DIRECT_JUMP;
		insn->imm = sign_extend(bits(h, 12, 1) << 11 | bits(h, 11, 1) << 4 |
					bits(h, 9, 2) << 8 | bits(h, 8, 1) << 10 |
					bits(h, 7, 1) << 6 | bits(h, 6, 1) << 7 |
					bits(h, 3, 3) << 1 | bits(h, 2, 1) << 5, 12);
	} else if (quadrant == 1 && funct3 >= 6) {	/* C.BEQZ, C.BNEZ */
		insn->kind = RV_BRANCH;
		insn->imm = sign_extend(bits(h, 12, 1) << 8 | bits(h, 10, 2) << 3 |
					bits(h, 5, 2) << 6 | bits(h, 3, 2) << 1 |
					bits(h, 2, 1) << 5, 9);
	} else if (quadrant == 2 && funct3 == 4 && !rs2) {
		if (h == INSN_C_EBREAK)
			insn->kind = RV_ENV_TRAP;
		else if (rs1)				/* C.JR, C.JALR */
			insn->kind = RV_INDIRECT_JUMP;
	}
}

void rv_insn_decode(const uint8_t *bytes, unsigned int len, struct rv_insn *insn)
{
	insn->kind = RV_SEQUENTIAL;
	insn->len = len;
	insn->imm = 0;
	insn->absolute = false;
	if (len == 4)
		decode_32((uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 |
			  (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24, insn);
	else
		decode_16((uint16_t)(bytes[0] | bytes[1] << 8), insn);
}

uint64_t rv_insn_target(const struct rv_insn *insn, uint64_t pc)
{
	if (insn->absolute)
		return (uint64_t)insn->imm & ~1ull;
	return pc + (uint64_t)insn->imm;
}

bool rv_insn_is_uninferable(const struct rv_insn *insn)
{
	return insn->kind == RV_INDIRECT_JUMP || insn->kind == RV_TRAP_RETURN ||
	       insn->kind == RV_ENV_TRAP;
}
