/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A read-only view of one ELF64 little-endian file of any of textpoke's
 * architectures, taken from a buffer that may hold anything: every
 * offset, size and index is checked against the buffer before use, and a
 * part that fails the check is treated as absent, never read.
 *
 * Addresses: a linked file (ET_EXEC, ET_DYN) uses its link addresses.  A
 * relocatable object (ET_REL) has none, so its allocated sections are
 * laid out one after the other from a made-up base, as a linker would,
 * and every address of it is such a made-up one; elf_format_addr() prints
 * them as section+offset.
 */
#ifndef SITES_ELF_H
#define SITES_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sites_arch;

struct elf_section {
	const char *name;
	uint32_t type;
	uint64_t flags;
	uint64_t addr;
	uint64_t size;
	uint64_t align;
	uint64_t entsize;
	uint32_t link;
	uint32_t info;
	const uint8_t *data;	/* its bytes; NULL for NOBITS or out of the file */
	/*
	 * Relocatable objects only: the lowest address at which the linker
	 * may shrink code by relaxation (riscv R_RISCV_RELAX/ALIGN), so the
	 * offsets of everything after it are not final; UINT64_MAX if none.
	 */
	uint64_t first_relax;
};

struct elf_symbol {
	const char *name;	/* never NULL; "" when unnamed or unreadable */
	uint64_t addr;
	uint64_t size;
	uint32_t section;	/* its section index; 0 when not defined */
	unsigned char type;	/* STT_* */
	unsigned char bind;	/* STB_* */
	bool defined;
};

struct elf_reloc {
	uint64_t where;		/* address of the patched field */
	int64_t addend;
	uint32_t type;
	uint32_t symtab;	/* section index of the symbol table */
	uint32_t sym;
	uint32_t seq;		/* order in the file, for equal @where */
};

struct elf_image {
	const char *file;
	const uint8_t *data;
	size_t size;
	uint16_t type;		/* ET_* */
	uint16_t machine;
	const struct sites_arch *arch;

	struct elf_section *sections;
	size_t nr_sections;
	size_t *by_addr;	/* allocated sections, sorted by address */
	size_t nr_by_addr;

	struct elf_symbol *functions;	/* sorted by address */
	size_t nr_functions;
	struct elf_symbol *named;	/* every named defined symbol, sorted */
	size_t nr_named;
	/* .symtab was read (every function has a symbol), not just .dynsym */
	bool symbols_complete;

	struct elf_reloc *relocs;	/* sorted by address */
	size_t nr_relocs;
};

/*
 * Read the file in @data (kept, not copied).  Returns 0, or a negative
 * errno with a reason in @why (a file that is not ELF64 LE, has no usable
 * section table, or is of a machine textpoke does not support).
 */
int elf_open(struct elf_image *e, const char *file, const uint8_t *data,
	     size_t size, const char **why);
void elf_close(struct elf_image *e);

bool elf_is_relocatable(const struct elf_image *e);
bool elf_section_is_code(const struct elf_section *s);

/* The allocated section holding @addr, or NULL. */
const struct elf_section *elf_section_at(const struct elf_image *e,
					 uint64_t addr);

/*
 * The bytes at @addr, up to the end of their section (*@avail of them),
 * or NULL if there are none in the file.
 */
const uint8_t *elf_bytes_at(const struct elf_image *e, uint64_t addr,
			    size_t *avail);

/* Little-endian field of @width (1..8) bytes at @addr; -ENODATA if absent. */
int elf_read_field(const struct elf_image *e, uint64_t addr,
		   unsigned int width, uint64_t *value);

/* Function symbols: the one starting at, containing, or next after @addr. */
const struct elf_symbol *elf_function_at(const struct elf_image *e,
					 uint64_t addr);
const struct elf_symbol *elf_function_containing(const struct elf_image *e,
						 uint64_t addr);
const struct elf_symbol *elf_function_after(const struct elf_image *e,
					    uint64_t addr);
/* Any named symbol whose object holds @addr, for naming data. */
const struct elf_symbol *elf_symbol_containing(const struct elf_image *e,
					       uint64_t addr);

/* Read symbol @index of the symbol table in section @symtab. */
int elf_symbol(const struct elf_image *e, uint32_t symtab, uint32_t index,
	       struct elf_symbol *out);

/* "0x1234", or "section+0x12" for a relocatable object. */
void elf_format_addr(const struct elf_image *e, uint64_t addr, char *buf,
		     size_t len);

#endif /* SITES_ELF_H */
