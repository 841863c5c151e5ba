// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Relocations for textpoke-sites (reloc.h).  Every RELA entry that aims
 * at allocated memory is indexed by the address it patches, so a table
 * field is read as the running program will see it, whatever the file
 * type: in a relocatable object the entry's own relocations (R_*_64,
 * PC-relative, riscv ADD/SUB pairs) are applied to the made-up section
 * addresses; in a linked file the dynamic relocations (R_*_RELATIVE,
 * R_*_64 ...) are, with load base 0.  RELR needs nothing: it keeps its
 * addend in place.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "elf_image.h"
#include "reloc.h"

static bool indexable(const struct elf_image *e, const struct elf_section *s)
{
	if (s->type != SHT_RELA || !s->data ||
	    s->entsize != sizeof(Elf64_Rela))
		return false;
	if (!elf_is_relocatable(e))
		return s->flags & SHF_ALLOC;
	return s->info < e->nr_sections &&
	       (e->sections[s->info].flags & SHF_ALLOC);
}

/* Where entry @r of @s patches; false if outside the patched section. */
static bool reloc_address(const struct elf_image *e,
			  const struct elf_section *s, const Elf64_Rela *r,
			  uint64_t *where)
{
	const struct elf_section *target;

	if (!elf_is_relocatable(e)) {
		*where = r->r_offset;
		return true;
	}
	target = &e->sections[s->info];
	if (r->r_offset >= target->size)
		return false;
	*where = target->addr + r->r_offset;
	return true;
}

/* Remember where riscv linker relaxation may move code. */
static void note_relaxation(struct elf_image *e, const struct elf_reloc *r)
{
	enum reloc_op op = sites_reloc_type(e->arch, r->type).op;
	const struct elf_section *s;

	if (!elf_is_relocatable(e) || (op != RELOC_RELAX && op != RELOC_ALIGN))
		return;
	s = elf_section_at(e, r->where);
	if (s && r->where < s->first_relax)
		e->sections[s - e->sections].first_relax = r->where;
}

static int compare_relocs(const void *a, const void *b)
{
	const struct elf_reloc *x = a, *y = b;

	if (x->where != y->where)
		return x->where < y->where ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void add_section(struct elf_image *e, size_t index)
{
	const struct elf_section *s = &e->sections[index];
	size_t i, n = s->size / sizeof(Elf64_Rela);
	Elf64_Rela r;

	for (i = 0; i < n; i++) {
		struct elf_reloc *out = &e->relocs[e->nr_relocs];

		memcpy(&r, s->data + i * sizeof(r), sizeof(r));
		if (!reloc_address(e, s, &r, &out->where))
			continue;
		out->addend = r.r_addend;
		out->type = ELF64_R_TYPE(r.r_info);
		out->sym = ELF64_R_SYM(r.r_info);
		out->symtab = s->link;
		out->seq = e->nr_relocs;
		note_relaxation(e, out);
		e->nr_relocs++;
	}
}

/*
 * A well-formed file has no more entries than fit in it once; sections
 * that share their bytes (only in a damaged file) are not indexed past
 * that, so memory stays proportional to the file.
 */
int reloc_index(struct elf_image *e)
{
	size_t i, room = e->size / sizeof(Elf64_Rela), total = 0;

	e->relocs = calloc(room ? room : 1, sizeof(*e->relocs));
	if (!e->relocs)
		return -ENOMEM;
	for (i = 0; i < e->nr_sections; i++) {
		if (!indexable(e, &e->sections[i]))
			continue;
		total += e->sections[i].size / sizeof(Elf64_Rela);
		if (total > room)
			break;
		add_section(e, i);
	}
	qsort(e->relocs, e->nr_relocs, sizeof(*e->relocs), compare_relocs);
	return 0;
}

/* Index of the first relocation at or after @addr. */
static size_t first_at(const struct elf_image *e, uint64_t addr)
{
	size_t lo = 0, hi = e->nr_relocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->relocs[mid].where < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* S of relocation @r: false (and its name) when not defined here. */
static bool symbol_value(const struct elf_image *e, const struct elf_reloc *r,
			 uint64_t *value, const char **name, bool *is_section)
{
	struct elf_symbol sym;

	*is_section = false;
	if (r->sym == 0) {	/* no symbol: S is 0 */
		*value = 0;
		return true;
	}
	if (elf_symbol(e, r->symtab, r->sym, &sym)) {
		*name = "?";
		return false;
	}
	*name = sym.name[0] ? sym.name : "?";
	*is_section = sym.type == STT_SECTION;
	*value = sym.addr;
	return sym.defined;
}

/* Apply relocation @r, of operation @op, to @v, the field at @r->where. */
static void apply(const struct elf_image *e, const struct elf_reloc *r,
		  enum reloc_op op, struct reloc_value *v)
{
	uint64_t s = 0;
	const char *name = NULL;
	bool is_section = false;

	if (op != RELOC_RELATIVE &&
	    !symbol_value(e, r, &s, &name, &is_section) && !v->unresolved)
		v->unresolved = name;
	if (is_section)
		v->by_section_offset = true;
	switch (op) {
	case RELOC_ABS:
		v->value = s + r->addend;
		break;
	case RELOC_PCREL:
		v->value = s + r->addend - r->where;
		break;
	case RELOC_RELATIVE:
		v->value = r->addend;
		break;
	case RELOC_ADD:
		v->value += s + r->addend;
		break;
	case RELOC_SUB:
		v->value -= s + r->addend;
		break;
	default:
		break;
	}
}

static bool is_data_op(enum reloc_op op)
{
	return op == RELOC_ABS || op == RELOC_PCREL || op == RELOC_RELATIVE ||
	       op == RELOC_ADD || op == RELOC_SUB;
}

int reloc_read(const struct elf_image *e, uint64_t addr, unsigned int width,
	       struct reloc_value *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (elf_read_field(e, addr, width, &out->value))
		return -ENODATA;
	for (i = first_at(e, addr); i < e->nr_relocs &&
	     e->relocs[i].where == addr; i++) {
		const struct elf_reloc *r = &e->relocs[i];
		struct reloc_type t = sites_reloc_type(e->arch, r->type);

		if (t.op == RELOC_IGNORE)
			continue;
		if (!is_data_op(t.op) || t.width != width) {
			out->bad_type = r->type;
			return -ENOTSUP;
		}
		apply(e, r, t.op, out);
	}
	if (width < 8)
		out->value &= (1ull << (8 * width)) - 1;
	return 0;
}

int reloc_branch_at(const struct elf_image *e, uint64_t field, uint64_t base,
		    struct reloc_branch *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = first_at(e, field); i < e->nr_relocs &&
	     e->relocs[i].where == field; i++) {
		const struct elf_reloc *r = &e->relocs[i];
		enum reloc_op op = sites_reloc_type(e->arch, r->type).op;
		uint64_t s;
		bool is_section;

		if (op != RELOC_BRANCH && op != RELOC_PCREL &&
		    op != RELOC_GOTPCREL)
			continue;
		out->resolved = symbol_value(e, r, &s, &out->symbol,
					     &is_section) &&
				op != RELOC_GOTPCREL;
		out->dest = base + (s + r->addend - field);
		return 0;
	}
	return -ENOENT;
}

/* Alignment padding longer than a page is not made by any assembler. */
#define MAX_PADDING	4096
/* Relocations looked at before an address for the padding ending there */
#define MAX_LOOKBACK	64

/* The smallest power of two that is at least @n (n <= 2^32). */
static uint64_t round_up_pow2(uint64_t n)
{
	uint64_t p = 1;

	while (p < n && p < (1ull << 32))
		p <<= 1;
	return p;
}

/*
 * riscv: with relaxation the assembler pads an alignment directive to
 * its worst case, alignment minus the smallest instruction, and marks the
 * padding with R_RISCV_ALIGN (addend = its length); the linker deletes
 * what is not needed.  So @addr ends up aligned to @align when such
 * padding ends right before it and is long enough.
 */
static bool align_padding_ends_at(const struct elf_image *e, uint64_t addr,
				  unsigned int align)
{
	uint64_t granule = e->arch->relax_granule;
	size_t i = first_at(e, addr > MAX_PADDING ? addr - MAX_PADDING : 0);
	size_t end = first_at(e, addr);

	/* the padding is right before @addr: only the last few can end there */
	if (end - i > MAX_LOOKBACK)
		i = end - MAX_LOOKBACK;
	for (; i < end; i++) {
		const struct elf_reloc *r = &e->relocs[i];

		if (sites_reloc_type(e->arch, r->type).op != RELOC_ALIGN ||
		    r->addend < 0 || r->addend > MAX_PADDING ||
		    r->where + (uint64_t)r->addend != addr)
			continue;
		if (round_up_pow2(r->addend + granule) >= align)
			return true;
	}
	return false;
}

bool reloc_final_aligned(const struct elf_image *e, uint64_t addr,
			 unsigned int align)
{
	const struct elf_section *s;

	if (align <= 1)
		return true;
	if (!elf_is_relocatable(e))
		return addr % align == 0;
	s = elf_section_at(e, addr);
	if (!s)
		return false;
	if (s->first_relax < addr && align > e->arch->relax_granule)
		return align_padding_ends_at(e, addr, align);
	return s->align >= align && s->align % align == 0 &&
	       (addr - s->addr) % align == 0;
}
