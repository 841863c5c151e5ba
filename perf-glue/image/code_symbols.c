// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function symbols of ELF files (code_symbols.h).
 */
#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "image/code_symbols.h"

/* A binary larger than this is not one a listing needs. */
#define MAX_ELF_SIZE	(1ull << 31)

static int sym_fail(struct code_symbols *s, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return err;
}

void code_symbols_init(struct code_symbols *s)
{
	memset(s, 0, sizeof(*s));
}

void code_symbols_free(struct code_symbols *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->syms[i].name);
	free(s->syms);
	memset(s, 0, sizeof(*s));
}

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static int read_file(struct code_symbols *s, const char *path, uint8_t **buf, size_t *size)
{
	FILE *f = fopen(path, "re");
	long len;

	if (!f)
		return sym_fail(s, -errno, "%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || (uint64_t)len > MAX_ELF_SIZE ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return sym_fail(s, -EINVAL, "%s: not a file of a sane size", path);
	}
	*buf = malloc(len ? len : 1);
	if (!*buf || fread(*buf, 1, len, f) != (size_t)len) {
		free(*buf);
		fclose(f);
		return sym_fail(s, -EIO, "%s: short read", path);
	}
	fclose(f);
	*size = len;
	return 0;
}

static int add_symbol(struct code_symbols *s, uint64_t addr, uint64_t size, const char *name,
		      size_t max)
{
	struct code_symbol *sym;

	if (array_make_room(&s->syms, &s->cap, s->nr, sizeof(*sym), 256))
		return -ENOMEM;
	sym = &s->syms[s->nr];
	sym->name = strndup(name, max);
	if (!sym->name)
		return -ENOMEM;
	sym->addr = addr;
	sym->size = size;
	s->nr++;
	s->sorted = 0;
	return 0;
}

/* The function symbols of symbol table section @sh, its names in section @strtab. */
static int add_table(struct code_symbols *s, const uint8_t *buf, size_t size,
		     const Elf64_Shdr *sh, const Elf64_Shdr *strtab, uint64_t bias)
{
	size_t i, nr;

	if (sh->sh_entsize != sizeof(Elf64_Sym) || !in_file(size, sh->sh_offset, sh->sh_size) ||
	    !in_file(size, strtab->sh_offset, strtab->sh_size))
		return -EINVAL;
	nr = sh->sh_size / sizeof(Elf64_Sym);
	for (i = 0; i < nr; i++) {
		Elf64_Sym sym;
		int err;

		memcpy(&sym, buf + sh->sh_offset + i * sizeof(sym), sizeof(sym));
		if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value ||
		    sym.st_name >= strtab->sh_size)
			continue;
		err = add_symbol(s, sym.st_value + bias, sym.st_size,
				 (const char *)buf + strtab->sh_offset + sym.st_name,
				 strtab->sh_size - sym.st_name);
		if (err)
			return err;
	}
	return 0;
}

static int add_symbols(struct code_symbols *s, const char *path, const uint8_t *buf, size_t size,
		       uint64_t bias)
{
	const Elf64_Shdr *shdrs;
	Elf64_Ehdr eh;
	Elf64_Shdr *copy;
	unsigned int want, i;
	int err = 0;

	if (size < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG))
		return sym_fail(s, -EINVAL, "%s: not an ELF file", path);
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(size, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
		return sym_fail(s, -EINVAL, "%s: no section headers to read", path);
	/* Aligned copies: the file's headers may sit anywhere. */
	copy = calloc(eh.e_shnum ? eh.e_shnum : 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf + eh.e_shoff, (size_t)eh.e_shnum * sizeof(*copy));
	shdrs = copy;
	/* The full table when the file has one, else the dynamic one. */
	for (want = SHT_SYMTAB; ; want = SHT_DYNSYM) {
		for (i = 0; i < eh.e_shnum; i++) {
			if (shdrs[i].sh_type != want)
				continue;
			if (shdrs[i].sh_link >= eh.e_shnum) {
				err = -EINVAL;
				break;
			}
			err = add_table(s, buf, size, &shdrs[i], &shdrs[shdrs[i].sh_link], bias);
			goto out;
		}
		if (want == SHT_DYNSYM)
			break;
	}
out:
	free(copy);
	return err == -EINVAL ? sym_fail(s, err, "%s: a corrupt symbol table", path) : err;
}

int code_symbols_add_elf(struct code_symbols *s, const char *path, uint64_t bias)
{
	uint8_t *buf = NULL;
	size_t size = 0;
	int err;

	err = read_file(s, path, &buf, &size);
	if (err)
		return err;
	err = add_symbols(s, path, buf, size, bias);
	free(buf);
	return err;
}

static int by_addr(const void *a, const void *b)
{
	const struct code_symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

const char *code_symbols_lookup(struct code_symbols *s, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = s->nr;
	const struct code_symbol *sym;

	if (!s->sorted) {
		qsort(s->syms, s->nr, sizeof(*s->syms), by_addr);
		s->sorted = 1;
	}
	/* The last symbol at or below @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	sym = &s->syms[lo - 1];
	if (sym->size ? addr - sym->addr >= sym->size
		      : lo < s->nr && addr >= s->syms[lo].addr)
		return NULL;
	*offset = addr - sym->addr;
	return sym->name;
}
