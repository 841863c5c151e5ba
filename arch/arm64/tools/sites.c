// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64 patch sites, for the host tool textpoke-sites: which words the
 * compiler and textpoke put at each kind of site.  Built for the host
 * with this arch's arch_* names prefixed (tools/textpoke-sites/Makefile.inc).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "../../../textpoke/arch.h"
#include "../../../tools/textpoke-sites/arch.h"

/*
 * docs/design.md, "Function-entry sites": -fpatchable-function-entry=4,2,
 * the CALL_OPS layout: two NOPs before the function hold the 8-byte ops
 * pointer, two at the entry become MOV X9, X30 and the BL to the
 * trampoline.
 */
static const struct pfe_layout a64_layouts[] = {
	{ .pre = 8, .entry = 8 },
};

static int read_word(const uint8_t *p, size_t avail, uint32_t *word)
{
	if (avail < A64_INSN_LEN)
		return -EINVAL;
	memcpy(word, p, sizeof(*word));	/* little endian like the host */
	return 0;
}

static unsigned int a64_pfe_nop(const uint8_t *p, size_t avail)
{
	uint32_t word;

	if (read_word(p, avail, &word) || word != A64_NOP)
		return 0;
	return A64_INSN_LEN;
}

/* -mbranch-protection=bti: BTI C at the symbol, the entry NOPs after it */
static unsigned int a64_landing_pad(const uint8_t *p, size_t avail)
{
	uint32_t word;

	if (read_word(p, avail, &word) || word != A64_BTI_C)
		return 0;
	return A64_INSN_LEN;
}

/* NOP, B or BL; the displacement counts from the instruction itself. */
static int decode_branch_or_nop(const uint8_t *p, size_t avail, uint64_t pc,
				struct site_insn *out)
{
	struct insn insn;
	int len = arch_insn_decode(p, avail, pc, &insn);

	if (len < 0)
		return len;
	return site_insn_from(out, &insn, pc, 0);
}

/*
 * arm64 compilers record no mcount locations themselves: a table made
 * by a recordmcount-like tool points at the "bl _mcount" after the
 * prologue (or the NOP that replaced it).
 */
static int a64_decode_mcount(const uint8_t *p, size_t avail, uint64_t pc,
			     struct site_insn *out)
{
	if (decode_branch_or_nop(p, avail, pc, out))
		return -EINVAL;
	return out->kind == SITE_INSN_JUMP ? -EINVAL : 0;
}

/* Static keys: B target or NOP, both in the CMODX set */
static int a64_decode_jump(const uint8_t *p, size_t avail, uint64_t pc,
			   struct site_insn *out)
{
	if (decode_branch_or_nop(p, avail, pc, out))
		return -EINVAL;
	return out->kind == SITE_INSN_CALL ? -EINVAL : 0;
}

/*
 * The relocation types of site tables and of the instructions at sites
 * (psABI): what each does to its field.  Others are refused, not guessed.
 */
static const struct reloc_type a64_relocs[] = {
	{ R_AARCH64_NONE, RELOC_IGNORE, 0 },
	{ R_AARCH64_ABS64, RELOC_ABS, 8 },
	{ R_AARCH64_GLOB_DAT, RELOC_ABS, 8 },
	{ R_AARCH64_JUMP_SLOT, RELOC_ABS, 8 },
	{ R_AARCH64_ABS32, RELOC_ABS, 4 },
	{ R_AARCH64_PREL64, RELOC_PCREL, 8 },
	{ R_AARCH64_PREL32, RELOC_PCREL, 4 },
	{ R_AARCH64_JUMP26, RELOC_BRANCH, 4 },
	{ R_AARCH64_CALL26, RELOC_BRANCH, 4 },
	{ R_AARCH64_RELATIVE, RELOC_RELATIVE, 8 },
};

const struct sites_arch sites_arch_arm64 = {
	.name			= "arm64",
	.machine		= EM_AARCH64,
	.insn_align		= A64_INSN_LEN,
	.relax_granule		= 0,
	.layouts		= a64_layouts,
	.nr_layouts		= sizeof(a64_layouts) / sizeof(a64_layouts[0]),
	.layouts_text		= "4,2",
	.pfe_unit		= A64_INSN_LEN,
	.pfe_nop		= a64_pfe_nop,
	.landing_pad		= a64_landing_pad,
	.landing_pad_name	= "bti c",
	.mcount_at_entry	= false,
	.decode_mcount		= a64_decode_mcount,
	.mcount_forms		= "bl _mcount or a NOP",
	.jump_align		= A64_INSN_LEN,
	.decode_jump		= a64_decode_jump,
	.jump_forms		= "a NOP or b",
	.relocs			= a64_relocs,
	.nr_relocs		= sizeof(a64_relocs) / sizeof(a64_relocs[0]),
};
