// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ELF view of textpoke-sites (elf_image.h): headers, sections, addresses and
 * symbols.  Input is untrusted: each structure is copied out of the
 * buffer with memcpy (file offsets need not be aligned) after its bounds
 * are checked, and whatever does not fit is left out.
 */
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "elf_image.h"
#include "reloc.h"

/*
 * Made-up addresses of relocatable objects start here, so that 0 is never
 * an address, and must stay below this so that address arithmetic on
 * them cannot wrap.
 */
#define REL_BASE		0x10000ull
#define REL_LIMIT		(1ull << 48)
#define REL_MAX_ALIGN		4096ull

/* Whether [off, off + len) lies inside a buffer of @size bytes. */
static bool in_bounds(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/* The NUL-terminated string at @off of a string table, or "". */
static const char *string_at(const struct elf_image *e, uint32_t strtab,
			     uint64_t off)
{
	const struct elf_section *s;

	if (strtab == 0 || strtab >= e->nr_sections)
		return "";
	s = &e->sections[strtab];
	if (s->type != SHT_STRTAB || !s->data || off >= s->size)
		return "";
	if (!memchr(s->data + off, '\0', s->size - off))
		return "";
	return (const char *)s->data + off;
}

bool elf_is_relocatable(const struct elf_image *e)
{
	return e->type == ET_REL;
}

bool elf_section_is_code(const struct elf_section *s)
{
	return (s->flags & SHF_ALLOC) && (s->flags & SHF_EXECINSTR);
}

static int read_header(struct elf_image *e, Elf64_Ehdr *eh, const char **why)
{
	if (e->size < sizeof(*eh) || memcmp(e->data, ELFMAG, SELFMAG)) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	memcpy(eh, e->data, sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		*why = "not a little-endian ELF64 file";
		return -ENOEXEC;
	}
	e->type = eh->e_type;
	e->machine = eh->e_machine;
	e->arch = sites_arch_of(eh->e_machine);
	if (!e->arch) {
		*why = "not an x86-64, arm64 or riscv64 file";
		return -ENOEXEC;
	}
	if (e->type != ET_REL && e->type != ET_EXEC && e->type != ET_DYN) {
		*why = "neither a relocatable object, an executable nor a shared object";
		return -ENOEXEC;
	}
	return 0;
}

static int read_shdr(const struct elf_image *e, uint64_t shoff, size_t i,
		     Elf64_Shdr *sh)
{
	uint64_t off = shoff + (uint64_t)i * sizeof(*sh);

	if (!in_bounds(e->size, off, sizeof(*sh)))
		return -ERANGE;
	memcpy(sh, e->data + off, sizeof(*sh));
	return 0;
}

/*
 * The section count and the index of the section name table, with the
 * extended numbering of the gABI (e_shnum 0: count in section 0's sh_size;
 * e_shstrndx SHN_XINDEX: index in its sh_link).
 */
static int section_count(const struct elf_image *e, const Elf64_Ehdr *eh,
			 size_t *count, size_t *names, const char **why)
{
	Elf64_Shdr sh0;
	uint64_t n = eh->e_shnum;

	*why = "no usable section header table";
	if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    read_shdr(e, eh->e_shoff, 0, &sh0))
		return -ENOEXEC;
	if (n == 0)
		n = sh0.sh_size;
	if (n == 0 || n > (e->size - eh->e_shoff) / sizeof(Elf64_Shdr))
		return -ENOEXEC;
	*count = n;
	*names = eh->e_shstrndx == SHN_XINDEX ? sh0.sh_link : eh->e_shstrndx;
	return 0;
}

static void copy_section(struct elf_image *e, const Elf64_Shdr *sh,
			 struct elf_section *s)
{
	s->type = sh->sh_type;
	s->flags = sh->sh_flags;
	s->addr = sh->sh_addr;
	s->size = sh->sh_size;
	s->align = sh->sh_addralign ? sh->sh_addralign : 1;
	s->entsize = sh->sh_entsize;
	s->link = sh->sh_link;
	s->info = sh->sh_info;
	s->first_relax = UINT64_MAX;
	s->name = "";
	if (sh->sh_type != SHT_NOBITS && in_bounds(e->size, sh->sh_offset,
						   sh->sh_size))
		s->data = e->data + sh->sh_offset;
}

static int read_sections(struct elf_image *e, const Elf64_Ehdr *eh,
			 const char **why)
{
	Elf64_Shdr sh;
	size_t count, names, i;
	int err = section_count(e, eh, &count, &names, why);

	if (err)
		return err;
	e->sections = calloc(count, sizeof(*e->sections));
	if (!e->sections) {
		*why = "out of memory";
		return -ENOMEM;
	}
	e->nr_sections = count;
	for (i = 0; i < count; i++) {
		if (read_shdr(e, eh->e_shoff, i, &sh))
			return -ENOEXEC;	/* cannot happen: count was bounded */
		copy_section(e, &sh, &e->sections[i]);
	}
	if (names >= count) {
		*why = "no section name table";
		return -ENOEXEC;
	}
	for (i = 0; i < count; i++) {
		if (read_shdr(e, eh->e_shoff, i, &sh))
			return -ENOEXEC;
		e->sections[i].name = string_at(e, names, sh.sh_name);
	}
	return 0;
}

/* A power of two no larger than REL_MAX_ALIGN. */
static uint64_t layout_align(uint64_t align)
{
	uint64_t a = 1;

	while (a < align && a < REL_MAX_ALIGN)
		a <<= 1;
	return a;
}

/* Relocatable objects: made-up addresses, sections one after the other. */
static int lay_out_sections(struct elf_image *e, const char **why)
{
	uint64_t next = REL_BASE;
	size_t i;

	for (i = 0; i < e->nr_sections; i++) {
		struct elf_section *s = &e->sections[i];
		uint64_t a = layout_align(s->align);

		if (!(s->flags & SHF_ALLOC))
			continue;
		next = (next + a - 1) & ~(a - 1);
		if (s->size > REL_LIMIT - next) {
			*why = "sections too large to lay out";
			return -ENOEXEC;
		}
		s->addr = next;
		next += s->size;
	}
	return 0;
}

static int compare_by_addr(const void *a, const void *b, void *arg)
{
	const struct elf_image *e = arg;
	const struct elf_section *x = &e->sections[*(const size_t *)a];
	const struct elf_section *y = &e->sections[*(const size_t *)b];

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/*
 * .tbss takes no room in the address space: its addresses overlap the
 * sections that follow it.
 */
static bool occupies_addresses(const struct elf_section *s)
{
	if (!(s->flags & SHF_ALLOC) || s->size == 0)
		return false;
	if (s->addr > UINT64_MAX - s->size)
		return false;
	return !((s->flags & SHF_TLS) && s->type == SHT_NOBITS);
}

static int index_sections(struct elf_image *e)
{
	size_t i;

	e->by_addr = calloc(e->nr_sections, sizeof(*e->by_addr));
	if (!e->by_addr)
		return -ENOMEM;
	for (i = 0; i < e->nr_sections; i++)
		if (occupies_addresses(&e->sections[i]))
			e->by_addr[e->nr_by_addr++] = i;
	qsort_r(e->by_addr, e->nr_by_addr, sizeof(*e->by_addr),
		compare_by_addr, e);
	return 0;
}

const struct elf_section *elf_section_at(const struct elf_image *e,
					 uint64_t addr)
{
	size_t lo = 0, hi = e->nr_by_addr;
	const struct elf_section *s;

	/* the last section starting at or before @addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->sections[e->by_addr[mid]].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &e->sections[e->by_addr[lo - 1]];
	return addr - s->addr < s->size ? s : NULL;
}

const uint8_t *elf_bytes_at(const struct elf_image *e, uint64_t addr,
			    size_t *avail)
{
	const struct elf_section *s = elf_section_at(e, addr);

	if (!s || !s->data)
		return NULL;
	*avail = s->size - (addr - s->addr);
	return s->data + (addr - s->addr);
}

int elf_read_field(const struct elf_image *e, uint64_t addr,
		   unsigned int width, uint64_t *value)
{
	size_t avail;
	const uint8_t *p = elf_bytes_at(e, addr, &avail);
	unsigned int i;

	if (!p || avail < width || width > 8)
		return -ENODATA;
	*value = 0;
	for (i = 0; i < width; i++)
		*value |= (uint64_t)p[i] << (8 * i);
	return 0;
}

/* The address of a symbol of section @shndx with value @value. */
static bool symbol_address(const struct elf_image *e, uint16_t shndx,
			   uint64_t value, uint64_t *addr)
{
	if (shndx == SHN_UNDEF || shndx == SHN_COMMON || shndx == SHN_XINDEX)
		return false;
	if (shndx == SHN_ABS || !elf_is_relocatable(e)) {
		*addr = value;
		return true;
	}
	if (shndx >= e->nr_sections ||
	    !(e->sections[shndx].flags & SHF_ALLOC))
		return false;
	*addr = e->sections[shndx].addr + value;
	return true;
}

int elf_symbol(const struct elf_image *e, uint32_t symtab, uint32_t index,
	       struct elf_symbol *out)
{
	const struct elf_section *s;
	Elf64_Sym sym;

	if (symtab == 0 || symtab >= e->nr_sections)
		return -ENOENT;
	s = &e->sections[symtab];
	if ((s->type != SHT_SYMTAB && s->type != SHT_DYNSYM) || !s->data ||
	    index >= s->size / sizeof(sym))
		return -ENOENT;
	memcpy(&sym, s->data + (uint64_t)index * sizeof(sym), sizeof(sym));
	memset(out, 0, sizeof(*out));
	out->type = ELF64_ST_TYPE(sym.st_info);
	out->bind = ELF64_ST_BIND(sym.st_info);
	out->size = sym.st_size;
	out->defined = symbol_address(e, sym.st_shndx, sym.st_value, &out->addr);
	out->section = out->defined && sym.st_shndx < e->nr_sections ?
		       sym.st_shndx : 0;
	out->name = string_at(e, s->link, sym.st_name);
	/* a section symbol is named after its section */
	if (out->type == STT_SECTION && out->section)
		out->name = e->sections[out->section].name;
	return 0;
}

/* Assembler-local labels and arm64/riscv mapping symbols name nothing. */
static bool names_something(const struct elf_symbol *sym)
{
	if (!sym->defined || !sym->name[0] || sym->name[0] == '$')
		return false;
	if (!strncmp(sym->name, ".L", 2))
		return false;
	return sym->type != STT_SECTION && sym->type != STT_FILE;
}

static bool is_function(const struct elf_image *e, const struct elf_symbol *sym)
{
	const struct elf_section *s;

	if (sym->type != STT_FUNC && sym->type != STT_GNU_IFUNC)
		return false;
	s = elf_section_at(e, sym->addr);
	return s && elf_section_is_code(s);
}

/*
 * Sorted by address; among symbols at one address the typed ones (not
 * the linker's __DATA_BEGIN__ and the like), then the global ones, then
 * the largest come first: the name a reader expects for an alias.
 */
static int compare_symbols(const void *a, const void *b)
{
	const struct elf_symbol *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if ((x->type == STT_NOTYPE) != (y->type == STT_NOTYPE))
		return x->type == STT_NOTYPE ? 1 : -1;
	if ((x->bind == STB_LOCAL) != (y->bind == STB_LOCAL))
		return x->bind == STB_LOCAL ? 1 : -1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Keep the preferred (first sorted) of the symbols at each address. */
static size_t one_per_address(struct elf_symbol *syms, size_t n)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++)
		if (kept == 0 || syms[kept - 1].addr != syms[i].addr)
			syms[kept++] = syms[i];
	return kept;
}

static size_t find_symtab(const struct elf_image *e, uint32_t type)
{
	size_t i;

	for (i = 1; i < e->nr_sections; i++)
		if (e->sections[i].type == type && e->sections[i].data)
			return i;
	return 0;
}

static int read_symbols(struct elf_image *e)
{
	size_t tab = find_symtab(e, SHT_SYMTAB), n, i;
	struct elf_symbol sym;

	e->symbols_complete = tab != 0;
	if (!tab)
		tab = find_symtab(e, SHT_DYNSYM);
	if (!tab)
		return 0;
	n = e->sections[tab].size / sizeof(Elf64_Sym);
	e->named = calloc(n ? n : 1, sizeof(*e->named));
	e->functions = calloc(n ? n : 1, sizeof(*e->functions));
	if (!e->named || !e->functions)
		return -ENOMEM;
	for (i = 1; i < n; i++) {
		if (elf_symbol(e, tab, i, &sym) || !names_something(&sym))
			continue;
		e->named[e->nr_named++] = sym;
		if (is_function(e, &sym))
			e->functions[e->nr_functions++] = sym;
	}
	qsort(e->named, e->nr_named, sizeof(sym), compare_symbols);
	qsort(e->functions, e->nr_functions, sizeof(sym), compare_symbols);
	e->nr_named = one_per_address(e->named, e->nr_named);
	e->nr_functions = one_per_address(e->functions, e->nr_functions);
	return 0;
}

/* Index of the first symbol starting after @addr (binary search). */
static size_t first_after(const struct elf_symbol *syms, size_t n,
			  uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The symbol of @syms whose object holds @addr: the nearest one starting
 * at or before it, as far as its size, or when it has none (assembler
 * code without .size) as far as the next symbol in its section.
 */
static const struct elf_symbol *containing(const struct elf_image *e,
					   const struct elf_symbol *syms,
					   size_t n, uint64_t addr)
{
	size_t next = first_after(syms, n, addr);
	const struct elf_symbol *sym;

	if (next == 0)
		return NULL;
	sym = &syms[next - 1];	/* one symbol per address: the preferred */
	if (sym->size)
		return addr - sym->addr < sym->size ? sym : NULL;
	return elf_section_at(e, sym->addr) == elf_section_at(e, addr) ?
	       sym : NULL;
}

const struct elf_symbol *elf_function_containing(const struct elf_image *e,
						 uint64_t addr)
{
	return containing(e, e->functions, e->nr_functions, addr);
}

const struct elf_symbol *elf_symbol_containing(const struct elf_image *e,
					       uint64_t addr)
{
	return containing(e, e->named, e->nr_named, addr);
}

const struct elf_symbol *elf_function_at(const struct elf_image *e,
					 uint64_t addr)
{
	const struct elf_symbol *sym = elf_function_containing(e, addr);

	return sym && sym->addr == addr ? sym : NULL;
}

const struct elf_symbol *elf_function_after(const struct elf_image *e,
					    uint64_t addr)
{
	size_t i = first_after(e->functions, e->nr_functions, addr);
	const struct elf_symbol *sym;

	if (i == e->nr_functions)
		return NULL;
	sym = &e->functions[i];
	return elf_section_at(e, sym->addr) == elf_section_at(e, addr) ?
	       sym : NULL;
}

void elf_format_addr(const struct elf_image *e, uint64_t addr, char *buf,
		     size_t len)
{
	const struct elf_section *s = elf_section_at(e, addr);

	if (!elf_is_relocatable(e))
		snprintf(buf, len, "0x%" PRIx64, addr);
	else if (s)
		snprintf(buf, len, "%s+0x%" PRIx64, s->name, addr - s->addr);
	else
		snprintf(buf, len, "?+0x%" PRIx64, addr);
}

int elf_open(struct elf_image *e, const char *file, const uint8_t *data,
	     size_t size, const char **why)
{
	Elf64_Ehdr eh;
	int err;

	memset(e, 0, sizeof(*e));
	e->file = file;
	e->data = data;
	e->size = size;
	err = read_header(e, &eh, why);
	if (!err)
		err = read_sections(e, &eh, why);
	if (!err && elf_is_relocatable(e))
		err = lay_out_sections(e, why);
	if (!err && (index_sections(e) || read_symbols(e) || reloc_index(e))) {
		*why = "out of memory";
		err = -ENOMEM;
	}
	if (err)
		elf_close(e);
	return err;
}

void elf_close(struct elf_image *e)
{
	free(e->sections);
	free(e->by_addr);
	free(e->functions);
	free(e->named);
	free(e->relocs);
	memset(e, 0, sizeof(*e));
}
