// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 patch sites, for the host tool textpoke-sites: which bytes the
 * compiler and textpoke put at each kind of site.  Built for the host
 * with this arch's arch_* names prefixed (tools/textpoke-sites/Makefile.inc).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "../../../textpoke/arch.h"
#include "../../../tools/textpoke-sites/arch.h"

/* endbr64 (CET IBT), which -fcf-protection puts before the entry NOPs */
static const uint8_t x86_endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

#define X86_CALL_IND_LEN	6	/* ff 15 disp32 / 67 e8 rel32 */

/*
 * docs/design.md, "Function-entry sites": -fpatchable-function-entry=5
 * (a 5-byte site) or =13,8 (the same with an 8-byte ops slot before the
 * function).
 */
static const struct pfe_layout x86_layouts[] = {
	{ .pre = 0, .entry = 5 },
	{ .pre = 8, .entry = 5 },
};

/*
 * gcc fills the area with 1-byte NOPs, clang the part at the entry with
 * one 5-byte NOP whose displacement is 8; site init replaces either with
 * its own 5-byte NOP.  Any other NOP form is accepted as well.
 */
static const uint8_t clang_entry_nop[] = { 0x0f, 0x1f, 0x44, 0x00, 0x08 };

static unsigned int x86_pfe_nop(const uint8_t *p, size_t avail)
{
	struct insn insn;
	int len;

	if (avail >= sizeof(clang_entry_nop) &&
	    !memcmp(p, clang_entry_nop, sizeof(clang_entry_nop)))
		return sizeof(clang_entry_nop);
	len = arch_insn_decode(p, avail, 0, &insn);
	return len > 0 && insn.kind == INSN_NOP ? len : 0;
}

static unsigned int x86_landing_pad(const uint8_t *p, size_t avail)
{
	if (avail < sizeof(x86_endbr64) ||
	    memcmp(p, x86_endbr64, sizeof(x86_endbr64)))
		return 0;
	return sizeof(x86_endbr64);
}

static int32_t read_s32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));	/* little endian like the host */
	return v;
}

/*
 * The 6-byte forms of -mfentry under PIE: the compiler's
 * "call *__fentry__@GOTPCREL(%rip)" (ff 15), or what ld relaxes it to
 * when __fentry__ is local, "addr32 call __fentry__" (67 e8).
 */
static int decode_call6(const uint8_t *p, size_t avail, uint64_t pc,
			struct site_insn *out)
{
	if (avail < X86_CALL_IND_LEN)
		return -EINVAL;
	if (p[0] == 0xff && p[1] == 0x15)
		out->kind = SITE_INSN_CALL_GOT;
	else if (p[0] == 0x67 && p[1] == X86_CALL32_OPCODE)
		out->kind = SITE_INSN_CALL;
	else
		return -EINVAL;
	out->len = X86_CALL_IND_LEN;
	out->field = 2;
	out->base = pc + X86_CALL_IND_LEN;
	out->target = out->base + read_s32(p + 2);
	return 0;
}

/* Only the forms textpoke writes (insn.c); rel32 counts from the end. */
static int decode_known(const uint8_t *p, size_t avail, uint64_t pc,
			struct site_insn *out)
{
	struct insn insn;
	int len = arch_insn_decode(p, avail, pc, &insn);

	if (len < 0)
		return len;
	return site_insn_from(out, &insn, pc + len, 1);
}

/* -mfentry: call __fentry__ (e8), the PIE forms, or -mnop-mcount's NOP */
static int x86_decode_mcount(const uint8_t *p, size_t avail, uint64_t pc,
			     struct site_insn *out)
{
	if (!decode_call6(p, avail, pc, out))
		return 0;
	if (decode_known(p, avail, pc, out))
		return -EINVAL;
	if (out->kind == SITE_INSN_CALL && out->len == X86_REL32_LEN)
		return 0;
	if (out->kind == SITE_INSN_NOP && out->len == X86_REL32_LEN)
		return 0;
	return -EINVAL;
}

/* Static keys: JMP rel8 / rel32, or the 2- or 5-byte NOP of the same size */
static int x86_decode_jump(const uint8_t *p, size_t avail, uint64_t pc,
			   struct site_insn *out)
{
	if (decode_known(p, avail, pc, out))
		return -EINVAL;
	if (out->kind != SITE_INSN_NOP && out->kind != SITE_INSN_JUMP)
		return -EINVAL;
	if (out->len != X86_JMP8_LEN && out->len != X86_REL32_LEN)
		return -EINVAL;
	return 0;
}

/*
 * The relocation types of site tables and of the instructions at sites
 * (psABI): what each does to its field.  Others are refused, not guessed.
 */
static const struct reloc_type x86_relocs[] = {
	{ R_X86_64_NONE, RELOC_IGNORE, 0 },
	{ R_X86_64_64, RELOC_ABS, 8 },
	{ R_X86_64_GLOB_DAT, RELOC_ABS, 8 },
	{ R_X86_64_JUMP_SLOT, RELOC_ABS, 8 },
	{ R_X86_64_32, RELOC_ABS, 4 },
	{ R_X86_64_32S, RELOC_ABS, 4 },
	{ R_X86_64_PC32, RELOC_PCREL, 4 },
	{ R_X86_64_PLT32, RELOC_PCREL, 4 },
	{ R_X86_64_PC64, RELOC_PCREL, 8 },
	{ R_X86_64_GOTPCREL, RELOC_GOTPCREL, 4 },
	{ R_X86_64_GOTPCRELX, RELOC_GOTPCREL, 4 },
	{ R_X86_64_REX_GOTPCRELX, RELOC_GOTPCREL, 4 },
	{ R_X86_64_RELATIVE, RELOC_RELATIVE, 8 },
};

const struct sites_arch sites_arch_x86 = {
	.name			= "x86-64",
	.machine		= EM_X86_64,
	.insn_align		= 1,
	.relax_granule		= 0,
	.layouts		= x86_layouts,
	.nr_layouts		= sizeof(x86_layouts) / sizeof(x86_layouts[0]),
	.layouts_text		= "5 or 13,8",
	.pfe_unit		= 1,
	.pfe_nop		= x86_pfe_nop,
	.landing_pad		= x86_landing_pad,
	.landing_pad_name	= "endbr64",
	.mcount_at_entry	= true,
	.decode_mcount		= x86_decode_mcount,
	.mcount_forms		= "call __fentry__ (e8, ff 15, 67 e8) or a 5-byte NOP",
	.jump_align		= 1,
	.decode_jump		= x86_decode_jump,
	.jump_forms		= "a 2- or 5-byte NOP, jmp rel8 or jmp rel32",
	.relocs			= x86_relocs,
	.nr_relocs		= sizeof(x86_relocs) / sizeof(x86_relocs[0]),
};
