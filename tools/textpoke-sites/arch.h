/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What textpoke-sites asks each architecture: the bytes of its patch
 * sites and the meaning of its relocation types.  The verifier core
 * (patchable.c, mcount.c, jump_table.c) decides what is checked; the
 * arch/<arch>/tools/sites.c files only say which bytes mean what.
 *
 * All three architectures live in one host program, so each one's
 * arch_* hooks from arch/<arch>/insn.c are built under a prefixed name
 * (see tools/textpoke-sites/Makefile.inc); an arch file here calls them
 * by their usual names.
 */
#ifndef SITES_ARCH_H
#define SITES_ARCH_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../textpoke/insn.h"

/* What a relocation type does to the field it patches. */
enum reloc_op {
	RELOC_UNSUPPORTED = 0,
	RELOC_IGNORE,		/* R_*_NONE */
	RELOC_ABS,		/* S + A */
	RELOC_PCREL,		/* S + A - P, a data field */
	RELOC_BRANCH,		/* S + A - P, encoded in an instruction */
	RELOC_GOTPCREL,		/* the GOT entry of S: only S is of use here */
	RELOC_RELATIVE,		/* B + A: link-time addresses, so just A */
	RELOC_ADD,		/* V + S + A (riscv label differences) */
	RELOC_SUB,		/* V - S - A */
	RELOC_RELAX,		/* riscv: the linker may shrink the code here */
	RELOC_ALIGN,		/* riscv: padding the linker trims to an alignment */
};

struct reloc_type {
	uint32_t type;		/* R_* */
	enum reloc_op op;
	unsigned int width;	/* bytes of the field, for the data forms */
};

/* One patchable-entry layout, in bytes: NOPs before the function, after it. */
struct pfe_layout {
	unsigned int pre;
	unsigned int entry;
};

enum site_insn_kind {
	SITE_INSN_NOP,
	SITE_INSN_JUMP,
	SITE_INSN_CALL,
	SITE_INSN_CALL_GOT,	/* x86 call *slot(%rip): target is the slot */
};

/* An instruction found at a site, as the verifier needs to see it. */
struct site_insn {
	enum site_insn_kind kind;
	unsigned int len;
	uint64_t target;	/* destination (or GOT slot) as encoded */
	/*
	 * In a relocatable object the displacement is still a relocation:
	 * it sits @field bytes into the instruction, and the destination is
	 * @base plus the relocated displacement.
	 */
	unsigned int field;
	uint64_t base;
};

/*
 * @out from what the arch decoder found at a site: its NOP, jump and
 * call forms; -EINVAL for anything else.  @base and @field as above.
 */
static inline int site_insn_from(struct site_insn *out, const struct insn *insn,
				 uint64_t base, unsigned int field)
{
	switch (insn->kind) {
	case INSN_NOP:
		out->kind = SITE_INSN_NOP;
		break;
	case INSN_JUMP:
		out->kind = SITE_INSN_JUMP;
		break;
	case INSN_CALL:
		out->kind = SITE_INSN_CALL;
		break;
	default:
		return -EINVAL;
	}
	out->len = insn->len;
	out->target = insn->target;
	out->base = base;
	out->field = field;
	return 0;
}

struct sites_arch {
	const char *name;
	uint16_t machine;		/* EM_* */
	unsigned int insn_align;	/* every instruction start */
	/*
	 * Alignment below which linker relaxation cannot move code out of
	 * alignment (riscv deletes 2-byte units); 0 if the linker never
	 * relaxes this arch's code.
	 */
	unsigned int relax_granule;

	/* -fpatchable-function-entry: the layouts textpoke uses, in bytes */
	const struct pfe_layout *layouts;
	size_t nr_layouts;
	const char *layouts_text;	/* the same as N,M for messages */
	/*
	 * N and M of the compiler flag count NOPs of this many bytes; 0:
	 * of the length of the NOP at the site (riscv: C.NOP with RVC).
	 */
	unsigned int pfe_unit;
	/* Length of a NOP that may fill a patchable entry at @p, or 0 */
	unsigned int (*pfe_nop)(const uint8_t *p, size_t avail);
	/* Length of a landing pad (endbr64, BTI C) at @p, or 0 */
	unsigned int (*landing_pad)(const uint8_t *p, size_t avail);
	const char *landing_pad_name;

	/* __mcount_loc: at the entry (x86 -mfentry) or after the prologue */
	bool mcount_at_entry;
	int (*decode_mcount)(const uint8_t *p, size_t avail, uint64_t pc,
			     struct site_insn *out);
	const char *mcount_forms;	/* for messages */

	/* __tp_jump_table sites */
	unsigned int jump_align;
	int (*decode_jump)(const uint8_t *p, size_t avail, uint64_t pc,
			   struct site_insn *out);
	const char *jump_forms;		/* for messages */

	/* the relocation types the verifier applies; others are refused */
	const struct reloc_type *relocs;
	size_t nr_relocs;
};

extern const struct sites_arch sites_arch_x86;
extern const struct sites_arch sites_arch_arm64;
extern const struct sites_arch sites_arch_riscv;

/* The architecture of ELF machine @machine, or NULL. */
const struct sites_arch *sites_arch_of(uint16_t machine);

/* What relocation @type does on @arch (RELOC_UNSUPPORTED if unknown). */
struct reloc_type sites_reloc_type(const struct sites_arch *arch,
				   uint32_t type);

#endif /* SITES_ARCH_H */
