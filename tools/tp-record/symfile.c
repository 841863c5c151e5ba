// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The symbol files of a data directory: for each object of a session's
 * map, <basename>.sym lists its functions, one "ADDRESS T NAME" line each
 * in address order, addresses relative to the object's first loaded
 * segment (where its map line starts), after three comment lines (count,
 * path, build-id): the form uftrace reads.  Read from the object's ELF
 * file (.symtab, else .dynsym); every offset and size is checked against
 * the file before it is used.
 *
 * The calls the agent traces at the PLT are recorded under the address
 * of their GOT slot: each slot of .rela.plt is listed too, as a "P"
 * symbol (uftrace's type for the PLT) named after the slot's symbol.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"

struct sym {
	uint64_t addr;
	uint64_t size;
	const char *name;
};

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static uint64_t first_load(const uint8_t *data, size_t size, const Elf64_Ehdr *eh)
{
	uint64_t lo = UINT64_MAX;

	if (eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return 0;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(data + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type == PT_LOAD && ph->p_vaddr < lo)
			lo = ph->p_vaddr;
	}
	return lo == UINT64_MAX ? 0 : lo & ~(uint64_t)0xfff;
}

/* The functions of the symbol table of type @type; 0, or -errno. */
static int read_symtab(const uint8_t *data, size_t size, const Elf64_Ehdr *eh, uint32_t type,
		       struct sym **out, size_t *nr)
{
	const Elf64_Shdr *sh = (const void *)(data + eh->e_shoff);

	*out = NULL;
	*nr = 0;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *strs;
		size_t n;

		if (sh[i].sh_type != type || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    sh[i].sh_link >= eh->e_shnum || !in_file(size, sh[i].sh_offset, sh[i].sh_size))
			continue;
		strs = &sh[sh[i].sh_link];
		if (!in_file(size, strs->sh_offset, strs->sh_size) || !strs->sh_size ||
		    data[strs->sh_offset + strs->sh_size - 1])
			continue;
		n = sh[i].sh_size / sizeof(Elf64_Sym);
		*out = calloc(n ? n : 1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		for (size_t k = 0; k < n; k++) {
			const Elf64_Sym *s = (const void *)(data + sh[i].sh_offset + k * sizeof(*s));

			if (ELF64_ST_TYPE(s->st_info) != STT_FUNC && ELF64_ST_TYPE(s->st_info) != STT_GNU_IFUNC)
				continue;
			if (s->st_shndx == SHN_UNDEF || !s->st_value || s->st_name >= strs->sh_size)
				continue;
			(*out)[*nr].addr = s->st_value;
			(*out)[*nr].size = s->st_size;
			(*out)[*nr].name = (const char *)data + strs->sh_offset + s->st_name;
			if (*(*out)[*nr].name)
				(*nr)++;
		}
		return 0;
	}
	return 0;
}

/* The relocation type of a GOT slot of the PLT, by machine; 0 unknown. */
static uint32_t jump_slot_type(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64:
		return R_X86_64_JUMP_SLOT;
	case EM_AARCH64:
		return R_AARCH64_JUMP_SLOT;
	case EM_RISCV:
		return R_RISCV_JUMP_SLOT;
	}
	return 0;
}

/* The GOT slots of .rela.plt, named after their symbols; 0, or -errno. */
static int read_plt_slots(const uint8_t *data, size_t size, const Elf64_Ehdr *eh,
			  struct sym **out, size_t *nr)
{
	const Elf64_Shdr *sh = (const void *)(data + eh->e_shoff);
	const Elf64_Shdr *names, *syms, *strs;
	uint32_t type = jump_slot_type(eh->e_machine);

	*out = NULL;
	*nr = 0;
	if (!type || eh->e_shstrndx >= eh->e_shnum)
		return 0;
	names = &sh[eh->e_shstrndx];
	if (!in_file(size, names->sh_offset, names->sh_size))
		return 0;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		static const char want[] = ".rela.plt";
		size_t n;

		if (sh[i].sh_type != SHT_RELA || sh[i].sh_entsize != sizeof(Elf64_Rela) ||
		    sh[i].sh_name >= names->sh_size ||
		    names->sh_size - sh[i].sh_name < sizeof(want) ||
		    memcmp(data + names->sh_offset + sh[i].sh_name, want, sizeof(want)) ||
		    !in_file(size, sh[i].sh_offset, sh[i].sh_size) || sh[i].sh_link >= eh->e_shnum)
			continue;
		syms = &sh[sh[i].sh_link];
		if (syms->sh_entsize != sizeof(Elf64_Sym) || syms->sh_link >= eh->e_shnum ||
		    !in_file(size, syms->sh_offset, syms->sh_size))
			return 0;
		strs = &sh[syms->sh_link];
		if (!in_file(size, strs->sh_offset, strs->sh_size) || !strs->sh_size ||
		    data[strs->sh_offset + strs->sh_size - 1])
			return 0;
		n = sh[i].sh_size / sizeof(Elf64_Rela);
		*out = calloc(n ? n : 1, sizeof(**out));
		if (!*out)
			return -ENOMEM;
		for (size_t k = 0; k < n; k++) {
			const Elf64_Rela *r = (const void *)(data + sh[i].sh_offset + k * sizeof(*r));
			uint64_t idx = ELF64_R_SYM(r->r_info);
			const Elf64_Sym *s;

			if (ELF64_R_TYPE(r->r_info) != type || !idx ||
			    idx >= syms->sh_size / sizeof(Elf64_Sym))
				continue;
			s = (const void *)(data + syms->sh_offset + idx * sizeof(*s));
			if (!s->st_name || s->st_name >= strs->sh_size)
				continue;
			(*out)[*nr].addr = r->r_offset;
			(*out)[*nr].size = 8;
			(*out)[*nr].name = (const char *)data + strs->sh_offset + s->st_name;
			(*nr)++;
		}
		return 0;
	}
	return 0;
}

int write_symfile(const char *dir, const char *path, const char *build_id)
{
	const char *base = strrchr(path, '/');
	char *out_path = NULL;
	struct sym *syms = NULL, *slots = NULL;
	size_t nr = 0, nr_slots = 0, size;
	const Elf64_Ehdr *eh;
	struct stat st;
	uint8_t *data;
	uint64_t lo, end = 0;
	FILE *f;
	int fd, err = 0;

	base = base ? base + 1 : path;
	if (asprintf(&out_path, "%s/%s.sym", dir, base) < 0)
		return -ENOMEM;
	if (!access(out_path, F_OK)) {
		free(out_path);
		return 0;	/* written for another session already */
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		err = fd < 0 ? -errno : -EINVAL;
		if (fd >= 0)
			close(fd);
		free(out_path);
		return err;
	}
	size = st.st_size;
	data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED) {
		free(out_path);
		return -errno;
	}
	eh = (const void *)data;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_file(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		err = -EINVAL;
		goto out;
	}
	lo = first_load(data, size, eh);
	err = read_symtab(data, size, eh, SHT_SYMTAB, &syms, &nr);
	if (!err && !nr) {
		free(syms);
		err = read_symtab(data, size, eh, SHT_DYNSYM, &syms, &nr);
	}
	if (!err)
		err = read_plt_slots(data, size, eh, &slots, &nr_slots);
	if (err)
		goto out;
	qsort(syms, nr, sizeof(*syms), by_addr);
	qsort(slots, nr_slots, sizeof(*slots), by_addr);
	f = fopen(out_path, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	fprintf(f, "# symbols: %zu\n# path name: %s\n# build-id: %s\n", nr + nr_slots, path,
		build_id ? build_id : "");
	for (size_t i = 0; i < nr; i++) {
		if (i && syms[i].addr == syms[i - 1].addr)
			continue;
		fprintf(f, "%016llx T %s\n", (unsigned long long)(syms[i].addr - lo),
			syms[i].name);
		if (syms[i].addr + syms[i].size > end)
			end = syms[i].addr + syms[i].size;
	}
	/* where the last function ends: readers size each symbol by the next */
	if (nr)
		fprintf(f, "%016llx ? __func_end\n", (unsigned long long)(end - lo));
	for (size_t i = 0; i < nr_slots; i++)
		fprintf(f, "%016llx P %s\n", (unsigned long long)(slots[i].addr - lo),
			slots[i].name);
	if (nr_slots)
		fprintf(f, "%016llx ? __dynsym_end\n",
			(unsigned long long)(slots[nr_slots - 1].addr + 8 - lo));
	if (fclose(f))
		err = -EIO;
out:
	free(syms);
	free(slots);
	munmap(data, size);
	free(out_path);
	return err;
}

/* Does the ELF file at @path have patchable function entries? -errno if unreadable. */
int has_patchable_entries(const char *path)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	struct stat st;
	uint8_t *data;
	int fd, found = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return -EINVAL;
	}
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		return -errno;
	eh = (const void *)data;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum ||
	    !in_file(st.st_size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr))) {
		munmap(data, st.st_size);
		return -ENOEXEC;
	}
	sh = (const void *)(data + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum && !found; i++) {
		const Elf64_Shdr *names = &sh[eh->e_shstrndx];
		static const char want[] = "__patchable_function_entries";

		if (sh[i].sh_name < names->sh_size &&
		    in_file(st.st_size, names->sh_offset + sh[i].sh_name, sizeof(want)) &&
		    !memcmp(data + names->sh_offset + sh[i].sh_name, want, sizeof(want)))
			found = 1;
	}
	munmap(data, st.st_size);
	return found;
}
