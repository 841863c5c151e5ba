// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * riscv64 instruction encoding for textpoke.  Only fixed forms: NOP,
 * C.NOP, EBREAK and C.EBREAK are recognised word for word, JAL, JALR and
 * AUIPC by their major opcode (and funct3 for JALR).  Section names cited
 * are those of the RISC-V unprivileged ISA manual.
 */
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "../../textpoke/arch.h"

#define RV_FUNCT3_JALR		0u

/*
 * Instructions are a sequence of 16-bit little-endian parcels, lowest
 * address first ("Base Instruction-Length Encoding"), so a 4-byte word is
 * stored little endian whatever the host's data endianness.
 */
static void put_parcel(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static uint16_t get_parcel(const uint8_t *p)
{
	return p[0] | (uint16_t)p[1] << 8;
}

static void put_word(uint8_t *p, uint32_t w)
{
	put_parcel(p, w & 0xffff);
	put_parcel(p + 2, w >> 16);
}

static uint32_t get_word(const uint8_t *p)
{
	return get_parcel(p) | (uint32_t)get_parcel(p + 2) << 16;
}

/* Sign-extend the low @bits of @v, without implementation-defined shifts. */
static intptr_t sext(uint32_t v, unsigned int bits)
{
	uint32_t sign = 1u << (bits - 1);

	v &= (sign << 1) - 1;
	return (intptr_t)(v ^ sign) - (intptr_t)sign;
}

static int bad_reg(unsigned int r)
{
	return r >= RV_NR_REGS;
}

/*
 * With C present instructions are 2-byte aligned and JAL/JALR clear bit 0
 * of the target, so an odd pc or target is always a caller bug
 * ("Control Transfer Instructions": IALIGN=16).
 */
static int misaligned(uintptr_t addr)
{
	return addr & 1;
}

/* "NOP Instruction": the canonical NOP is ADDI x0, x0, 0. */
int rv_encode_nop(uint8_t *buf)
{
	put_word(buf, RV_NOP);
	return RV_INSN_LEN;
}

/* C.NOP is C.ADDI x0, 0 (compressed "NOP Instruction"). */
int rv_encode_c_nop(uint8_t *buf)
{
	put_parcel(buf, RV_C_NOP);
	return RV_C_INSN_LEN;
}

/* "Environment Call and Breakpoints" */
int rv_encode_ebreak(uint8_t *buf)
{
	put_word(buf, RV_EBREAK);
	return RV_INSN_LEN;
}

/* C.EBREAK is the compressed "Breakpoint Instruction". */
int rv_encode_c_ebreak(uint8_t *buf)
{
	put_parcel(buf, RV_C_EBREAK);
	return RV_C_INSN_LEN;
}

/*
 * J-type ("Immediate Encoding Variants"): imm[20|10:1|11|19:12] in bits
 * 31:12; the offset is from the JAL itself ("Unconditional Jumps").
 */
int rv_encode_jal(uint8_t *buf, unsigned int rd, uintptr_t pc,
		  uintptr_t target)
{
	intptr_t off = (intptr_t)(target - pc);
	uint32_t imm, w;

	if (bad_reg(rd) || misaligned(pc) || misaligned(target))
		return -EINVAL;
	if (off < RV_JAL_MIN || off > RV_JAL_MAX)
		return -ERANGE;
	imm = (uint32_t)off;
	w = ((imm >> 20) & 0x1) << 31 |
	    ((imm >> 1) & 0x3ff) << 21 |
	    ((imm >> 11) & 0x1) << 20 |
	    ((imm >> 12) & 0xff) << 12 |
	    rd << 7 | RV_OPCODE_JAL;
	put_word(buf, w);
	return RV_INSN_LEN;
}

static intptr_t jal_offset(uint32_t w)
{
	uint32_t imm = ((w >> 31) & 0x1) << 20 |
		       ((w >> 21) & 0x3ff) << 1 |
		       ((w >> 20) & 0x1) << 11 |
		       ((w >> 12) & 0xff) << 12;

	return sext(imm, 21);
}

/*
 * I-type: imm[11:0] in bits 31:20.  No alignment check on @imm12: JALR
 * clears bit 0 of rs1 + imm ("Unconditional Jumps").
 */
int rv_encode_jalr(uint8_t *buf, unsigned int rd, unsigned int rs1,
		   intptr_t imm12)
{
	uint32_t w;

	if (bad_reg(rd) || bad_reg(rs1))
		return -EINVAL;
	if (imm12 < RV_IMM12_MIN || imm12 > RV_IMM12_MAX)
		return -ERANGE;
	w = ((uint32_t)imm12 & 0xfff) << 20 | rs1 << 15 |
	    RV_FUNCT3_JALR << 12 | rd << 7 | RV_OPCODE_JALR;
	put_word(buf, w);
	return RV_INSN_LEN;
}

/*
 * U-type: imm[31:12] in bits 31:12; AUIPC adds the sign-extended 32-bit
 * value to its own address ("Integer Register-Immediate Instructions").
 * @off must therefore be a multiple of 4096 within 32 signed bits.
 */
int rv_encode_auipc(uint8_t *buf, unsigned int rd, intptr_t off)
{
	if (bad_reg(rd) || (off & 0xfff))
		return -EINVAL;
	if (off < RV_AUIPC_MIN || off > RV_AUIPC_MAX)
		return -ERANGE;
	put_word(buf, ((uint32_t)off & 0xfffff000u) | rd << 7 |
		 RV_OPCODE_AUIPC);
	return RV_INSN_LEN;
}

/*
 * The pair "AUIPC rs; JALR rd, lo(rs)" reaches any 32-bit pc-relative
 * offset ("Integer Register-Immediate Instructions", "Unconditional
 * Jumps").  JALR sign-extends its 12-bit immediate, so when bit 11 of the
 * offset is set lo is negative and hi must carry one more 4 KiB: rounding
 * off + 0x800 down to 4 KiB does exactly that, and lo = off - hi is then in
 * [-2048, 2047].  hi must fit AUIPC's 32 signed bits, which shifts the
 * reach down by 2 KiB: [-2^31 - 2^11, 2^31 - 2^11 - 1].
 */
int rv_encode_auipc_jalr(uint8_t *buf, unsigned int link_rd,
			 unsigned int tmp_rs, uintptr_t pc, uintptr_t target)
{
	intptr_t off = (intptr_t)(target - pc);
	intptr_t hi, lo;

	if (bad_reg(link_rd) || bad_reg(tmp_rs) || tmp_rs == RV_REG_ZERO)
		return -EINVAL;
	if (misaligned(pc) || misaligned(target))
		return -EINVAL;
	if (off < RV_PAIR_MIN || off > RV_PAIR_MAX)
		return -ERANGE;
	/* off + 0x800 is in 32 signed bits here: & clears the low 12 bits */
	hi = (off + 0x800) & ~(intptr_t)0xfff;
	lo = off - hi;
	/* both are in range by construction; neither can fail */
	rv_encode_auipc(buf, tmp_rs, hi);
	rv_encode_jalr(buf + RV_INSN_LEN, link_rd, tmp_rs, lo);
	return RV_PAIR_LEN;
}

/*
 * "Base Instruction-Length Encoding": low bits 11 mean at least 32 bits,
 * and 32 exactly unless bits 4:2 are also 111.
 */
int rv_insn_length(uint16_t parcel)
{
	if ((parcel & 0x3) != 0x3)
		return RV_C_INSN_LEN;
	if ((parcel & 0x1c) == 0x1c)
		return -EINVAL;
	return RV_INSN_LEN;
}

static int decode_word(uint32_t w, uintptr_t pc, struct insn *out)
{
	unsigned int rd = (w >> 7) & 0x1f;

	if (w == RV_NOP) {
		out->kind = INSN_NOP;
		return 0;
	}
	if (w == RV_EBREAK) {
		out->kind = INSN_TRAP;
		return 0;
	}
	switch (w & RV_OPCODE_MASK) {
	case RV_OPCODE_JAL:
		/* JAL x0 is the plain jump ("Unconditional Jumps") */
		out->kind = rd == RV_REG_ZERO ? INSN_JUMP : INSN_CALL;
		out->target = pc + jal_offset(w);
		out->rd = rd;
		return 0;
	case RV_OPCODE_JALR:
		if (((w >> 12) & 0x7) != RV_FUNCT3_JALR)
			return -EINVAL;
		out->kind = INSN_INDIRECT;
		out->rd = rd;
		out->rs = (w >> 15) & 0x1f;
		out->imm = sext(w >> 20, 12);
		return 0;
	case RV_OPCODE_AUIPC:
		out->kind = INSN_OTHER;
		out->rd = rd;
		out->imm = sext(w >> 12, 20) * 4096;
		return 0;
	}
	return -EINVAL;
}

/* Fills @out only on success. */
int arch_insn_decode(const void *code, size_t avail, uintptr_t pc,
		     struct insn *out)
{
	const uint8_t *p = code;
	struct insn insn = { 0 };
	uint16_t parcel;
	int len;

	if (misaligned(pc) || avail < RV_C_INSN_LEN)
		return -EINVAL;
	parcel = get_parcel(p);
	len = rv_insn_length(parcel);
	if (len < 0 || (size_t)len > avail)
		return -EINVAL;
	insn.len = len;
	if (len == RV_INSN_LEN) {
		if (decode_word(get_word(p), pc, &insn))
			return -EINVAL;
	} else if (parcel == RV_C_NOP) {
		insn.kind = INSN_NOP;
	} else if (parcel == RV_C_EBREAK) {
		insn.kind = INSN_TRAP;
	} else {
		/* other compressed forms (C.J, C.JR...) are not ours */
		return -EINVAL;
	}
	*out = insn;
	return len;
}

/*
 * IALIGN=16 with C.  A 4-byte instruction is only fetched atomically when
 * naturally aligned (Ziccif), so nosync patching wants 4-byte alignment;
 * that is policy for poke.c, not a property of the encoding.
 */
size_t arch_insn_alignment(void)
{
	return RV_C_INSN_LEN;
}

/*
 * JAL: opcode and rd (bits 0-11), the rest is its offset; JALR: opcode,
 * rd, funct3 and rs1 (bits 0-19), the rest is its immediate.
 */
uint64_t arch_insn_form_mask(uint64_t word, unsigned int len)
{
	uint32_t w = (uint32_t)word;

	if (len != RV_INSN_LEN)
		return ~0ull;
	if ((w & RV_OPCODE_MASK) == RV_OPCODE_JAL)
		return 0xfff;
	if ((w & RV_OPCODE_MASK) == RV_OPCODE_JALR)
		return 0xfffff;
	return ~0ull;
}
