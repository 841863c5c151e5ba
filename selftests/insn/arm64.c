// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 encoders against the assembler, range limits, bad input, the
 * concurrent-modification set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <asm/insn.h>

#include "kselftest_harness.h"
#include "../../textpoke/arch.h"
#include "ref_arm64.h"
#include "fuzz.h"

#define SENTINEL	0xa5a5a5a5u
#define NBUF		4

static int encode_ref(const struct insn_ref *r, uint32_t *buf)
{
	uintptr_t pc = (uintptr_t)r->code;
	unsigned int rt = REF_RT(r->kind), rn = REF_RN(r->kind);

	switch (REF_KIND(r->kind)) {
	case REF_NOP:
		return a64_encode_nop(buf);
	case REF_TRAP:
		/* the immediate is not in the table: take it from the word */
		return a64_encode_brk(buf, (*(const uint32_t *)r->code >> 5) & 0xffff);
	case REF_JUMP:
		return a64_encode_b(buf, pc, pc + r->off);
	case REF_CALL:
		return a64_encode_bl(buf, pc, pc + r->off);
	case REF_A64_MOV_X9_X30:
		return a64_encode_mov_x9_x30(buf);
	case REF_A64_BTI_C:
		return a64_encode_bti_c(buf);
	case REF_A64_BR:
		return a64_encode_br(buf, rn);
	case REF_A64_BLR:
		return a64_encode_blr(buf, rn);
	case REF_A64_LDR_LIT:
		return a64_encode_ldr_lit(buf, rt, pc, pc + r->off);
	case REF_A64_LDR_IMM:
		return a64_encode_ldr_imm(buf, rt, rn, r->off);
	case REF_A64_LDUR:
		return a64_encode_ldur(buf, rt, rn, r->off);
	}
	return -EINVAL;
}

static const enum insn_kind ref_to_kind[] = {
	[REF_NOP] = INSN_NOP, [REF_JUMP] = INSN_JUMP,
	[REF_CALL] = INSN_CALL, [REF_TRAP] = INSN_TRAP,
	[REF_A64_MOV_X9_X30] = INSN_OTHER, [REF_A64_BTI_C] = INSN_OTHER,
	[REF_A64_BR] = INSN_INDIRECT, [REF_A64_BLR] = INSN_INDIRECT,
	[REF_A64_LDR_LIT] = INSN_OTHER, [REF_A64_LDR_IMM] = INSN_OTHER,
	[REF_A64_LDUR] = INSN_OTHER,
};

static void fill(uint32_t *buf)
{
	for (size_t i = 0; i < NBUF; i++)
		buf[i] = SENTINEL;
}

static int untouched(const uint32_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != SENTINEL)
			return 0;
	return 1;
}

TEST(encoders_match_assembler)
{
	int n = 0;

	for_each_insn_ref(r) {
		uint32_t buf[NBUF];

		fill(buf);
		ASSERT_EQ(4, (int)r->len);
		ASSERT_EQ((int)r->len, encode_ref(r, buf))
			TH_LOG("ref %d (kind %#x)", n, r->kind);
		ASSERT_EQ(0, memcmp(buf, r->code, r->len))
			TH_LOG("ref %d (kind %#x, off %ld): %08x, as says %08x", n,
			       r->kind, (long)r->off, buf[0], *(const uint32_t *)r->code);
		ASSERT_TRUE(untouched(buf + 1, NBUF - 1));
		n++;
	}
	ASSERT_GE(n, 35);
}

TEST(decoder_reads_assembler_output)
{
	for_each_insn_ref(r) {
		struct insn insn;
		uintptr_t pc = (uintptr_t)r->code;
		unsigned int kind = REF_KIND(r->kind);

		ASSERT_EQ((int)r->len, arch_insn_decode(r->code, r->len, pc, &insn));
		ASSERT_EQ(ref_to_kind[kind], insn.kind);
		ASSERT_EQ(r->len, insn.len);
		switch (kind) {
		case REF_JUMP:
		case REF_CALL:
			ASSERT_EQ(pc + r->off, insn.target);
			break;
		case REF_A64_MOV_X9_X30:
			ASSERT_EQ(9u, insn.rd);
			ASSERT_EQ(30u, insn.rs);
			break;
		case REF_A64_BR:
		case REF_A64_BLR:
			ASSERT_EQ(REF_RN(r->kind), insn.rs);
			ASSERT_EQ(kind == REF_A64_BLR ? 30u : 31u, insn.rd);
			break;
		case REF_A64_LDR_LIT:
			ASSERT_EQ(REF_RT(r->kind), insn.rd);
			ASSERT_EQ(r->off, insn.imm);
			ASSERT_EQ(pc + r->off, insn.target);
			break;
		case REF_A64_LDR_IMM:
		case REF_A64_LDUR:
			ASSERT_EQ(REF_RT(r->kind), insn.rd);
			ASSERT_EQ(REF_RN(r->kind), insn.rs);
			ASSERT_EQ(r->off, insn.imm);
			break;
		}
		/* three bytes are not an instruction, nor is a misaligned pc */
		ASSERT_EQ(-EINVAL, arch_insn_decode(r->code, r->len - 1, pc, &insn));
		ASSERT_EQ(-EINVAL, arch_insn_decode(r->code, r->len, pc + 2, &insn));
	}
}

TEST(branch_out_of_range_writes_nothing)
{
	uint32_t buf[NBUF];
	uintptr_t pc = 0x7f0000000000;

	fill(buf);
	ASSERT_EQ(-ERANGE, a64_encode_b(buf, pc, pc + 0x8000000));
	ASSERT_EQ(-ERANGE, a64_encode_b(buf, pc, pc - 0x8000004));
	ASSERT_EQ(-ERANGE, a64_encode_bl(buf, pc, pc + 0x8000000));
	ASSERT_EQ(-ERANGE, a64_encode_bl(buf, pc, pc - 0x8000004));
	ASSERT_EQ(-ERANGE, a64_encode_bl(buf, pc, 0));
	ASSERT_TRUE(untouched(buf, NBUF));
	ASSERT_EQ(4, a64_encode_b(buf, pc, pc + 0x7fffffc));
	ASSERT_EQ(4, a64_encode_bl(buf, pc, pc - 0x8000000));
	/* wraps as the PE's address arithmetic does */
	ASSERT_EQ(4, a64_encode_b(buf, 0, (uintptr_t)-4));
	ASSERT_EQ(0x17ffffffu, buf[0]);
}

TEST(ldr_literal_out_of_range_writes_nothing)
{
	uint32_t buf[NBUF];
	uintptr_t pc = 0x400000;

	fill(buf);
	ASSERT_EQ(-ERANGE, a64_encode_ldr_lit(buf, 16, pc, pc + 0x100000));
	ASSERT_EQ(-ERANGE, a64_encode_ldr_lit(buf, 16, pc, pc - 0x100004));
	ASSERT_TRUE(untouched(buf, NBUF));
	ASSERT_EQ(4, a64_encode_ldr_lit(buf, 16, pc, pc + 0xffffc));
	ASSERT_EQ(4, a64_encode_ldr_lit(buf, 16, pc, pc - 0x100000));
}

TEST(load_offsets_out_of_range_write_nothing)
{
	uint32_t buf[NBUF];

	fill(buf);
	ASSERT_EQ(-ERANGE, a64_encode_ldr_imm(buf, 16, 17, 32768));
	ASSERT_EQ(-ERANGE, a64_encode_ldr_imm(buf, 16, 17, -8));
	ASSERT_EQ(-ERANGE, a64_encode_ldur(buf, 16, 17, 256));
	ASSERT_EQ(-ERANGE, a64_encode_ldur(buf, 16, 17, -257));
	ASSERT_TRUE(untouched(buf, NBUF));
	ASSERT_EQ(4, a64_encode_ldr_imm(buf, 16, 17, 32760));
	ASSERT_EQ(4, a64_encode_ldur(buf, 16, 17, -256));
}

TEST(misaligned_pc_or_target_writes_nothing)
{
	uint32_t buf[NBUF];
	uintptr_t pc = 0x1000;

	fill(buf);
	for (int mis = 1; mis < 4; mis++) {
		ASSERT_EQ(-EINVAL, a64_encode_b(buf, pc + mis, pc + 8));
		ASSERT_EQ(-EINVAL, a64_encode_b(buf, pc, pc + 8 + mis));
		ASSERT_EQ(-EINVAL, a64_encode_bl(buf, pc + mis, pc + 8));
		ASSERT_EQ(-EINVAL, a64_encode_bl(buf, pc, pc + 8 + mis));
		ASSERT_EQ(-EINVAL, a64_encode_ldr_lit(buf, 0, pc + mis, pc + 8));
		ASSERT_EQ(-EINVAL, a64_encode_ldr_lit(buf, 0, pc, pc + 8 + mis));
		/* alignment is checked before reach */
		ASSERT_EQ(-EINVAL, a64_encode_b(buf, pc, pc + 0x10000000 + mis));
	}
	ASSERT_EQ(-EINVAL, a64_encode_ldr_imm(buf, 0, 1, 4));
	ASSERT_EQ(-EINVAL, a64_encode_ldr_imm(buf, 0, 1, 1));
	ASSERT_TRUE(untouched(buf, NBUF));
}

TEST(bad_registers_and_immediates_write_nothing)
{
	uint32_t buf[NBUF];

	fill(buf);
	ASSERT_EQ(-EINVAL, a64_encode_brk(buf, 0x10000));
	ASSERT_EQ(-EINVAL, a64_encode_br(buf, 31));
	ASSERT_EQ(-EINVAL, a64_encode_blr(buf, 32));
	ASSERT_EQ(-EINVAL, a64_encode_ldr_lit(buf, 31, 0x1000, 0x1000));
	ASSERT_EQ(-EINVAL, a64_encode_ldr_imm(buf, 31, 0, 0));
	ASSERT_EQ(-EINVAL, a64_encode_ldr_imm(buf, 0, 32, 0));
	ASSERT_EQ(-EINVAL, a64_encode_ldur(buf, 31, 0, 0));
	ASSERT_EQ(-EINVAL, a64_encode_ldur(buf, 0, 32, 0));
	ASSERT_TRUE(untouched(buf, NBUF));
}

TEST(unknown_words_do_not_decode)
{
	static const uint32_t unknown[] = {
		0xd65f03c0,	/* ret */
		0x91000420,	/* add x0, x1, #1 */
		0xd4000001,	/* svc #0: in the cmodx set, not written by us */
		0xd5033fdf,	/* isb */
		0xd503203f,	/* yield (HINT #1) */
		0xd503249f,	/* bti j */
		0xd503233f,	/* paciasp */
		0x54000000,	/* b.eq . */
		0xb4000000,	/* cbz x0, . */
		0xaa1d03e9,	/* mov x9, x29 */
		0xaa1e03ea,	/* mov x10, x30 */
		0xd61f03e0,	/* br xzr */
		0xd61f0a1f,	/* braaz x16: BR with PAC bits */
		0x5800001f,	/* ldr xzr, . */
		0x18000000,	/* ldr w0, . (32-bit) */
		0xb9400230,	/* ldr w16, [x17] */
		0xf8408e30,	/* ldr x16, [x17, #8]! */
		0xf8408630,	/* ldr x16, [x17], #8 */
		0xf8400a30,	/* ldtr x16, [x17] */
		0xf840023f,	/* ldur xzr, [x17] */
		0x00000000,	/* udf #0 */
	};
	struct insn insn;

	/* braces: the harness's TH_LOG hook sits after the assert's statement */
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ASSERT_EQ(-EINVAL, arch_insn_decode(&unknown[i], 4, 0x1000, &insn))
			TH_LOG("word %08x", unknown[i]);
	}
}

TEST(decoder_rejects_short_and_misaligned)
{
	static const uint32_t nop = A64_NOP;
	struct insn insn, before;

	memset(&insn, 0x5a, sizeof(insn));
	before = insn;
	ASSERT_EQ(-EINVAL, arch_insn_decode(&nop, 0, 0x1000, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(&nop, 3, 0x1000, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(&nop, 4, 0x1001, &insn));
	ASSERT_EQ(-EINVAL, arch_insn_decode(&nop, 4, 0x1002, &insn));
	ASSERT_EQ(0, memcmp(&insn, &before, sizeof(insn)));
	ASSERT_EQ(4, arch_insn_decode(&nop, 8, 0x1000, &insn));
	ASSERT_EQ((enum insn_kind)INSN_NOP, insn.kind);
	ASSERT_EQ(4, (int)arch_insn_alignment());
}

TEST(cmodx_set)
{
	static const struct {
		uint32_t insn;
		bool cmodx;
	} words[] = {
		{ 0xd503201f, true },	/* nop */
		{ 0x14000000, true },	/* b . */
		{ 0x17ffffff, true },	/* b . - 4 */
		{ 0x94000000, true },	/* bl . */
		{ 0x96000000, true },	/* bl . - 0x8000000 */
		{ 0xd4200000, true },	/* brk #0 */
		{ 0xd43fffe0, true },	/* brk #0xffff */
		{ 0xd4000001, true },	/* svc #0 */
		{ 0xd4001fe1, true },	/* svc #0xff */
		{ 0xd4000002, true },	/* hvc #0 */
		{ 0xd4000003, true },	/* smc #0 */
		{ 0xd5033fdf, true },	/* isb */
		{ 0xd503203f, false },	/* yield: a hint, but not NOP */
		{ 0xd503245f, false },	/* bti c */
		{ 0xd503233f, false },	/* paciasp */
		{ 0xaa1e03e9, false },	/* mov x9, x30 */
		{ 0xd61f0200, false },	/* br x16 */
		{ 0xd63f0200, false },	/* blr x16 */
		{ 0xd65f03c0, false },	/* ret */
		{ 0x54000000, false },	/* b.eq . */
		{ 0x58000050, false },	/* ldr x16, . + 8 */
		{ 0xd4400000, false },	/* hlt #0 */
		{ 0xd4a00001, false },	/* dcps1 */
		{ 0xd5033f9f, false },	/* dsb sy */
		{ 0xd5033fbf, false },	/* dmb sy */
		{ 0x00000000, false },	/* udf #0 */
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		ASSERT_EQ(words[i].cmodx, a64_insn_is_cmodx(words[i].insn))
			TH_LOG("word %08x", words[i].insn);
	}

	/* what the encoders write for B, BL, NOP, BRK is all in the set */
	for_each_insn_ref(r) {
		unsigned int kind = REF_KIND(r->kind);
		bool want = kind == REF_NOP || kind == REF_JUMP ||
			    kind == REF_CALL || kind == REF_TRAP;

		ASSERT_EQ(want, a64_insn_is_cmodx(*(const uint32_t *)r->code));
	}
}

INSN_FUZZ_TEST

TEST_HARNESS_MAIN
