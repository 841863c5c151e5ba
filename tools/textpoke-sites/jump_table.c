// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * __tp_jump_table, the static keys' sites.  Each entry is 16 bytes,
 * 8-aligned, every field relative to its own address so that a linked
 * file needs no relocation for it:
 *
 *	int32_t code;	site address - &code
 *	int32_t target;	jump destination - &target
 *	int64_t key;	address of the key's 8-byte slot - &key, | flags
 *
 * flags: bit 0 "branch" (the site jumps when the key's state XOR branch
 * is true, as in the kernel), bit 1 the site was assembled as a jump
 * (else as a NOP).  The slot, a pointer-sized object in a data section,
 * holds the key's address.
 */
#include <elf.h>

#include "arch.h"
#include "reloc.h"
#include "sites.h"

#define JUMP_ENTRY_SIZE		16
#define JUMP_FLAG_BRANCH	1u
#define JUMP_FLAG_JUMP		2u
#define JUMP_FLAGS		3u
#define KEY_SLOT_SIZE		8u

struct jump_entry {
	uint64_t code;
	uint64_t target;
	uint64_t slot;
	unsigned int flags;
	const char *slot_symbol;	/* the slot is an undefined symbol */
};

/* Field @name at @at, relative to @at; false after reporting. */
static bool read_relative(struct sites_file *f, const struct elf_section *table,
			  size_t index, uint64_t at, unsigned int width,
			  const char *name, uint64_t *value,
			  const char **unresolved)
{
	struct reloc_value v;
	int err = reloc_read(&f->elf, at, width, &v);

	if (err == -ENOTSUP) {
		file_problem(f, "%s entry %zu: %s: relocation type %u does not fit its %u-byte field",
			     table->name, index, name, v.bad_type, width);
		return false;
	}
	if (err) {
		file_problem(f, "%s entry %zu: %s cannot be read", table->name,
			     index, name);
		return false;
	}
	if (v.unresolved && !unresolved) {
		file_problem(f, "%s entry %zu: %s refers to %s, which the file does not define",
			     table->name, index, name, v.unresolved);
		return false;
	}
	if (unresolved)
		*unresolved = v.unresolved;
	*value = width == 4 ? (uint64_t)(int64_t)(int32_t)(uint32_t)v.value :
			      v.value;
	return true;
}

static bool read_entry(struct sites_file *f, const struct elf_section *table,
		       size_t index, struct jump_entry *j)
{
	uint64_t at = table->addr + index * JUMP_ENTRY_SIZE, code, target, key;

	if (!read_relative(f, table, index, at, 4, "code", &code, NULL) ||
	    !read_relative(f, table, index, at + 4, 4, "target", &target,
			   NULL) ||
	    !read_relative(f, table, index, at + 8, 8, "key", &key,
			   &j->slot_symbol))
		return false;
	j->code = at + code;
	j->target = at + 4 + target;
	j->flags = key & JUMP_FLAGS;
	j->slot = at + 8 + (key & ~(uint64_t)JUMP_FLAGS);
	return true;
}

/* Where the jump at the site goes, relocations of an object applied. */
static bool jump_destination(struct sites_file *f, size_t site,
			     const struct site_insn *insn, uint64_t *dest)
{
	struct reloc_branch b;

	*dest = insn->target;
	if (!elf_is_relocatable(&f->elf) ||
	    reloc_branch_at(&f->elf, f->sites[site].addr + insn->field,
			    insn->base, &b))
		return true;
	if (!b.resolved) {
		site_problem(f, site, "jumps to %s, which the file does not define",
			     b.symbol ? b.symbol : "?");
		return false;
	}
	*dest = b.dest;
	return true;
}

static void check_code(struct sites_file *f, size_t site,
		       const struct jump_entry *j)
{
	const struct sites_arch *arch = f->elf.arch;
	bool jump = j->flags & JUMP_FLAG_JUMP;
	char where[ADDR_LEN], there[ADDR_LEN];
	struct site_insn insn;
	size_t avail;
	const uint8_t *p;
	uint64_t dest;

	if (!site_code(f, site, j->code, arch->jump_align, "site"))
		return;
	p = elf_bytes_at(&f->elf, j->code, &avail);
	if (!p || arch->decode_jump(p, avail, j->code, &insn)) {
		site_problem(f, site, "not a static-branch site (%s): found %s",
			     arch->jump_forms, site_bytes(f, j->code, 5, where));
		return;
	}
	f->sites[site].len = insn.len;
	if (jump != (insn.kind == SITE_INSN_JUMP))
		site_problem(f, site, "holds a %s, but the entry says it was assembled as a %s",
			     jump ? "NOP" : "jump", jump ? "jump" : "NOP");
	if (insn.kind != SITE_INSN_JUMP ||
	    !jump_destination(f, site, &insn, &dest) || dest == j->target)
		return;
	site_problem(f, site, "jumps to %s, not to the entry's target %s",
		     site_addr(f, dest, where), site_addr(f, j->target, there));
}

/* The target: code of the same function (asm goto cannot leave it). */
static void check_target(struct sites_file *f, size_t site,
			 const struct jump_entry *j)
{
	const struct elf_symbol *from, *to;
	char where[ADDR_LEN];

	site_detail(f, site, "target=%s", site_addr(f, j->target, where));
	if (!site_code(f, site, j->target, f->elf.arch->insn_align,
		       "jump target"))
		return;
	from = elf_function_containing(&f->elf, j->code);
	to = elf_function_containing(&f->elf, j->target);
	if (!from || from == to)
		return;
	site_problem(f, site, "jump target %s is outside the site's function %s%s%s",
		     where, from->name, to ? ", in " : "", to ? to->name : "");
}

/* The key's name: what the slot points at. */
static void name_key(struct sites_file *f, size_t site, uint64_t slot)
{
	const struct elf_symbol *key;
	struct reloc_value v;
	char where[ADDR_LEN];

	if (reloc_read(&f->elf, slot, KEY_SLOT_SIZE, &v))
		return;
	if (v.unresolved) {
		site_detail(f, site, "key=%s", v.unresolved);
		return;
	}
	key = elf_symbol_containing(&f->elf, v.value);
	site_detail(f, site, "key=%s",
		    key ? key->name : site_addr(f, v.value, where));
}

static void check_key_slot(struct sites_file *f, size_t site,
			   const struct jump_entry *j)
{
	const struct elf_section *s;
	char where[ADDR_LEN];

	if (j->slot_symbol) {	/* defined elsewhere: nothing to look at */
		site_detail(f, site, "key=%s", j->slot_symbol);
		return;
	}
	site_addr(f, j->slot, where);
	s = elf_section_at(&f->elf, j->slot);
	if (!s)
		site_problem(f, site, "key slot %s is in no section of the file",
			     where);
	else if (s->flags & SHF_EXECINSTR)
		site_problem(f, site, "key slot %s is in an executable section (%s)",
			     where, s->name);
	else if (s->size - (j->slot - s->addr) < KEY_SLOT_SIZE)
		site_problem(f, site, "key slot %s runs past the end of %s",
			     where, s->name);
	else if (!reloc_final_aligned(&f->elf, j->slot, KEY_SLOT_SIZE))
		site_problem(f, site, "key slot %s is not 8-byte aligned",
			     where);
	else
		name_key(f, site, j->slot);
}

void jump_table_read_entry(struct sites_file *f,
			   const struct elf_section *table, size_t index)
{
	struct jump_entry j = { 0 };
	size_t site;

	/* the library reads each entry's key field as one 64-bit word */
	if (index == 0 && !reloc_final_aligned(&f->elf, table->addr, 8))
		file_problem(f, "%s is not 8-byte aligned", table->name);
	if (!read_entry(f, table, index, &j))
		return;
	site = site_add(f, SITE_JUMP, j.code, index);
	if (site == NO_SITE)
		return;
	site_detail(f, site, "%s%s", j.flags & JUMP_FLAG_JUMP ? "jump" : "nop",
		    j.flags & JUMP_FLAG_BRANCH ? " branch" : "");
	check_code(f, site, &j);
	check_target(f, site, &j);
	check_key_slot(f, site, &j);
}
