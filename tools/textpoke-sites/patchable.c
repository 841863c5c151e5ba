// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * __patchable_function_entries (-fpatchable-function-entry=N,M): each
 * entry is the address of the first of N NOPs, M of them before the
 * function symbol and N-M at its entry, after the landing pad (endbr64,
 * BTI C) when there is one.  N and M are not recorded anywhere: they are
 * read back from the bytes and the symbols, then compared with the
 * layouts textpoke uses on the arch (docs/design.md, "Function-entry
 * sites"), whose 8 bytes before the function are the ops slot and must
 * be 8-byte aligned.
 */
#include <inttypes.h>

#include "arch.h"
#include "reloc.h"
#include "sites.h"

/* Bytes of NOPs looked at around a site: twice the largest layout. */
#define MAX_AREA	64u
#define OPS_SLOT	8u

struct area {
	const struct elf_symbol *function;	/* NULL: not known */
	uint64_t entry;		/* first NOP at the function's entry */
	unsigned int pre;	/* bytes of NOPs before the function */
	unsigned int pad;	/* landing pad length */
	unsigned int unit;	/* bytes of the NOPs that N and M count */
};

/* Bytes of consecutive NOPs from @addr on, at most @limit. */
static unsigned int nop_run(const struct sites_file *f, uint64_t addr,
			    unsigned int limit)
{
	size_t avail;
	const uint8_t *p = elf_bytes_at(&f->elf, addr, &avail);
	unsigned int n = 0, len;

	while (p && n < avail) {
		len = f->elf.arch->pfe_nop(p + n, avail - n);
		if (!len || n + len > limit)
			break;
		n += len;
	}
	return n;
}

/* The entry NOPs of @function start at @addr: no NOPs before it. */
static bool at_entry(const struct sites_file *f, uint64_t addr,
		     const struct elf_symbol *function, struct area *a)
{
	unsigned int pad;

	if (!function)
		return false;
	pad = site_landing_pad(f, function->addr);
	if (function->addr + pad != addr)
		return false;
	a->function = function;
	a->pad = pad;
	a->entry = addr;
	return true;
}

/* NOPs from @addr run up to the next function: they are its M. */
static bool before_function(const struct sites_file *f, uint64_t addr,
			    struct area *a)
{
	const struct elf_symbol *next = elf_function_after(&f->elf, addr);
	uint64_t gap;

	if (!next)
		return false;
	gap = next->addr - addr;
	if (gap > MAX_AREA || nop_run(f, addr, gap) != gap)
		return false;
	a->function = next;
	a->pre = gap;
	a->pad = site_landing_pad(f, next->addr);
	a->entry = next->addr + a->pad;
	return true;
}

/*
 * A stripped file (only .dynsym) names too few functions: read the
 * layout from the bytes alone, NOPs [landing pad] NOPs, and split a run
 * with no landing pad the way the arch's layout of that length does.
 */
static void from_bytes(const struct sites_file *f, uint64_t addr,
		       struct area *a)
{
	const struct sites_arch *arch = f->elf.arch;
	unsigned int run = nop_run(f, addr, MAX_AREA);
	size_t i;

	a->pad = site_landing_pad(f, addr + run);
	if (a->pad) {
		a->pre = run;
		a->entry = addr + run + a->pad;
		return;
	}
	a->entry = addr;
	for (i = 0; i < arch->nr_layouts; i++)
		if (arch->layouts[i].pre + arch->layouts[i].entry == run) {
			a->pre = arch->layouts[i].pre;
			a->entry = addr + a->pre;
		}
}

/* Why a site that is in a function is not at its patchable entry. */
static void report_inside(struct sites_file *f, size_t site, uint64_t addr,
			  const struct elf_symbol *function)
{
	uint64_t entry = function->addr + site_landing_pad(f, function->addr);
	uint64_t into = addr - entry;	/* wraps when before: too big */
	char where[ADDR_LEN];

	if (addr > entry && into <= MAX_AREA &&
	    nop_run(f, entry, into) == into)
		site_problem(f, site, "site is at %s+0x%" PRIx64 ", inside its patchable entry, which starts at %s",
			     function->name, addr - function->addr,
			     site_addr(f, entry, where));
	else
		site_problem(f, site, "site is at %s+0x%" PRIx64 ", not at its patchable entry",
			     function->name, addr - function->addr);
}

/* Find the function and the NOPs before it; false after reporting. */
static bool find_area(struct sites_file *f, size_t site, uint64_t addr,
		      struct area *a)
{
	const struct elf_symbol *inside = elf_function_containing(&f->elf, addr);

	if (at_entry(f, addr, elf_function_at(&f->elf, addr), a) ||
	    at_entry(f, addr, inside, a) || before_function(f, addr, a))
		return true;
	if (inside) {
		report_inside(f, site, addr, inside);
		return false;
	}
	if (!f->elf.symbols_complete) {
		from_bytes(f, addr, a);
		return true;
	}
	site_problem(f, site, "site is not at a function's patchable entry: no function starts within %u bytes of NOPs after it",
		     MAX_AREA);
	return false;
}

/*
 * Name the site after its function before anything is checked: the one
 * holding it, or the next one close enough for the site to be among the
 * NOPs before it.
 */
static void name_site(struct sites_file *f, size_t site, uint64_t addr)
{
	const struct elf_symbol *next;

	if (site_name_function(f, site))
		return;
	next = elf_function_after(&f->elf, addr);
	if (next && next->addr - addr <= MAX_AREA)
		f->sites[site].symbol = next->name;
}

static const struct pfe_layout *layout_with_pre(const struct sites_arch *arch,
						unsigned int pre)
{
	size_t i;

	for (i = 0; i < arch->nr_layouts; i++)
		if (arch->layouts[i].pre == pre)
			return &arch->layouts[i];
	return NULL;
}

/* N,M as the compiler flag says them, counted in NOPs */
static void check_layout(struct sites_file *f, size_t site,
			 const struct area *a, unsigned int entry)
{
	const struct sites_arch *arch = f->elf.arch;
	const struct pfe_layout *layout = layout_with_pre(arch, a->pre);
	unsigned int n = (a->pre + entry) / a->unit, m = a->pre / a->unit;
	char where[ADDR_LEN], bytes[ADDR_LEN];

	site_detail(f, site, "%u,%u", n, m);
	if (layout && entry < layout->entry) {
		uint64_t at = a->entry + entry;

		site_problem(f, site, "wrong NOP in the patchable entry at %s: found %s where the %s layout %s has a NOP",
			     site_addr(f, at, where), site_bytes(f, at, 4, bytes),
			     arch->name, arch->layouts_text);
	} else if (!layout || entry != layout->entry) {
		site_problem(f, site, "patchable entry %u,%u (of %u-byte NOPs) is not a textpoke layout for %s (%s)",
			     n, m, a->unit, arch->name, arch->layouts_text);
	}
}

/* CALL_OPS: the trampoline loads the 8 bytes before the function. */
static void check_ops_slot(struct sites_file *f, size_t site,
			   const struct area *a)
{
	uint64_t slot = a->entry - a->pad - OPS_SLOT;
	char where[ADDR_LEN];

	if (a->pre < OPS_SLOT)
		return;
	site_detail(f, site, "slot=%s", site_addr(f, slot, where));
	if (!reloc_final_aligned(&f->elf, slot, OPS_SLOT))
		site_problem(f, site, "ops slot at %s is not 8-byte aligned",
			     site_addr(f, slot, where));
}

void patchable_read_entry(struct sites_file *f,
			  const struct elf_section *table, size_t index)
{
	size_t site = site_from_address(f, table, index, SITE_PATCHABLE);
	struct area a = { 0 };
	unsigned int entry;
	size_t avail;
	const uint8_t *p;
	char bytes[ADDR_LEN];
	uint64_t addr;

	if (site == NO_SITE)
		return;
	addr = f->sites[site].addr;
	name_site(f, site, addr);
	if (!site_code(f, site, addr, f->elf.arch->insn_align, "site"))
		return;
	p = elf_bytes_at(&f->elf, addr, &avail);
	a.unit = p ? f->elf.arch->pfe_nop(p, avail) : 0;
	if (a.unit && f->elf.arch->pfe_unit)
		a.unit = f->elf.arch->pfe_unit;
	if (!a.unit) {
		site_problem(f, site, "no patchable-entry NOP at the site: found %s",
			     site_bytes(f, addr, 4, bytes));
		return;
	}
	if (!find_area(f, site, addr, &a))
		return;
	if (a.function)
		f->sites[site].symbol = a.function->name;
	entry = nop_run(f, a.entry, MAX_AREA);
	check_layout(f, site, &a, entry);
	if (a.pad)
		site_detail(f, site, "%s", f->elf.arch->landing_pad_name);
	check_ops_slot(f, site, &a);
	f->sites[site].len = a.entry + entry - addr;
}
