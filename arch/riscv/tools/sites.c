// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * riscv64 patch sites, for the host tool textpoke-sites: which
 * instructions the compiler and textpoke put at each kind of site.  Built
 * for the host with this arch's arch_* names prefixed
 * (tools/textpoke-sites/Makefile.inc).
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "../../../textpoke/arch.h"
#include "../../../tools/textpoke-sites/arch.h"

/* Not in every <elf.h> yet (psABI: S + A - P, 32 bits). */
#ifndef R_RISCV_32_PCREL
#define R_RISCV_32_PCREL	57
#endif

/*
 * docs/design.md, "Function-entry sites": -fpatchable-function-entry=8,4
 * with RVC (C.NOPs) or 4,2 without: 8 bytes before the function for the
 * ops pointer, 8 at the entry for AUIPC t0 + JALR t0.  The same bytes
 * either way.
 */
static const struct pfe_layout rv_layouts[] = {
	{ .pre = 8, .entry = 8 },
};

/* C.NOP (2 bytes, with RVC) or NOP (4 bytes) */
static unsigned int rv_pfe_nop(const uint8_t *p, size_t avail)
{
	struct insn insn;
	int len = arch_insn_decode(p, avail, 0, &insn);

	if (len < 0 || insn.kind != INSN_NOP)
		return 0;
	return len;
}

/* gcc and clang put no landing pad before riscv64 patchable entries */
static unsigned int rv_landing_pad(const uint8_t *p, size_t avail)
{
	(void)p;
	(void)avail;
	return 0;
}

/*
 * "call _mcount" as -pg emits it: AUIPC ra + JALR ra, lo(ra), or the
 * JAL ra that linker relaxation turns it into.  riscv compilers record
 * no mcount locations; a recordmcount-like tool does, per object file,
 * and relaxation is what makes such tables stale.
 */
static int rv_decode_mcount(const uint8_t *p, size_t avail, uint64_t pc,
			    struct site_insn *out)
{
	struct insn auipc, jalr;
	int len = arch_insn_decode(p, avail, pc, &auipc);

	if (len == RV_INSN_LEN && auipc.kind == INSN_CALL &&
	    auipc.rd == RV_REG_RA)
		return site_insn_from(out, &auipc, pc, 0);
	if (len != RV_INSN_LEN || auipc.kind != INSN_OTHER ||
	    auipc.rd != RV_REG_RA)
		return -EINVAL;
	len = arch_insn_decode(p + RV_INSN_LEN, avail - RV_INSN_LEN,
			       pc + RV_INSN_LEN, &jalr);
	if (len != RV_INSN_LEN || jalr.kind != INSN_INDIRECT ||
	    jalr.rd != RV_REG_RA || jalr.rs != RV_REG_RA)
		return -EINVAL;
	out->kind = SITE_INSN_CALL;
	out->len = RV_PAIR_LEN;
	out->target = pc + auipc.imm + jalr.imm;
	out->field = 0;
	out->base = pc;
	return 0;
}

/*
 * Static keys: a 4-byte NOP or JAL x0, never compressed: only an aligned
 * 4-byte instruction can be replaced while other harts run it (Ziccif).
 */
static int rv_decode_jump(const uint8_t *p, size_t avail, uint64_t pc,
			  struct site_insn *out)
{
	struct insn insn;
	int len = arch_insn_decode(p, avail, pc, &insn);

	if (len != RV_INSN_LEN)
		return -EINVAL;
	if (insn.kind != INSN_NOP && insn.kind != INSN_JUMP)
		return -EINVAL;
	return site_insn_from(out, &insn, pc, 0);
}

/*
 * The relocation types of site tables and of the instructions at sites
 * (psABI): what each does to its field.  Others are refused, not guessed.
 */
static const struct reloc_type rv_relocs[] = {
	{ R_RISCV_NONE, RELOC_IGNORE, 0 },
	{ R_RISCV_64, RELOC_ABS, 8 },
	{ R_RISCV_JUMP_SLOT, RELOC_ABS, 8 },
	{ R_RISCV_32, RELOC_ABS, 4 },
	{ R_RISCV_32_PCREL, RELOC_PCREL, 4 },
	{ R_RISCV_JAL, RELOC_BRANCH, 4 },
	{ R_RISCV_CALL, RELOC_BRANCH, 4 },
	{ R_RISCV_CALL_PLT, RELOC_BRANCH, 4 },
	{ R_RISCV_RELATIVE, RELOC_RELATIVE, 8 },
	{ R_RISCV_ADD32, RELOC_ADD, 4 },
	{ R_RISCV_ADD64, RELOC_ADD, 8 },
	{ R_RISCV_SUB32, RELOC_SUB, 4 },
	{ R_RISCV_SUB64, RELOC_SUB, 8 },
	{ R_RISCV_RELAX, RELOC_RELAX, 0 },
	{ R_RISCV_ALIGN, RELOC_ALIGN, 0 },
};

const struct sites_arch sites_arch_riscv = {
	.name			= "riscv64",
	.machine		= EM_RISCV,
	.insn_align		= RV_C_INSN_LEN,
	.relax_granule		= RV_C_INSN_LEN,
	.layouts		= rv_layouts,
	.nr_layouts		= sizeof(rv_layouts) / sizeof(rv_layouts[0]),
	.layouts_text		= "8,4 with RVC, 4,2 without",
	.pfe_unit		= 0,
	.pfe_nop		= rv_pfe_nop,
	.landing_pad		= rv_landing_pad,
	.landing_pad_name	= "",
	.mcount_at_entry	= false,
	.decode_mcount		= rv_decode_mcount,
	.mcount_forms		= "call _mcount (auipc ra + jalr ra, or jal ra)",
	.jump_align		= RV_INSN_LEN,
	.decode_jump		= rv_decode_jump,
	.jump_forms		= "a 4-byte NOP or jal x0",
	.relocs			= rv_relocs,
	.nr_relocs		= sizeof(rv_relocs) / sizeof(rv_relocs[0]),
};
