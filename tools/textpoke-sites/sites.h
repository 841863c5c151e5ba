/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textpoke-sites: the patch sites of one ELF file and what is wrong with
 * them.  sites_check() reads the three site tables, checks every site
 * against the file's final bytes and collects one problem per thing
 * wrong; report.c prints them.  Nothing here exits or aborts on bad
 * input: a damaged file is a list of problems.
 */
#ifndef SITES_SITES_H
#define SITES_SITES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "elf_image.h"

#define PATCHABLE_SECTION	"__patchable_function_entries"
#define MCOUNT_SECTION		"__mcount_loc"
#define JUMP_TABLE_SECTION	"__tp_jump_table"

enum site_kind {
	SITE_PATCHABLE,
	SITE_MCOUNT,
	SITE_JUMP,
	NR_SITE_KINDS
};

struct site {
	enum site_kind kind;
	uint64_t addr;		/* as recorded in the table */
	size_t entry;		/* index in its table */
	/* bytes it covers from @addr, once its instructions were found */
	uint64_t len;
	const char *symbol;	/* its function (or, in data, object), or NULL */
	char detail[160];	/* what was found, for the listing */
	unsigned int nr_problems;
};

#define NO_SITE		SIZE_MAX

struct problem {
	size_t site;		/* index in sites_file.sites, or NO_SITE */
	size_t seq;
	char text[256];
};

struct sites_file {
	const char *name;
	struct elf_image elf;
	bool opened;
	struct site *sites;
	size_t nr_sites;
	size_t cap_sites;
	struct problem *problems;
	size_t nr_problems;
	size_t cap_problems;
	size_t *order;		/* sites by address, for checks and output */
	bool out_of_memory;
};

/*
 * Check @size bytes at @data, named @name in messages.  Returns the
 * number of problems (also in @f), or -ENOMEM (then @f is incomplete).  Release @f with
 * sites_release() whatever it returns.
 */
int sites_check(struct sites_file *f, const char *name, const uint8_t *data,
		size_t size);
void sites_release(struct sites_file *f);

const char *site_kind_name(enum site_kind kind);

/* Used by the checks of each kind. */
size_t site_add(struct sites_file *f, enum site_kind kind, uint64_t addr,
		size_t entry);
void site_problem(struct sites_file *f, size_t site, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void file_problem(struct sites_file *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append to a site's detail text. */
void site_detail(struct sites_file *f, size_t site, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The executable section of the instruction at @addr, aligned to @align
 * once linked; NULL after reporting why not (@what names the address:
 * "site", "jump target").
 */
const struct elf_section *site_code(struct sites_file *f, size_t site,
				    uint64_t addr, unsigned int align,
				    const char *what);

/* Length of the landing pad (endbr64, BTI C) at @addr, or 0. */
unsigned int site_landing_pad(const struct sites_file *f, uint64_t addr);

/* Name a site after the function that holds its address, if any. */
const struct elf_symbol *site_name_function(struct sites_file *f, size_t site);

/* "0x1234" / ".text+0x10", in a buffer of the caller's */
#define ADDR_LEN	96
const char *site_addr(const struct sites_file *f, uint64_t addr,
		      char buf[ADDR_LEN]);
/* "f3 0f 1e fa" for the first bytes at @addr, or "nothing" */
const char *site_bytes(const struct sites_file *f, uint64_t addr,
		       size_t count, char buf[ADDR_LEN]);

/*
 * Entry @index of a table of addresses (__patchable_function_entries,
 * __mcount_loc): a new site at the address it holds once relocated, or
 * NO_SITE after reporting why there is none.
 */
size_t site_from_address(struct sites_file *f, const struct elf_section *table,
			 size_t index, enum site_kind kind);

/* Every table section named @name, each entry read by @read_entry. */
void sites_each_table(struct sites_file *f, const char *name,
		      unsigned int entry_size,
		      void (*read_entry)(struct sites_file *f,
					 const struct elf_section *table,
					 size_t index));

void patchable_read_entry(struct sites_file *f,
			  const struct elf_section *table, size_t index);
void mcount_read_entry(struct sites_file *f, const struct elf_section *table,
		       size_t index);
void jump_table_read_entry(struct sites_file *f,
			   const struct elf_section *table, size_t index);

/* After all tables: duplicate and overlapping sites. */
void sites_check_overlaps(struct sites_file *f);

/* Output (report.c) */
struct report_options {
	bool json;
	bool quiet;	/* problems only */
};
void report_begin(FILE *out, const struct report_options *opt);
void report_file(FILE *out, FILE *err, const struct sites_file *f,
		 const struct report_options *opt, bool first);
void report_end(FILE *out, const struct report_options *opt,
		size_t nr_problems);

#endif /* SITES_SITES_H */
