// SPDX-License-Identifier: GPL-2.0
/*
 * The riscv64 nosync table, exhaustively over site alignments, lengths
 * and instruction forms: Ziccif makes one store of a naturally aligned
 * 32-bit instruction atomic for instruction fetch, and nothing else.
 * The expectation is written out here, not derived from the library.
 */
#include <string.h>

#include <asm/insn.h>

#include "kselftest_harness.h"
#include "../../textpoke/arch.h"

struct form {
	const char *name;
	uint8_t bytes[8];
	unsigned int len;
};

static const struct form forms[] = {
	{ "nop",		{ 0x13, 0x00, 0x00, 0x00 }, 4 },
	{ "jal x0, .+8",	{ 0x6f, 0x00, 0x80, 0x00 }, 4 },
	{ "jal ra, .+8",	{ 0xef, 0x00, 0x80, 0x00 }, 4 },
	{ "jalr t0, 0(t0)",	{ 0xe7, 0x82, 0x02, 0x00 }, 4 },
	{ "auipc t0, 0",	{ 0x97, 0x02, 0x00, 0x00 }, 4 },
	{ "ebreak",		{ 0x73, 0x00, 0x10, 0x00 }, 4 },
	{ "c.nop",		{ 0x01, 0x00 }, 2 },
	{ "c.ebreak",		{ 0x02, 0x90 }, 2 },
	{ "auipc+jalr",		{ 0x97, 0x02, 0x00, 0x00, 0xe7, 0x82, 0x02, 0x00 }, 8 },
};

#define NR_FORMS (sizeof(forms) / sizeof(forms[0]))

TEST(nosync_table_every_pair_and_alignment)
{
	static uint32_t text[4] __attribute__((aligned(16)));
	unsigned int allowed = 0;

	for (unsigned int misalign = 0; misalign < 4; misalign += 2) {
		uintptr_t addr = (uintptr_t)text + 4 + misalign;

		for (size_t i = 0; i < NR_FORMS; i++) {
			for (size_t j = 0; j < NR_FORMS; j++) {
				const struct form *o = &forms[i], *n = &forms[j];
				bool want = !misalign && o->len == 4 && n->len == 4;
				bool got = o->len == n->len &&
					   arch_nosync_safe(addr, o->bytes, n->bytes, o->len);

				ASSERT_EQ(want, got) {
					TH_LOG("%s -> %s at +%u", o->name, n->name, misalign);
				}
				allowed += got;
			}
		}
	}
	ASSERT_EQ(6u * 6u, allowed);
}

TEST(trap_fits_the_site)
{
	static uint32_t text[4] __attribute__((aligned(16)));
	uint8_t trap[16];
	uintptr_t aligned = (uintptr_t)text, odd = aligned + 2;

	ASSERT_EQ(4u, arch_trap_insn(trap, aligned, 4));
	ASSERT_EQ(0, memcmp(trap, "\x73\x00\x10\x00", 4));
	ASSERT_EQ(2u, arch_trap_insn(trap, odd, 4));
	ASSERT_EQ(0, memcmp(trap, "\x02\x90", 2));
	ASSERT_EQ(2u, arch_trap_insn(trap, aligned, 2));
	memcpy(text, "\x73\x00\x10\x00\x02\x90\x01\x00", 8);
	ASSERT_TRUE(arch_trap_insn_at(aligned));
	ASSERT_TRUE(arch_trap_insn_at(aligned + 4));
	ASSERT_FALSE(arch_trap_insn_at(aligned + 6));
}

TEST(breakpoint_emulates_what_the_clients_write)
{
	struct insn insn;

	for (size_t i = 0; i < NR_FORMS; i++) {
		bool want = !strcmp(forms[i].name, "nop") || !strcmp(forms[i].name, "c.nop") ||
			    !strncmp(forms[i].name, "jal", 3);
		int len = arch_insn_decode(forms[i].bytes, forms[i].len, 0x1000, &insn);

		ASSERT_LT(0, len);
		ASSERT_EQ(want, arch_insn_emulable(&insn)) {
			TH_LOG("%s", forms[i].name);
		}
	}
}

TEST_HARNESS_MAIN
