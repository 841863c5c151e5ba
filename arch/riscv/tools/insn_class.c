// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RISC-V instruction classes for the trace decoders (insn_class.h).  On
 * RV64 the C.JAL encoding is C.ADDIW, an ordinary instruction.  Section
 * names cited are those of the RISC-V unprivileged ISA manual.
 */
#include <asm/insn.h>

#include "insn_class.h"

/* Major opcodes the library never writes, and SYSTEM's fixed words. */
#define RV_OPCODE_BRANCH	0x63u
#define RV_OPCODE_SYSTEM	0x73u
#define RV_OPCODE_LUI		0x37u
#define RV_OPCODE_AUIPC		0x17u
#define RV_ECALL		0x00000073u
#define RV_SRET			0x10200073u
#define RV_MRET			0x30200073u

/* C.J in quadrant 1; C.JR, C.JALR and C.EBREAK share quadrant 2's funct3 4. */
#define RV_C_FUNCT3_J		5u
#define RV_C_FUNCT3_BEQZ	6u
#define RV_C_FUNCT3_JR		4u
#define RV_C_FUNCT3_LUI		3u
#define RV_REG_RA		1u

static int64_t sign_extend(uint64_t value, unsigned int bits)
{
	uint64_t m = 1ull << (bits - 1);

	return (int64_t)((value ^ m) - m);
}

static uint64_t bits(uint32_t word, unsigned int lo, unsigned int n)
{
	return (word >> lo) & ((1u << n) - 1);
}

/* B-type ("Conditional Branches"): imm[12|10:5] in 31:25, imm[4:1|11] in 11:7. */
static int64_t branch_offset(uint32_t w)
{
	return sign_extend(bits(w, 31, 1) << 12 | bits(w, 7, 1) << 11 |
			   bits(w, 25, 6) << 5 | bits(w, 8, 4) << 1, 13);
}

/* J-type ("Unconditional Jumps"): imm[20|10:1|11|19:12] in 31:12. */
static int64_t jal_offset(uint32_t w)
{
	return sign_extend(bits(w, 31, 1) << 20 | bits(w, 12, 8) << 12 |
			   bits(w, 20, 1) << 11 | bits(w, 21, 10) << 1, 21);
}

static void classify_32(uint32_t w, struct rv_insn_class *insn)
{
	unsigned int funct3 = bits(w, 12, 3), rs1 = bits(w, 15, 5), rd = bits(w, 7, 5);

	switch (w & RV_OPCODE_MASK) {
	case RV_OPCODE_LUI:
	case RV_OPCODE_AUIPC:
		insn->upper = (w & RV_OPCODE_MASK) == RV_OPCODE_LUI ? RV_UPPER_LUI : RV_UPPER_AUIPC;
		insn->rd = rd;
		insn->imm = sign_extend(w & 0xfffff000u, 32);
		return;
	case RV_OPCODE_BRANCH:
		if (funct3 == 2 || funct3 == 3)
			return;		/* reserved */
		insn->kind = RV_CLASS_BRANCH;
		insn->imm = branch_offset(w);
		return;
	case RV_OPCODE_JAL:
		insn->kind = RV_CLASS_DIRECT_JUMP;
		insn->imm = jal_offset(w);
		insn->rd = rd;
		return;
	case RV_OPCODE_JALR:
		if (funct3)
			return;
		insn->imm = sign_extend(bits(w, 20, 12), 12);
		/* JALR rd, imm(x0) goes to a constant: the trace counts it inferable. */
		insn->kind = rs1 ? RV_CLASS_INDIRECT_JUMP : RV_CLASS_DIRECT_JUMP;
		insn->absolute = !rs1;
		insn->rd = rd;
		insn->rs1 = rs1;
		return;
	case RV_OPCODE_SYSTEM:
		if (w == RV_ECALL || w == RV_EBREAK)
			insn->kind = RV_CLASS_ENV_TRAP;
		else if (w == RV_SRET || w == RV_MRET)
			insn->kind = RV_CLASS_TRAP_RETURN;
		return;
	}
}

/* CJ format: offset[11|4|9:8|10|6|7|3:1|5] in bits 12:2. */
static int64_t c_j_offset(uint16_t h)
{
	return sign_extend(bits(h, 12, 1) << 11 | bits(h, 11, 1) << 4 |
			   bits(h, 9, 2) << 8 | bits(h, 8, 1) << 10 |
			   bits(h, 7, 1) << 6 | bits(h, 6, 1) << 7 |
			   bits(h, 3, 3) << 1 | bits(h, 2, 1) << 5, 12);
}

/* CB format: offset[8|4:3] in bits 12:10, offset[7:6|2:1|5] in bits 6:2. */
static int64_t c_branch_offset(uint16_t h)
{
	return sign_extend(bits(h, 12, 1) << 8 | bits(h, 10, 2) << 3 |
			   bits(h, 5, 2) << 6 | bits(h, 3, 2) << 1 |
			   bits(h, 2, 1) << 5, 9);
}

static void classify_16(uint16_t h, struct rv_insn_class *insn)
{
	unsigned int quadrant = h & 3, funct3 = h >> 13;
	unsigned int rs1 = bits(h, 7, 5), rs2 = bits(h, 2, 5);

	if (quadrant == 1 && funct3 == RV_C_FUNCT3_J) {
		insn->kind = RV_CLASS_DIRECT_JUMP;
		insn->imm = c_j_offset(h);
	} else if (quadrant == 1 && funct3 >= RV_C_FUNCT3_BEQZ) {	/* C.BEQZ, C.BNEZ */
		insn->kind = RV_CLASS_BRANCH;
		insn->imm = c_branch_offset(h);
	} else if (quadrant == 1 && funct3 == RV_C_FUNCT3_LUI && rs1 && rs1 != 2) {
		/* C.LUI (rd 2 is C.ADDI16SP): nzimm[17] in bit 12, nzimm[16:12] in 6:2. */
		insn->upper = RV_UPPER_LUI;
		insn->rd = rs1;
		insn->imm = sign_extend(bits(h, 12, 1) << 17 | bits(h, 2, 5) << 12, 18);
	} else if (quadrant == 2 && funct3 == RV_C_FUNCT3_JR && !rs2) {
		if (h == RV_C_EBREAK) {
			insn->kind = RV_CLASS_ENV_TRAP;
		} else if (rs1) {				/* C.JR, C.JALR */
			insn->kind = RV_CLASS_INDIRECT_JUMP;
			insn->rs1 = rs1;
			insn->rd = bits(h, 12, 1) ? RV_REG_RA : 0;	/* C.JALR links ra */
		}
	}
}

int rv_insn_class_length(uint16_t parcel)
{
	return rv_insn_length(parcel);
}

/* Parcels are little endian whatever the host ("Base Instruction-Length Encoding"). */
void rv_insn_classify(const uint8_t *bytes, unsigned int len, struct rv_insn_class *insn)
{
	insn->kind = RV_CLASS_SEQUENTIAL;
	insn->len = len;
	insn->imm = 0;
	insn->absolute = false;
	insn->upper = RV_UPPER_NONE;
	insn->rd = insn->rs1 = 0;
	if (len == RV_INSN_LEN)
		classify_32((uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 |
			    (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24, insn);
	else
		classify_16((uint16_t)(bytes[0] | bytes[1] << 8), insn);
}

uint64_t rv_insn_class_target(const struct rv_insn_class *insn, uint64_t pc)
{
	if (insn->absolute)
		return (uint64_t)insn->imm & ~1ull;
	return pc + (uint64_t)insn->imm;
}
