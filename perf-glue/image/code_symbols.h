/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The function symbols of the ELF files a trace ran, at the addresses
 * the process had them (file address plus load bias), for listings that
 * name where each branch went.  The symbol table (.symtab, else .dynsym)
 * of 64-bit little-endian files; every offset checked against the file.
 */
#ifndef PERF_GLUE_CODE_SYMBOLS_H
#define PERF_GLUE_CODE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct code_symbol {
	uint64_t addr, size;
	char *name;
};

struct code_symbols {
	struct code_symbol *syms;	/* sorted by address once looked up */
	size_t nr, cap;
	int sorted;
	char error[256];
};

void code_symbols_init(struct code_symbols *s);
void code_symbols_free(struct code_symbols *s);

/* The functions of @path moved by @bias.  0, -errno, or -EINVAL with s->error. */
int code_symbols_add_elf(struct code_symbols *s, const char *path, uint64_t bias);

/*
 * The function holding @addr (its size, or up to the next symbol when it
 * has none) and @addr's offset in it; NULL when none does.
 */
const char *code_symbols_lookup(struct code_symbols *s, uint64_t addr, uint64_t *offset);

#endif /* PERF_GLUE_CODE_SYMBOLS_H */
