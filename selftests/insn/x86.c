// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 encoders against the assembler, range limits, bad input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <asm/insn.h>

#include "kselftest_harness.h"
#include "../../textpoke/arch.h"
#include "ref.h"
#include "fuzz.h"

#define SENTINEL 0xa5

static int encode_ref(const struct insn_ref *r, uint8_t *buf)
{
	uintptr_t pc = (uintptr_t)r->code;

	switch (r->kind) {
	case REF_NOP:
		return x86_encode_nop(buf, r->len);
	case REF_TRAP:
		return x86_encode_int3(buf);
	case REF_JUMP:
		return x86_encode_jmp(buf, r->len, pc, pc + r->off);
	case REF_CALL:
		return x86_encode_call(buf, pc, pc + r->off);
	}
	return -EINVAL;
}

static const enum insn_kind ref_to_kind[] = {
	[REF_NOP] = INSN_NOP, [REF_JUMP] = INSN_JUMP,
	[REF_CALL] = INSN_CALL, [REF_TRAP] = INSN_TRAP,
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
	int n = 0;

	for_each_insn_ref(r) {
		uint8_t buf[16];

		memset(buf, SENTINEL, sizeof(buf));
		ASSERT_EQ((int)r->len, encode_ref(r, buf))
			TH_LOG("ref %d (kind %u)", n, r->kind);
		ASSERT_EQ(0, memcmp(buf, r->code, r->len))
			TH_LOG("ref %d (kind %u, off %ld) differs", n, r->kind, (long)r->off);
		ASSERT_TRUE(untouched(buf + r->len, sizeof(buf) - r->len));
		n++;
	}
	ASSERT_GE(n, 20);
}

TEST(decoder_reads_assembler_output)
{
	for_each_insn_ref(r) {
		struct insn insn;
		uintptr_t pc = (uintptr_t)r->code;

		ASSERT_EQ((int)r->len, arch_insn_decode(r->code, r->len, pc, &insn));
		ASSERT_EQ(ref_to_kind[r->kind], insn.kind);
		ASSERT_EQ(r->len, insn.len);
		if (r->kind == REF_JUMP || r->kind == REF_CALL)
			ASSERT_EQ(pc + r->off, insn.target);
		/* one byte short of the instruction is not an instruction */
		if (r->len > 1)
			ASSERT_EQ(-EINVAL, x86_insn_length(r->code, r->len - 1));
	}
}

TEST(jmp8_out_of_range_writes_nothing)
{
	uint8_t buf[8];
	uintptr_t pc = 0x1000;

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-ERANGE, x86_encode_jmp(buf, 2, pc, pc + 2 + 128));
	ASSERT_EQ(-ERANGE, x86_encode_jmp(buf, 2, pc, pc + 2 - 129));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
	ASSERT_EQ(2, x86_encode_jmp(buf, 2, pc, pc + 2 + 127));
	ASSERT_EQ(2, x86_encode_jmp(buf, 2, pc, pc + 2 - 128));
}

TEST(rel32_out_of_range_writes_nothing)
{
	uint8_t buf[8];
	uintptr_t pc = 0x7f0000000000;

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-ERANGE, x86_encode_jmp(buf, 5, pc, pc + 5 + 0x80000000L));
	ASSERT_EQ(-ERANGE, x86_encode_call(buf, pc, pc + 5 - 0x80000001L));
	ASSERT_EQ(-ERANGE, x86_encode_call(buf, pc, pc + 5 + 0x80000000L));
	ASSERT_EQ(-ERANGE, x86_encode_call(buf, pc, 0));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
}

TEST(bad_lengths_write_nothing)
{
	uint8_t buf[16];

	memset(buf, SENTINEL, sizeof(buf));
	ASSERT_EQ(-EINVAL, x86_encode_nop(buf, 0));
	ASSERT_EQ(-EINVAL, x86_encode_nop(buf, X86_NOP_MAX + 1));
	ASSERT_EQ(-EINVAL, x86_encode_jmp(buf, 3, 0x1000, 0x1000));
	ASSERT_EQ(-EINVAL, x86_encode_jmp(buf, 0, 0x1000, 0x1000));
	ASSERT_TRUE(untouched(buf, sizeof(buf)));
}

TEST(unknown_bytes_do_not_decode)
{
	static const uint8_t unknown[][4] = {
		{ 0x0f, 0x0b },			/* ud2 */
		{ 0xff, 0xd0 },			/* call *%rax */
		{ 0x66, 0x66, 0x90 },		/* prefixed nop: not a form we write */
		{ 0x0f, 0x1f, 0x44, 0x01 },	/* nopl with a nonzero displacement */
		{ 0xc3 },			/* ret */
	};
	struct insn insn;

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ASSERT_EQ(-EINVAL, arch_insn_decode(unknown[i], sizeof(unknown[i]), 0, &insn))
			TH_LOG("pattern");
	ASSERT_EQ(-EINVAL, x86_insn_length(unknown[0], 0));
}

TEST(patchable_entry_nop_run)
{
	static const uint8_t five[] = { 0x90, 0x90, 0x90, 0x90, 0x90 };
	static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

	ASSERT_TRUE(x86_is_nop1_run(five, 5));
	ASSERT_FALSE(x86_is_nop1_run(nop5, 5));
	ASSERT_EQ(1, x86_insn_length(five, 5));
	ASSERT_EQ(5, x86_insn_length(nop5, 5));
	ASSERT_EQ(1, (int)arch_insn_alignment());
}

INSN_FUZZ_TEST

TEST_HARNESS_MAIN
