// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64 encoders against the assembler, range limits, bad input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <asm/insn.h>

#include "kselftest_harness.h"
#include "../../textpoke/arch.h"
#include "ref.h"
#include "fuzz.h"
#include "ref_riscv.h"

#define SENTINEL 0xa5

/* Link and temporary register of each AUIPC+JALR reference kind. */
static const struct {
	unsigned int link, tmp;
} pair_regs[] = {
	[REF_RV_PAIR_CALL] = { RV_REG_RA, RV_REG_RA },
	[REF_RV_PAIR_TAIL] = { RV_REG_ZERO, RV_REG_T1 },
	[REF_RV_PAIR_T0] = { RV_REG_T0, RV_REG_T0 },
};

static int is_pair(uint32_t kind)
{
	return kind == REF_RV_PAIR_CALL || kind == REF_RV_PAIR_TAIL ||
	       kind == REF_RV_PAIR_T0;
}

static int encode_ref(const struct insn_ref *r, uint8_t *buf)
{
	uintptr_t pc = (uintptr_t)r->code;

	switch (r->kind) {
	case REF_NOP:
		return r->len == 2 ? rv_encode_c_nop(buf) : rv_encode_nop(buf);
	case REF_TRAP:
		return r->len == 2 ? rv_encode_c_ebreak(buf) :
				     rv_encode_ebreak(buf);
	case REF_JUMP:
		return rv_encode_jal(buf, RV_REG_ZERO, pc, pc + r->off);
	case REF_CALL:
		return rv_encode_jal(buf, RV_REG_RA, pc, pc + r->off);
	case REF_RV_JAL_T0:
		return rv_encode_jal(buf, RV_REG_T0, pc, pc + r->off);
	case REF_RV_JALR:
		return rv_encode_jalr(buf, rv_ref_rd(r->off), rv_ref_rs(r->off),
				      rv_ref_imm(r->off));
	case REF_RV_AUIPC:
		return rv_encode_auipc(buf, rv_ref_rd(r->off),
				       rv_ref_imm(r->off));
	case REF_RV_PAIR_CALL:
	case REF_RV_PAIR_TAIL:
	case REF_RV_PAIR_T0:
		return rv_encode_auipc_jalr(buf, pair_regs[r->kind].link,
					    pair_regs[r->kind].tmp, pc,
					    pc + r->off);
	}
	return -EINVAL;
}

static const enum insn_kind ref_to_kind[] = {
	[REF_NOP] = INSN_NOP, [REF_JUMP] = INSN_JUMP,
	[REF_CALL] = INSN_CALL, [REF_TRAP] = INSN_TRAP,
	[REF_RV_JAL_T0] = INSN_CALL, [REF_RV_JALR] = INSN_INDIRECT,
	[REF_RV_AUIPC] = INSN_OTHER,
};

static int untouched(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != SENTINEL)
			return 0;
	return 1;
}

TEST(encoders_match_assembler)
{
	int n = 0, at_2_mod_4 = 0;

	for_each_insn_ref(r) {
		uint8_t buf[16];

		memset(buf, SENTINEL, sizeof(buf));
		ASSERT_EQ((int)r->len, encode_ref(r, buf))
			TH_LOG("ref %d (kind %u)", n, r->kind);
		ASSERT_EQ(0, memcmp(buf, r->code, r->len))
			TH_LOG("ref %d (kind %u, off %#lx) differs", n, r->kind,
			       (long)r->off);
		ASSERT_TRUE(untouched(buf + r->len, sizeof(buf) - r->len));
		at_2_mod_4 += ((uintptr_t)r->code & 3) == 2;
		n++;
	}
	ASSERT_GE(n, 30);
	/* the table must exercise pcs that are only 2-byte aligned */
	ASSERT_GT(at_2_mod_4, 0);
}

/* The pair decodes as AUIPC then JALR, and together they reach the target. */
static void check_pair(struct __test_metadata *_metadata,
		       const struct insn_ref *r)
{
	uintptr_t pc = (uintptr_t)r->code;
	struct insn hi, lo;

	ASSERT_EQ(4, arch_insn_decode(r->code, r->len, pc, &hi));
	ASSERT_EQ(4, arch_insn_decode(r->code + 4, r->len - 4, pc + 4, &lo));
	ASSERT_EQ(INSN_OTHER, (int)hi.kind);
	ASSERT_EQ(INSN_INDIRECT, (int)lo.kind);
	ASSERT_EQ(pair_regs[r->kind].tmp, hi.rd);
	ASSERT_EQ(pair_regs[r->kind].tmp, lo.rs);
	ASSERT_EQ(pair_regs[r->kind].link, lo.rd);
	ASSERT_EQ(pc + r->off, pc + hi.imm + lo.imm);
}

TEST(decoder_reads_assembler_output)
{
	for_each_insn_ref(r) {
		struct insn insn;
		uintptr_t pc = (uintptr_t)r->code;

		if (is_pair(r->kind)) {
			check_pair(_metadata, r);
			continue;
		}
		ASSERT_EQ((int)r->len, arch_insn_decode(r->code, r->len, pc, &insn));
		ASSERT_EQ(ref_to_kind[r->kind], insn.kind);
		ASSERT_EQ(r->len, insn.len);
		ASSERT_EQ((int)r->len, rv_insn_length(r->code[0] | r->code[1] << 8));
		switch (r->kind) {
		case REF_JUMP:
		case REF_CALL:
		case REF_RV_JAL_T0:
			ASSERT_EQ(pc + r->off, insn.target);
			ASSERT_EQ(r->kind == REF_JUMP ? RV_REG_ZERO :
				  r->kind == REF_CALL ? RV_REG_RA : RV_REG_T0,
				  insn.rd);
			break;
		case REF_RV_JALR:
			ASSERT_EQ(rv_ref_rd(r->off), insn.rd);
			ASSERT_EQ(rv_ref_rs(r->off), insn.rs);
			ASSERT_EQ(rv_ref_imm(r->off), insn.imm);
			break;
		case REF_RV_AUIPC:
			ASSERT_EQ(rv_ref_rd(r->off), insn.rd);
			ASSERT_EQ(rv_ref_imm(r->off), insn.imm);
			break;
		}
		/* one parcel short of the instruction is not an instruction */
		ASSERT_EQ(-EINVAL, arch_insn_decode(r->code, r->len - 2, pc, &insn));
		ASSERT_EQ(-EINVAL, arch_insn_decode(r->code, 1, pc, &insn));
	}
}

/*
 * The encoder's hi/lo split against one computed another way: lo is the
 * low 12 bits read as signed, hi what is left.  Around every carry edge.
 */
TEST(pair_split_carries)
{
	static const intptr_t offs[] = {
		0, 2, 0x7fe, 0x800, 0x802, 0xffe, 0x1000, -2, -0x7fe, -0x800,
		-0x802, -0x1000, 0x12345800, 0x123457fe, -0x12345800,
		RV_PAIR_MAX - 1, RV_PAIR_MAX - 0x7ff, RV_PAIR_MAX - 0x801,
		RV_PAIR_MIN, RV_PAIR_MIN + 0x800, RV_PAIR_MIN + 0x1000,
	};
	uintptr_t pc = 0x7f0012345676;

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		intptr_t lo = (intptr_t)(((uint32_t)offs[i] & 0xfff) ^ 0x800) - 0x800;
		intptr_t hi = offs[i] - lo;
		uint8_t buf[RV_PAIR_LEN];
		struct insn a, j;

		ASSERT_EQ(RV_PAIR_LEN, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_T1,
							    pc, pc + offs[i]))
			TH_LOG("offset %#lx", (long)offs[i]);
		ASSERT_EQ(4, arch_insn_decode(buf, 8, pc, &a));
		ASSERT_EQ(4, arch_insn_decode(buf + 4, 4, pc + 4, &j));
		ASSERT_EQ(hi, a.imm) TH_LOG("offset %#lx", (long)offs[i]);
		ASSERT_EQ(lo, j.imm) TH_LOG("offset %#lx", (long)offs[i]);
		ASSERT_EQ(RV_REG_T1, a.rd);
		ASSERT_EQ(RV_REG_T1, j.rs);
		ASSERT_EQ(RV_REG_RA, j.rd);
	}
}

TEST(jal_out_of_range_writes_nothing)
{
	uint8_t buf[8];
	uintptr_t pc = 0x1002;

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-ERANGE, rv_encode_jal(buf, RV_REG_ZERO, pc, pc + RV_JAL_MAX + 2));
	ASSERT_EQ(-ERANGE, rv_encode_jal(buf, RV_REG_RA, pc, pc + RV_JAL_MIN - 2));
	ASSERT_EQ(-ERANGE, rv_encode_jal(buf, RV_REG_RA, 0x7f0000000000, 0x1000));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
	ASSERT_EQ(4, rv_encode_jal(buf, RV_REG_ZERO, pc, pc + RV_JAL_MAX));
	ASSERT_EQ(4, rv_encode_jal(buf, RV_REG_RA, pc, pc + RV_JAL_MIN));
}

TEST(pair_out_of_range_writes_nothing)
{
	uint8_t buf[16];
	uintptr_t pc = 0x7f0000000000;

	memset(buf, SENTINEL, sizeof(buf));
	/* RV_PAIR_MAX is odd: the first even offset beyond is MAX + 1 */
	ASSERT_EQ(-ERANGE, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_RA, pc,
						pc + RV_PAIR_MAX + 1));
	ASSERT_EQ(-ERANGE, rv_encode_auipc_jalr(buf, RV_REG_ZERO, RV_REG_T1, pc,
						pc + RV_PAIR_MIN - 2));
	ASSERT_EQ(-ERANGE, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_RA, pc, 0));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
	ASSERT_EQ(8, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_RA, pc,
					  pc + RV_PAIR_MAX - 1));
	ASSERT_EQ(8, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_RA, pc,
					  pc + RV_PAIR_MIN));
}

TEST(immediates_out_of_range_write_nothing)
{
	uint8_t buf[8];

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-ERANGE, rv_encode_jalr(buf, RV_REG_RA, RV_REG_T0, 2048));
	ASSERT_EQ(-ERANGE, rv_encode_jalr(buf, RV_REG_RA, RV_REG_T0, -2049));
	ASSERT_EQ(-ERANGE, rv_encode_auipc(buf, RV_REG_T0, RV_AUIPC_MAX + 0x1000));
	ASSERT_EQ(-ERANGE, rv_encode_auipc(buf, RV_REG_T0, RV_AUIPC_MIN - 0x1000));
	/* AUIPC adds a multiple of 4 KiB, nothing else */
	ASSERT_EQ(-EINVAL, rv_encode_auipc(buf, RV_REG_T0, 0x800));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
}

TEST(misaligned_writes_nothing)
{
	uint8_t buf[16];

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-EINVAL, rv_encode_jal(buf, RV_REG_ZERO, 0x1001, 0x1000));
	ASSERT_EQ(-EINVAL, rv_encode_jal(buf, RV_REG_RA, 0x1000, 0x1003));
	ASSERT_EQ(-EINVAL, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_RA,
						0x1001, 0x1000));
	ASSERT_EQ(-EINVAL, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_RA,
						0x1000, 0x2001));
	/* out of range too: alignment is checked first, still nothing */
	ASSERT_EQ(-EINVAL, rv_encode_jal(buf, RV_REG_RA, 0x1000,
					 0x1000 + RV_JAL_MAX + 3));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
}

TEST(bad_registers_write_nothing)
{
	uint8_t buf[16];

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-EINVAL, rv_encode_jal(buf, RV_NR_REGS, 0x1000, 0x1000));
	ASSERT_EQ(-EINVAL, rv_encode_jalr(buf, RV_NR_REGS, RV_REG_RA, 0));
	ASSERT_EQ(-EINVAL, rv_encode_jalr(buf, RV_REG_RA, RV_NR_REGS, 0));
	ASSERT_EQ(-EINVAL, rv_encode_auipc(buf, RV_NR_REGS, 0));
	ASSERT_EQ(-EINVAL, rv_encode_auipc_jalr(buf, RV_NR_REGS, RV_REG_T1,
						0x1000, 0x2000));
	ASSERT_EQ(-EINVAL, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_NR_REGS,
						0x1000, 0x2000));
	/* AUIPC x0 discards the high part: JALR would jump to lo absolute */
	ASSERT_EQ(-EINVAL, rv_encode_auipc_jalr(buf, RV_REG_RA, RV_REG_ZERO,
						0x1000, 0x2000));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
}

TEST(unknown_words_do_not_decode)
{
	static const uint8_t unknown[][4] = {
		{ 0x13, 0x00, 0x10, 0x00 },	/* addi x0, x0, 1: a HINT */
		{ 0x13, 0x05, 0x05, 0x00 },	/* mv a0, a0 */
		{ 0x67, 0x10, 0x00, 0x00 },	/* JALR opcode, funct3 1 */
		{ 0x73, 0x00, 0x00, 0x00 },	/* ecall */
		{ 0x63, 0x00, 0x00, 0x00 },	/* beq x0, x0, . */
		{ 0x37, 0x05, 0x00, 0x00 },	/* lui a0, 0 */
		{ 0xff, 0xff, 0xff, 0xff },	/* not 32-bit */
		{ 0x1f, 0x00, 0x00, 0x00 },	/* 48-bit prefix */
		{ 0x05, 0x00 },			/* c.addi x0, 1: a HINT */
		{ 0x01, 0xa0 },			/* c.j . */
		{ 0x82, 0x80 },			/* c.jr ra (ret) */
		{ 0x82, 0x92 },			/* c.jalr t0 */
		{ 0x00, 0x00 },			/* c.unimp */
	};
	struct insn insn, before;

	memset(&insn, SENTINEL, sizeof(insn));
	before = insn;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ASSERT_EQ(-EINVAL, arch_insn_decode(unknown[i], sizeof(unknown[i]),
						    0x1000, &insn))
			TH_LOG("pattern %zu", i);
	}
	ASSERT_EQ(0, memcmp(&insn, &before, sizeof(insn)));
}

TEST(bad_pc_or_length_does_not_decode)
{
	uint8_t nop[4], c_nop[2];
	struct insn insn;

	rv_encode_nop(nop);
	rv_encode_c_nop(c_nop);
	ASSERT_EQ(4, arch_insn_decode(nop, 4, 0x1002, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(nop, 4, 0x1001, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(c_nop, 2, 0x1003, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(nop, 3, 0x1000, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(c_nop, 0, 0x1000, &insn));
	ASSERT_EQ(2, arch_insn_decode(c_nop, 2, 0x1000, &insn));
}

TEST(lengths_and_alignment)
{
	ASSERT_EQ(4, rv_insn_length(RV_NOP & 0xffff));
	ASSERT_EQ(4, rv_insn_length(RV_EBREAK & 0xffff));
	ASSERT_EQ(2, rv_insn_length(RV_C_NOP));
	ASSERT_EQ(2, rv_insn_length(RV_C_EBREAK));
	ASSERT_EQ(2, rv_insn_length(0xfffe));
	ASSERT_EQ(-EINVAL, rv_insn_length(0x001f));	/* 48-bit */
	ASSERT_EQ(-EINVAL, rv_insn_length(0x003f));	/* 64-bit */
	ASSERT_EQ(2, (int)arch_insn_alignment());
}

INSN_FUZZ_TEST

TEST_HARNESS_MAIN
