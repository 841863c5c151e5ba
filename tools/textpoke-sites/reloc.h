/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relocations, as textpoke-sites needs them: the value a table field has
 * once the linker (relocatable objects) or the dynamic loader (PIE and
 * shared objects: R_*_RELATIVE, R_*_64 ...) has done its work, and the
 * destination of a branch that is still a relocation in an object file.
 */
#ifndef SITES_RELOC_H
#define SITES_RELOC_H

#include <stdbool.h>
#include <stdint.h>

#include "elf_image.h"

/* Index the RELA sections of @e; called by elf_open(). */
int reloc_index(struct elf_image *e);

struct reloc_value {
	uint64_t value;
	/* an undefined symbol the value depends on (value unknown), or NULL */
	const char *unresolved;
	/* relocatable objects: the value is a section symbol plus an offset */
	bool by_section_offset;
	uint32_t bad_type;	/* with -ENOTSUP: the relocation type */
};

/*
 * The little-endian @width-byte field at @addr after every relocation
 * aimed at it.  -ENODATA: no bytes there; -ENOTSUP: a relocation type
 * that is not a data relocation of this width (in @out->bad_type).
 */
int reloc_read(const struct elf_image *e, uint64_t addr, unsigned int width,
	       struct reloc_value *out);

struct reloc_branch {
	const char *symbol;	/* what the relocation names, or NULL */
	bool resolved;		/* @dest is known */
	uint64_t dest;
};

/*
 * The relocation of the branch or call whose displacement field is at
 * @field: its symbol, and the destination (@base plus S + A - P) when the
 * symbol is defined in the file.  -ENOENT when no relocation is there
 * (the displacement in the bytes is final).
 */
int reloc_branch_at(const struct elf_image *e, uint64_t field, uint64_t base,
		    struct reloc_branch *out);

/*
 * Whether code at @addr will be at a multiple of @align once linked: its
 * address in a linked file; in a relocatable object its offset and its
 * section's alignment, or, where linker relaxation may move it (riscv),
 * the alignment padding in front of it, which the linker trims to fit.
 */
bool reloc_final_aligned(const struct elf_image *e, uint64_t addr,
			 unsigned int align);

#endif /* SITES_RELOC_H */
