// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * __mcount_loc: each entry is the address of a call to the profiling
 * hook.  x86 -pg -mfentry -mrecord-mcount puts "call __fentry__" first in
 * the function (after endbr64), or a 5-byte NOP with -mnop-mcount.  On
 * arm64 and riscv the compiler records nothing; a table made by a
 * recordmcount-like tool points at the call to _mcount after the
 * prologue, and linker relaxation (riscv) is what makes such tables
 * point at the wrong bytes.
 */
#include <inttypes.h>
#include <string.h>

#include "arch.h"
#include "reloc.h"
#include "sites.h"

static bool is_profiling_hook(const char *name)
{
	return !strcmp(name, "__fentry__") || !strcmp(name, "_mcount") ||
	       !strcmp(name, "mcount");
}

static void check_callee_name(struct sites_file *f, size_t site,
			      const char *name)
{
	site_detail(f, site, "call %s", name);
	if (!is_profiling_hook(name))
		site_problem(f, site, "calls %s, not __fentry__ or _mcount",
			     name);
}

/*
 * A call whose destination is final: it must be code, and where a
 * function symbol is there (a static link) that function must be the
 * hook; a PLT entry has none.
 */
static void check_direct_call(struct sites_file *f, size_t site,
			      uint64_t target)
{
	const struct elf_section *s = elf_section_at(&f->elf, target);
	const struct elf_symbol *callee = elf_function_at(&f->elf, target);
	char where[ADDR_LEN];

	if (callee) {
		check_callee_name(f, site, callee->name);
		return;
	}
	site_detail(f, site, "call %s", site_addr(f, target, where));
	if (!s || !elf_section_is_code(s))
		site_problem(f, site, "call target %s is not in an executable section",
			     where);
}

/* call *slot(%rip): the slot is the GOT entry of the hook. */
static void check_got_call(struct sites_file *f, size_t site, uint64_t slot)
{
	const struct elf_symbol *callee;
	struct reloc_value v;
	char where[ADDR_LEN];

	if (reloc_read(&f->elf, slot, 8, &v)) {
		site_problem(f, site, "call through %s, which holds no address",
			     site_addr(f, slot, where));
		return;
	}
	if (v.unresolved) {
		check_callee_name(f, site, v.unresolved);
		return;
	}
	callee = elf_function_at(&f->elf, v.value);
	if (callee)
		check_callee_name(f, site, callee->name);
	else
		site_detail(f, site, "call *%s", site_addr(f, slot, where));
}

static void check_callee(struct sites_file *f, size_t site,
			 const struct site_insn *insn)
{
	uint64_t addr = f->sites[site].addr;
	struct reloc_branch b;

	if (insn->kind == SITE_INSN_NOP) {
		site_detail(f, site, "nop");
		return;
	}
	/* in an object file the callee is still a relocation */
	if (elf_is_relocatable(&f->elf) &&
	    !reloc_branch_at(&f->elf, addr + insn->field, insn->base, &b) &&
	    b.symbol) {
		check_callee_name(f, site, b.symbol);
		return;
	}
	if (insn->kind == SITE_INSN_CALL_GOT)
		check_got_call(f, site, insn->target);
	else
		check_direct_call(f, site, insn->target);
}

/* x86 -mfentry: the call is the function's first instruction. */
static void check_place(struct sites_file *f, size_t site,
			const struct elf_symbol *function)
{
	uint64_t addr = f->sites[site].addr, entry;

	if (!function) {
		if (f->elf.symbols_complete)
			site_problem(f, site, "site is not inside any function");
		return;
	}
	if (!f->elf.arch->mcount_at_entry)
		return;
	entry = function->addr + site_landing_pad(f, function->addr);
	if (addr != entry)
		site_problem(f, site, "site is at %s+0x%" PRIx64 ", not at its entry",
			     function->name, addr - function->addr);
}

void mcount_read_entry(struct sites_file *f, const struct elf_section *table,
		       size_t index)
{
	size_t site = site_from_address(f, table, index, SITE_MCOUNT);
	const struct elf_symbol *function;
	struct site_insn insn;
	char bytes[ADDR_LEN];
	size_t avail;
	const uint8_t *p;
	uint64_t addr;

	if (site == NO_SITE)
		return;
	addr = f->sites[site].addr;
	if (!site_code(f, site, addr, f->elf.arch->insn_align, "site"))
		return;
	function = elf_function_containing(&f->elf, addr);
	p = elf_bytes_at(&f->elf, addr, &avail);
	if (!p || f->elf.arch->decode_mcount(p, avail, addr, &insn)) {
		site_problem(f, site, "not %s: found %s",
			     f->elf.arch->mcount_forms,
			     site_bytes(f, addr, 8, bytes));
		return;
	}
	f->sites[site].len = insn.len;
	check_place(f, site, function);
	check_callee(f, site, &insn);
}
