// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The functions of the image's ELF files, so that a decoded path can be
 * printed as function+offset.  The symbol table (.symtab, or .dynsym in
 * a stripped file) is read from the buffer the segments came from, every
 * offset and size checked against it; a file without one, or with one
 * that does not fit, only lacks names.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "image/code_image.h"

/* A symbol table larger than this is not one a decoder needs to name. */
#define MAX_SYMBOLS	(1u << 22)

static bool fits(size_t size, uint64_t offset, uint64_t len)
{
	return offset <= size && len <= size - offset;
}

/* The section header @i of the file, or NULL if it does not fit. */
static const Elf64_Shdr *section(const uint8_t *buf, size_t size, const Elf64_Ehdr *eh,
				 unsigned int i, Elf64_Shdr *copy)
{
	uint64_t at = eh->e_shoff + (uint64_t)i * sizeof(*copy);

	if (i >= eh->e_shnum || eh->e_shentsize != sizeof(*copy) ||
	    !fits(size, at, sizeof(*copy)))
		return NULL;
	memcpy(copy, buf + at, sizeof(*copy));
	return copy;
}

/* The symbol table of @type and its string table, if both fit the file. */
static bool find_table(const uint8_t *buf, size_t size, const Elf64_Ehdr *eh, uint32_t type,
		       Elf64_Shdr *symtab, Elf64_Shdr *strtab)
{
	unsigned int i;

	for (i = 0; i < eh->e_shnum; i++) {
		if (!section(buf, size, eh, i, symtab) || symtab->sh_type != type)
			continue;
		if (symtab->sh_entsize != sizeof(Elf64_Sym) ||
		    !fits(size, symtab->sh_offset, symtab->sh_size) ||
		    !section(buf, size, eh, symtab->sh_link, strtab) ||
		    !fits(size, strtab->sh_offset, strtab->sh_size))
			return false;
		return true;
	}
	return false;
}

static int add_symbol(struct code_image *img, const Elf64_Sym *sym, const char *names,
		      size_t names_len, uint64_t bias)
{
	struct code_symbol *s;
	const char *name;
	size_t len;

	if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || !sym->st_value || !sym->st_size ||
	    sym->st_name >= names_len)
		return 0;
	name = names + sym->st_name;
	len = strnlen(name, names_len - sym->st_name);
	if (!len || len == names_len - sym->st_name)
		return 0;			/* unnamed, or not terminated inside its table */
	if (img->nr_symbols >= MAX_SYMBOLS)
		return 0;
	if (array_make_room(&img->symbols, &img->cap_symbols, img->nr_symbols, sizeof(*s), 64))
		return -ENOMEM;
	s = &img->symbols[img->nr_symbols];
	s->name = strndup(name, len);
	if (!s->name)
		return -ENOMEM;
	s->addr = sym->st_value + bias;
	s->size = sym->st_size;
	img->nr_symbols++;
	return 0;
}

int code_image_add_symbols(struct code_image *img, const uint8_t *buf, size_t size,
			   uint64_t bias)
{
	Elf64_Shdr symtab, strtab;
	Elf64_Ehdr eh;
	size_t i, n;
	int err = 0;

	if (size < sizeof(eh))
		return 0;
	memcpy(&eh, buf, sizeof(eh));
	if (!find_table(buf, size, &eh, SHT_SYMTAB, &symtab, &strtab) &&
	    !find_table(buf, size, &eh, SHT_DYNSYM, &symtab, &strtab))
		return 0;
	n = symtab.sh_size / sizeof(Elf64_Sym);
	for (i = 0; i < n && !err; i++) {
		Elf64_Sym sym;

		memcpy(&sym, buf + symtab.sh_offset + i * sizeof(sym), sizeof(sym));
		err = add_symbol(img, &sym, (const char *)buf + strtab.sh_offset, strtab.sh_size,
				 bias);
	}
	return err;
}

int code_image_take_symbol(struct code_image *img, const struct code_symbol *sym)
{
	struct code_symbol *s;

	if (img->frozen)
		return -EBUSY;
	if (array_make_room(&img->symbols, &img->cap_symbols, img->nr_symbols, sizeof(*s), 64))
		return -ENOMEM;
	s = &img->symbols[img->nr_symbols];
	s->name = strdup(sym->name);
	if (!s->name)
		return -ENOMEM;
	s->addr = sym->addr;
	s->size = sym->size;
	img->nr_symbols++;
	return 0;
}

static int by_address(const void *a, const void *b)
{
	const struct code_symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void code_image_sort_symbols(struct code_image *img)
{
	if (img->nr_symbols)
		qsort(img->symbols, img->nr_symbols, sizeof(*img->symbols), by_address);
}

const struct code_symbol *code_image_symbol(const struct code_image *img, uint64_t addr,
					    uint64_t *offset)
{
	size_t lo = 0, hi = img->nr_symbols;

	/* The last symbol starting at or before @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->symbols[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr - img->symbols[lo - 1].addr >= img->symbols[lo - 1].size)
		return NULL;
	*offset = addr - img->symbols[lo - 1].addr;
	return &img->symbols[lo - 1];
}
