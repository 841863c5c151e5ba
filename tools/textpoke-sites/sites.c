// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * textpoke-sites, one file: open it, read each site table, then look for
 * sites that overlap.  The checks of each kind are in patchable.c,
 * mcount.c and jump_table.c.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "reloc.h"
#include "sites.h"

static const char *const kind_names[NR_SITE_KINDS] = {
	[SITE_PATCHABLE]	= "patchable",
	[SITE_MCOUNT]		= "mcount",
	[SITE_JUMP]		= "jump_table",
};

const char *site_kind_name(enum site_kind kind)
{
	return kind < NR_SITE_KINDS ? kind_names[kind] : "?";
}

/* Grow *@array of @size-byte items to hold one more; false if no memory. */
static bool grow(void **array, size_t *cap, size_t used, size_t size)
{
	size_t n = *cap ? *cap * 2 : 64;
	void *p;

	if (used < *cap)
		return true;
	p = realloc(*array, n * size);
	if (!p)
		return false;
	*array = p;
	*cap = n;
	return true;
}

size_t site_add(struct sites_file *f, enum site_kind kind, uint64_t addr,
		size_t entry)
{
	struct site *s;

	if (!grow((void **)&f->sites, &f->cap_sites, f->nr_sites,
		  sizeof(*f->sites))) {
		f->out_of_memory = true;
		return NO_SITE;
	}
	s = &f->sites[f->nr_sites];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->addr = addr;
	s->entry = entry;
	return f->nr_sites++;
}

static void add_problem(struct sites_file *f, size_t site, const char *fmt,
			va_list ap)
{
	struct problem *p;

	if (!grow((void **)&f->problems, &f->cap_problems, f->nr_problems,
		  sizeof(*f->problems))) {
		f->out_of_memory = true;
		return;
	}
	p = &f->problems[f->nr_problems];
	p->site = site;
	p->seq = f->nr_problems;
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	if (site != NO_SITE)
		f->sites[site].nr_problems++;
	f->nr_problems++;
}

void site_problem(struct sites_file *f, size_t site, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(f, site, fmt, ap);
	va_end(ap);
}

void file_problem(struct sites_file *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_problem(f, NO_SITE, fmt, ap);
	va_end(ap);
}

void site_detail(struct sites_file *f, size_t site, const char *fmt, ...)
{
	struct site *s = &f->sites[site];
	size_t used = strlen(s->detail);
	va_list ap;

	if (used + 1 >= sizeof(s->detail))
		return;
	if (used)
		s->detail[used++] = ' ';
	va_start(ap, fmt);
	vsnprintf(s->detail + used, sizeof(s->detail) - used, fmt, ap);
	va_end(ap);
}

const char *site_addr(const struct sites_file *f, uint64_t addr,
		      char buf[ADDR_LEN])
{
	elf_format_addr(&f->elf, addr, buf, ADDR_LEN);
	return buf;
}

const char *site_bytes(const struct sites_file *f, uint64_t addr,
		       size_t count, char buf[ADDR_LEN])
{
	size_t avail, i, used = 0;
	const uint8_t *p = elf_bytes_at(&f->elf, addr, &avail);

	if (!p)
		return "nothing";
	if (count > avail)
		count = avail;
	if (count > ADDR_LEN / 3)
		count = ADDR_LEN / 3;
	buf[0] = '\0';
	for (i = 0; i < count; i++)
		used += snprintf(buf + used, ADDR_LEN - used, "%s%02x",
				 i ? " " : "", p[i]);
	return buf;
}

unsigned int site_landing_pad(const struct sites_file *f, uint64_t addr)
{
	size_t avail;
	const uint8_t *p = elf_bytes_at(&f->elf, addr, &avail);

	return p ? f->elf.arch->landing_pad(p, avail) : 0;
}

const struct elf_symbol *site_name_function(struct sites_file *f, size_t site)
{
	const struct elf_symbol *sym =
		elf_function_containing(&f->elf, f->sites[site].addr);

	if (sym)
		f->sites[site].symbol = sym->name;
	return sym;
}

/* Name a site outside code after the data object around it. */
static void name_data_site(struct sites_file *f, size_t site, uint64_t addr)
{
	const struct elf_symbol *sym = elf_symbol_containing(&f->elf, addr);

	if (sym && !f->sites[site].symbol)
		f->sites[site].symbol = sym->name;
}

const struct elf_section *site_code(struct sites_file *f, size_t site,
				    uint64_t addr, unsigned int align,
				    const char *what)
{
	const struct elf_section *s = elf_section_at(&f->elf, addr);
	char where[ADDR_LEN];

	if (!s) {
		site_problem(f, site, "%s %s is in no section of the file",
			     what, site_addr(f, addr, where));
		return NULL;
	}
	if (elf_section_is_code(s) && addr == f->sites[site].addr &&
	    !f->sites[site].symbol)
		site_name_function(f, site);
	if (!elf_section_is_code(s)) {
		name_data_site(f, site, addr);
		site_problem(f, site, "%s %s is not in an executable section (in %s)",
			     what, site_addr(f, addr, where), s->name);
		return NULL;
	}
	if (addr % f->elf.arch->insn_align ||
	    !reloc_final_aligned(&f->elf, addr, align)) {
		site_problem(f, site, "%s %s is not %u-byte aligned as %s needs",
			     what, site_addr(f, addr, where), align,
			     f->elf.arch->name);
		return NULL;
	}
	return s;
}

static void read_table(struct sites_file *f, const struct elf_section *table,
		       unsigned int entry_size,
		       void (*read_entry)(struct sites_file *f,
					  const struct elf_section *table,
					  size_t index))
{
	size_t i;

	if (!(table->flags & SHF_ALLOC)) {
		file_problem(f, "%s is not allocated: the program cannot read it",
			     table->name);
		return;
	}
	if (!table->data) {
		file_problem(f, "%s has no contents in the file", table->name);
		return;
	}
	if (table->size % entry_size)
		file_problem(f, "%s: size %" PRIu64 " is not a multiple of the %u-byte entry",
			     table->name, table->size, entry_size);
	for (i = 0; i < table->size / entry_size; i++)
		read_entry(f, table, i);
}

void sites_each_table(struct sites_file *f, const char *name,
		      unsigned int entry_size,
		      void (*read_entry)(struct sites_file *f,
					 const struct elf_section *table,
					 size_t index))
{
	size_t i;

	for (i = 0; i < f->elf.nr_sections; i++) {
		const struct elf_section *s = &f->elf.sections[i];

		if (!strcmp(s->name, name))
			read_table(f, s, entry_size, read_entry);
	}
}

/*
 * riscv: the linker deletes bytes where it relaxes code, and moves the
 * symbols after them, but an offset from the section start is a number
 * it does not touch.  Tables made per object file that way (the kernel's
 * recordmcount) then point at the wrong bytes in the linked program.
 */
static bool goes_stale(const struct sites_file *f, uint64_t addr)
{
	const struct elf_section *s = elf_section_at(&f->elf, addr);

	return s && s->first_relax < addr;
}

size_t site_from_address(struct sites_file *f, const struct elf_section *table,
			 size_t index, enum site_kind kind)
{
	struct reloc_value v;
	char where[ADDR_LEN];
	size_t site;
	int err = reloc_read(&f->elf, table->addr + index * 8, 8, &v);

	if (err == -ENOTSUP) {
		file_problem(f, "%s entry %zu: relocation type %u is not an 8-byte data relocation",
			     table->name, index, v.bad_type);
		return NO_SITE;
	}
	if (err) {
		file_problem(f, "%s entry %zu cannot be read", table->name, index);
		return NO_SITE;
	}
	if (v.unresolved) {
		file_problem(f, "%s entry %zu refers to %s, which the file does not define",
			     table->name, index, v.unresolved);
		return NO_SITE;
	}
	site = site_add(f, kind, v.value, index);
	if (site != NO_SITE && elf_is_relocatable(&f->elf) &&
	    v.by_section_offset && goes_stale(f, v.value))
		site_problem(f, site, "recorded as the section offset %s, and linker relaxation before it moves the code: the linked entry goes stale (record it with a label)",
			     site_addr(f, v.value, where));
	return site;
}

static int compare_sites(const void *a, const void *b, void *arg)
{
	const struct sites_file *f = arg;
	const struct site *x = &f->sites[*(const size_t *)a];
	const struct site *y = &f->sites[*(const size_t *)b];

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static const char *table_name(enum site_kind kind)
{
	static const char *const names[NR_SITE_KINDS] = {
		[SITE_PATCHABLE]	= PATCHABLE_SECTION,
		[SITE_MCOUNT]		= MCOUNT_SECTION,
		[SITE_JUMP]		= JUMP_TABLE_SECTION,
	};

	return kind < NR_SITE_KINDS ? names[kind] : "?";
}

/* The same address in the same table twice: flagged on the later one. */
static bool is_duplicate(struct sites_file *f, size_t i)
{
	const struct site *s, *prev;

	if (i == 0)
		return false;
	s = &f->sites[f->order[i]];
	prev = &f->sites[f->order[i - 1]];
	if (s->addr != prev->addr || s->kind != prev->kind)
		return false;
	site_problem(f, f->order[i], "duplicate site: %s entry %zu records it too",
		     table_name(prev->kind), prev->entry);
	return true;
}

void sites_check_overlaps(struct sites_file *f)
{
	uint64_t covered_to = 0;
	size_t i, cover = NO_SITE;
	char where[ADDR_LEN];

	f->order = calloc(f->nr_sites ? f->nr_sites : 1, sizeof(*f->order));
	if (!f->order) {
		f->out_of_memory = true;
		return;
	}
	for (i = 0; i < f->nr_sites; i++)
		f->order[i] = i;
	qsort_r(f->order, f->nr_sites, sizeof(*f->order), compare_sites, f);
	for (i = 0; i < f->nr_sites; i++) {
		const struct site *s = &f->sites[f->order[i]];

		if (is_duplicate(f, i))
			continue;
		if (cover != NO_SITE && s->addr < covered_to)
			site_problem(f, f->order[i], "overlaps the %s site at %s",
				     site_kind_name(f->sites[cover].kind),
				     site_addr(f, f->sites[cover].addr, where));
		if (s->len && s->addr + s->len > covered_to) {
			covered_to = s->addr + s->len;
			cover = f->order[i];
		}
	}
}

void sites_release(struct sites_file *f)
{
	if (f->opened)
		elf_close(&f->elf);
	free(f->sites);
	free(f->problems);
	free(f->order);
	memset(f, 0, sizeof(*f));
}

int sites_check(struct sites_file *f, const char *name, const uint8_t *data,
		size_t size)
{
	const char *why = NULL;
	int err;

	memset(f, 0, sizeof(*f));
	f->name = name;
	err = elf_open(&f->elf, name, data, size, &why);
	if (err) {
		file_problem(f, "%s", why ? why : "unreadable");
		return err == -ENOMEM ? err : (int)f->nr_problems;
	}
	f->opened = true;
	sites_each_table(f, PATCHABLE_SECTION, 8, patchable_read_entry);
	sites_each_table(f, MCOUNT_SECTION, 8, mcount_read_entry);
	sites_each_table(f, JUMP_TABLE_SECTION, 16, jump_table_read_entry);
	sites_check_overlaps(f);
	return f->out_of_memory ? -ENOMEM : (int)f->nr_problems;
}
