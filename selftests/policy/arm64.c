// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 nosync table, exhaustively over a representative of every
 * instruction class the library may meet at a site: a transition is
 * nosync-safe exactly when both words are in the ARM ARM B2.2.5 set
 * {B, BL, NOP, BRK, SVC, HVC, SMC, ISB}, the site is one aligned word.
 * The expectation is written out per word here, not derived from the
 * library's own predicate.
 */
#include <string.h>

#include <asm/insn.h>

#include "kselftest_harness.h"
#include "../../textpoke/arch.h"

struct word {
	const char *name;
	uint32_t insn;
	bool cmodx;
};

static const struct word words[] = {
	{ "nop",		0xd503201f, true },
	{ "b .+8",		0x14000002, true },
	{ "b .-4",		0x17ffffff, true },
	{ "bl .+0x100",		0x94000040, true },
	{ "brk #0",		0xd4200000, true },
	{ "brk #0x7450",	0xd42e8a00, true },
	{ "svc #0",		0xd4000001, true },
	{ "hvc #0",		0xd4000002, true },
	{ "smc #0",		0xd4000003, true },
	{ "isb",		0xd5033fdf, true },
	{ "mov x9, x30",	0xaa1e03e9, false },
	{ "bti c",		0xd503245f, false },
	{ "yield",		0xd503203f, false },
	{ "paciasp",		0xd503233f, false },
	{ "ret",		0xd65f03c0, false },
	{ "br x16",		0xd61f0200, false },
	{ "blr x16",		0xd63f0200, false },
	{ "ldr x16, .+8",	0x58000050, false },
	{ "add x0, x0, #1",	0x91000400, false },
	{ "b.eq .+8",		0x54000040, false },
	{ "cbz x0, .+8",	0xb4000040, false },
	{ "dmb ish",		0xd5033bbf, false },
	{ "udf #0",		0x00000000, false },
};

#define NR_WORDS (sizeof(words) / sizeof(words[0]))

TEST(nosync_table_every_pair)
{
	static uint32_t site[2] __attribute__((aligned(8)));
	uintptr_t addr = (uintptr_t)site;
	unsigned int allowed = 0;

	for (size_t i = 0; i < NR_WORDS; i++) {
		for (size_t j = 0; j < NR_WORDS; j++) {
			bool want = words[i].cmodx && words[j].cmodx;
			bool got = arch_nosync_safe(addr, (const uint8_t *)&words[i].insn,
						    (const uint8_t *)&words[j].insn, 4);

			ASSERT_EQ(want, got) {
				TH_LOG("%s -> %s", words[i].name, words[j].name);
			}
			allowed += got;
		}
	}
	ASSERT_EQ(10u * 10u, allowed);
}

TEST(nosync_needs_one_aligned_word)
{
	static uint32_t site[4] __attribute__((aligned(16)));
	const uint32_t pair[2] = { 0xd503201f, 0xd503201f };
	const uint32_t b = 0x14000002;

	/* two CMODX words are still two instructions: no single store */
	ASSERT_FALSE(arch_nosync_safe((uintptr_t)site, (const uint8_t *)pair,
				      (const uint8_t *)pair, 8));
	ASSERT_FALSE(arch_nosync_safe((uintptr_t)site + 2, (const uint8_t *)pair,
				      (const uint8_t *)&b, 4));
	ASSERT_TRUE(arch_nosync_safe((uintptr_t)site + 4, (const uint8_t *)pair,
				     (const uint8_t *)&b, 4));
}

TEST(breakpoint_emulates_what_the_clients_write)
{
	struct insn insn;
	const uint32_t emulable[] = { 0xd503201f, 0x14000002, 0x94000040 };
	const uint32_t not_emulable[] = { 0xaa1e03e9, 0xd503245f, 0x58000050, 0xd61f0200 };

	for (size_t i = 0; i < sizeof(emulable) / sizeof(emulable[0]); i++) {
		ASSERT_EQ(4, arch_insn_decode(&emulable[i], 4, 0x1000, &insn));
		ASSERT_TRUE(arch_insn_emulable(&insn));
	}
	for (size_t i = 0; i < sizeof(not_emulable) / sizeof(not_emulable[0]); i++) {
		ASSERT_EQ(4, arch_insn_decode(&not_emulable[i], 4, 0x1000, &insn));
		ASSERT_FALSE(arch_insn_emulable(&insn));
	}
}

TEST(trap_is_recognised_in_every_form)
{
	static uint32_t word __attribute__((aligned(4)));
	uint8_t trap[16];

	ASSERT_EQ(4u, arch_trap_insn(trap, (uintptr_t)&word, 4));
	memcpy(&word, trap, 4);
	ASSERT_TRUE(arch_trap_insn_at((uintptr_t)&word));
	word = 0xd4200000;		/* a debugger's brk #0 */
	ASSERT_TRUE(arch_trap_insn_at((uintptr_t)&word));
	word = 0xd503201f;
	ASSERT_FALSE(arch_trap_insn_at((uintptr_t)&word));
}

TEST_HARNESS_MAIN
