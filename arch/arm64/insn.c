// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64 instruction encoding for textpoke.  Only fixed forms: each one is
 * recognised by its opcode bits under a mask, the operand fields are the
 * rest.  Section names are those of the ARM ARM (DDI 0487), chapter C6
 * for the instructions and C4.1 for the encoding classes.
 */
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "../../textpoke/arch.h"

/* B, BL: op 0/1 in bit 31, 00101, imm26 (C6.2 "B", "BL") */
#define A64_B_MASK		0xfc000000u
#define A64_B_OPCODE		0x14000000u
#define A64_BL_OPCODE		0x94000000u
#define A64_IMM26_MASK		0x03ffffffu

/* Exception generation: 11010100 opc imm16 op2 LL (C4.1 "Exception generation") */
#define A64_EXC_MASK		0xffe0001fu
#define A64_BRK_OPCODE		0xd4200000u
#define A64_SVC_OPCODE		0xd4000001u
#define A64_HVC_OPCODE		0xd4000002u
#define A64_SMC_OPCODE		0xd4000003u

/* ISB: CRm is the option, any value is an ISB (C6.2 "ISB") */
#define A64_ISB_MASK		0xfffff0ffu
#define A64_ISB_OPCODE		0xd50330dfu

/* BR, BLR: Rn in bits 9:5; op4/Rm zero tells them from BRAA etc. (C6.2 "BR") */
#define A64_BR_MASK		0xfffffc1fu
#define A64_BR_OPCODE		0xd61f0000u
#define A64_BLR_OPCODE		0xd63f0000u

/* LDR (literal), 64-bit: opc 01, V 0, imm19, Rt (C6.2 "LDR (literal)") */
#define A64_LDR_LIT_MASK	0xff000000u
#define A64_LDR_LIT_OPCODE	0x58000000u
/* LDR (immediate), unsigned offset, size 11: imm12 scaled by 8 */
#define A64_LDR_UOFF_MASK	0xffc00000u
#define A64_LDR_UOFF_OPCODE	0xf9400000u
/*
 * LDUR, size 11: bits 11:10 are 00; 01 and 11 are the post- and
 * pre-index LDR forms and 10 is LDTR, which must not decode as LDUR.
 */
#define A64_LDUR_MASK		0xffe00c00u
#define A64_LDUR_OPCODE		0xf8400000u

#define A64_REG_MASK		0x1fu

static int pc_aligned(uintptr_t addr)
{
	return !(addr & (A64_INSN_LEN - 1));
}

static int emit(uint32_t *out, uint32_t insn)
{
	*out = insn;
	return A64_INSN_LEN;
}

/* Sign-extend the low @bits bits of @v. */
static intptr_t sext(uint32_t v, unsigned int bits)
{
	uint32_t sign = 1u << (bits - 1);

	v &= (sign << 1) - 1;
	return (intptr_t)(int32_t)(v ^ sign) - (intptr_t)sign;
}

/*
 * Byte offset of @target from @pc for a pc-relative form reaching
 * [@min, @max]; both addresses must be 4-aligned since the offset is
 * encoded in words.  Address arithmetic wraps as the PE's does.
 */
static int pcrel(uintptr_t pc, uintptr_t target, intptr_t min, intptr_t max,
		 intptr_t *off)
{
	if (!pc_aligned(pc) || !pc_aligned(target))
		return -EINVAL;
	*off = (intptr_t)(target - pc);
	if (*off < min || *off > max)
		return -ERANGE;
	return 0;
}

int a64_encode_nop(uint32_t *out)
{
	return emit(out, A64_NOP);
}

static int encode_branch(uint32_t *out, uint32_t opcode, uintptr_t pc,
			 uintptr_t target)
{
	intptr_t off;
	int err = pcrel(pc, target, A64_B_MIN, A64_B_MAX, &off);

	if (err)
		return err;
	return emit(out, opcode | ((uint32_t)(off >> 2) & A64_IMM26_MASK));
}

int a64_encode_b(uint32_t *out, uintptr_t pc, uintptr_t target)
{
	return encode_branch(out, A64_B_OPCODE, pc, target);
}

int a64_encode_bl(uint32_t *out, uintptr_t pc, uintptr_t target)
{
	return encode_branch(out, A64_BL_OPCODE, pc, target);
}

int a64_encode_brk(uint32_t *out, unsigned int imm16)
{
	if (imm16 > 0xffff)
		return -EINVAL;
	return emit(out, A64_BRK_OPCODE | imm16 << 5);
}

int a64_encode_mov_x9_x30(uint32_t *out)
{
	return emit(out, A64_MOV_X9_X30);
}

int a64_encode_bti_c(uint32_t *out)
{
	return emit(out, A64_BTI_C);
}

/* Rn 31 in BR/BLR is XZR: a branch to address 0, never what we mean. */
static int encode_br(uint32_t *out, uint32_t opcode, unsigned int rn)
{
	if (rn >= A64_REG_SP)
		return -EINVAL;
	return emit(out, opcode | rn << 5);
}

int a64_encode_br(uint32_t *out, unsigned int rn)
{
	return encode_br(out, A64_BR_OPCODE, rn);
}

int a64_encode_blr(uint32_t *out, unsigned int rn)
{
	return encode_br(out, A64_BLR_OPCODE, rn);
}

/*
 * Rt 31 of a load is XZR, a load thrown away: refused as a caller bug.
 * Rn 31 of a load is SP, a valid base.
 */
static int load_regs_ok(unsigned int rt, unsigned int rn)
{
	return rt < A64_REG_SP && rn <= A64_REG_SP;
}

int a64_encode_ldr_lit(uint32_t *out, unsigned int rt, uintptr_t pc,
		       uintptr_t target)
{
	intptr_t off;
	int err;

	if (!load_regs_ok(rt, 0))
		return -EINVAL;
	err = pcrel(pc, target, A64_LDR_LIT_MIN, A64_LDR_LIT_MAX, &off);
	if (err)
		return err;
	return emit(out, A64_LDR_LIT_OPCODE |
		    ((uint32_t)(off >> 2) & 0x7ffff) << 5 | rt);
}

int a64_encode_ldr_imm(uint32_t *out, unsigned int rt, unsigned int rn,
		       intptr_t off)
{
	if (!load_regs_ok(rt, rn) || off % 8)
		return -EINVAL;
	if (off < 0 || off > A64_LDR_UOFF_MAX)
		return -ERANGE;
	return emit(out, A64_LDR_UOFF_OPCODE | (uint32_t)(off / 8) << 10 |
		    rn << 5 | rt);
}

int a64_encode_ldur(uint32_t *out, unsigned int rt, unsigned int rn,
		    intptr_t off)
{
	if (!load_regs_ok(rt, rn))
		return -EINVAL;
	if (off < A64_LDUR_MIN || off > A64_LDUR_MAX)
		return -ERANGE;
	return emit(out, A64_LDUR_OPCODE | ((uint32_t)off & 0x1ff) << 12 |
		    rn << 5 | rt);
}

bool a64_insn_is_cmodx(uint32_t insn)
{
	uint32_t exc = insn & A64_EXC_MASK;

	/* NOP is HINT #0 only: other hints (BTI, PAC*) are not in the set */
	if (insn == A64_NOP)
		return true;
	if ((insn & A64_B_MASK) == A64_B_OPCODE ||
	    (insn & A64_B_MASK) == A64_BL_OPCODE)
		return true;
	if (exc == A64_BRK_OPCODE || exc == A64_SVC_OPCODE ||
	    exc == A64_HVC_OPCODE || exc == A64_SMC_OPCODE)
		return true;
	return (insn & A64_ISB_MASK) == A64_ISB_OPCODE;
}

/*
 * Fill @out for @insn at @pc; -EINVAL unless it is a form the encoders
 * above can produce (so also not a load to XZR, not BR XZR).
 */
static int decode_word(uint32_t insn, uintptr_t pc, struct insn *out)
{
	unsigned int rt = insn & A64_REG_MASK;
	unsigned int rn = (insn >> 5) & A64_REG_MASK;

	if (insn == A64_NOP) {
		out->kind = INSN_NOP;
	} else if ((insn & A64_B_MASK) == A64_B_OPCODE ||
		   (insn & A64_B_MASK) == A64_BL_OPCODE) {
		out->kind = (insn & A64_B_MASK) == A64_B_OPCODE ?
			    INSN_JUMP : INSN_CALL;
		out->target = pc + sext(insn & A64_IMM26_MASK, 26) * 4;
	} else if ((insn & A64_EXC_MASK) == A64_BRK_OPCODE) {
		out->kind = INSN_TRAP;
		out->imm = (insn >> 5) & 0xffff;
	} else if (insn == A64_MOV_X9_X30) {
		out->kind = INSN_OTHER;
		out->rd = A64_REG_X9;
		out->rs = A64_REG_LR;
	} else if (insn == A64_BTI_C) {
		out->kind = INSN_OTHER;
	} else if ((insn & A64_BR_MASK) == A64_BR_OPCODE ||
		   (insn & A64_BR_MASK) == A64_BLR_OPCODE) {
		if (rn == A64_REG_SP)
			return -EINVAL;
		/* rd is the link register written, XZR (31) for none */
		out->kind = INSN_INDIRECT;
		out->rd = (insn & A64_BR_MASK) == A64_BLR_OPCODE ?
			  A64_REG_LR : A64_REG_SP;
		out->rs = rn;
	} else if ((insn & A64_LDR_LIT_MASK) == A64_LDR_LIT_OPCODE) {
		if (rt == A64_REG_SP)
			return -EINVAL;
		/* target is the literal's address, imm its offset */
		out->kind = INSN_OTHER;
		out->rd = rt;
		out->imm = sext(insn >> 5, 19) * 4;
		out->target = pc + out->imm;
	} else if ((insn & A64_LDR_UOFF_MASK) == A64_LDR_UOFF_OPCODE) {
		if (rt == A64_REG_SP)
			return -EINVAL;
		out->kind = INSN_OTHER;
		out->rd = rt;
		out->rs = rn;
		out->imm = ((insn >> 10) & 0xfff) * 8;
	} else if ((insn & A64_LDUR_MASK) == A64_LDUR_OPCODE) {
		if (rt == A64_REG_SP)
			return -EINVAL;
		out->kind = INSN_OTHER;
		out->rd = rt;
		out->rs = rn;
		out->imm = sext(insn >> 12, 9);
	} else {
		return -EINVAL;
	}
	out->len = A64_INSN_LEN;
	return A64_INSN_LEN;
}

int arch_insn_decode(const void *code, size_t avail, uintptr_t pc,
		     struct insn *out)
{
	struct insn tmp = { 0 };
	uint32_t insn;
	int len;

	if (avail < A64_INSN_LEN || !pc_aligned(pc))
		return -EINVAL;
	memcpy(&insn, code, sizeof(insn));	/* little endian, any alignment */
	len = decode_word(insn, pc, &tmp);
	if (len < 0)
		return len;
	*out = tmp;
	return len;
}

size_t arch_insn_alignment(void)
{
	return A64_INSN_LEN;
}

/* B and BL: the opcode; imm26 is the target. */
uint64_t arch_insn_form_mask(uint64_t word, unsigned int len)
{
	uint32_t insn = (uint32_t)word;

	if (len == A64_INSN_LEN && ((insn & A64_B_MASK) == A64_B_OPCODE ||
				    (insn & A64_B_MASK) == A64_BL_OPCODE))
		return A64_B_MASK;
	return ~0ull;
}
