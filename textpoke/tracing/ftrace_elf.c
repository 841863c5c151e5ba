// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Finding the traceable functions of a loaded object.  The compiler lists
 * every patchable entry in __patchable_function_entries (absolute
 * addresses, relocated by the loader like any data), but sections are
 * not visible at run time: the section header table is read from the
 * object's file, the records from memory, and the names from the file's
 * .symtab (or .dynsym when it is stripped).  Every record is checked
 * against the object's executable segments and the arch's layout before
 * it becomes a function: a file is input, not trusted.
 *
 * The file at the object's path may no longer be the one mapped (a
 * rebuilt copy renamed over it): its sections and names would describe
 * other code.  So the file must be the mapped object: the same build ID
 * as the one in memory, or without one the same device and inode as the
 * mapping.  If it is not, the mapped file itself is read through
 * /proc/self/map_files (which needs privileges); failing that, the object
 * has no traceable function.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ftrace_internal.h"

#define PFE_SECTION	"__patchable_function_entries"

struct elf_file {
	const uint8_t *data;
	size_t size;
	const ElfW(Shdr) *shdrs;
	size_t nr_shdrs;
	dev_t dev;			/* of the file opened */
	ino_t ino;
};

struct object_segments {
	uintptr_t bias;
	const ElfW(Phdr) *phdr;
	int phnum;
};

struct symbol {
	uintptr_t addr;
	const char *name;
	unsigned int rank;		/* GLOBAL first, then WEAK, then LOCAL */
};

static bool in_file(const struct elf_file *f, uint64_t off, uint64_t len)
{
	return off <= f->size && len <= f->size - off;
}

static int elf_open(struct elf_file *f, const char *path)
{
	const ElfW(Ehdr) *eh;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return -ENOEXEC;
	}
	f->size = st.st_size;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->data == MAP_FAILED)
		return -errno;
	eh = (const ElfW(Ehdr) *)f->data;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(ElfW(Shdr)) ||
	    !in_file(f, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(ElfW(Shdr))) ||
	    eh->e_shoff % sizeof(uint64_t)) {
		munmap((void *)f->data, f->size);
		return -ENOEXEC;
	}
	f->shdrs = (const ElfW(Shdr) *)(f->data + eh->e_shoff);
	f->nr_shdrs = eh->e_shnum;
	return 0;
}

/* The NUL-terminated string at @off of string table section @index. */
static const char *elf_string(const struct elf_file *f, size_t index, uint64_t off)
{
	const ElfW(Shdr) *sh;
	const char *s;

	if (index >= f->nr_shdrs)
		return NULL;
	sh = &f->shdrs[index];
	if (sh->sh_type != SHT_STRTAB || !in_file(f, sh->sh_offset, sh->sh_size) ||
	    off >= sh->sh_size)
		return NULL;
	s = (const char *)f->data + sh->sh_offset + off;
	return memchr(s, '\0', sh->sh_size - off) ? s : NULL;
}

static const char *section_name(const struct elf_file *f, const ElfW(Shdr) *sh)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)f->data;

	return elf_string(f, eh->e_shstrndx, sh->sh_name);
}

/* Bytes of the segment with @flags that hold [addr, addr + len), or 0. */
static size_t segment_room(const struct object_segments *seg, uintptr_t addr,
			   size_t len, unsigned int flags)
{
	int i;

	for (i = 0; i < seg->phnum; i++) {
		const ElfW(Phdr) *ph = &seg->phdr[i];
		uintptr_t start = seg->bias + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;

		if (ph->p_type != PT_LOAD || (ph->p_flags & flags) != flags)
			continue;
		if (addr >= start && addr < end && len <= end - addr)
			return end - addr;
	}
	return 0;
}

static int add_func(struct ftrace_object *obj, size_t *cap,
		    const struct ftrace_layout *layout)
{
	struct ftrace_func *f;

	if (obj->nr == *cap) {
		size_t more = *cap ? *cap * 2 : 64;

		f = realloc(obj->funcs, more * sizeof(*f));
		if (!f)
			return -ENOMEM;
		obj->funcs = f;
		*cap = more;
	}
	f = &obj->funcs[obj->nr++];
	memset(f, 0, sizeof(*f));
	f->layout = *layout;
	memcpy(f->compiled, (const void *)layout->site, layout->site_len);
	return 0;
}

/* The records of one __patchable_function_entries section, from memory. */
static int read_records(struct ftrace_object *obj, size_t *cap,
			const struct object_segments *seg, const ElfW(Shdr) *sh)
{
	uintptr_t start = seg->bias + sh->sh_addr;
	size_t i, n = sh->sh_size / sizeof(uint64_t);

	if (sh->sh_size % sizeof(uint64_t) || start % sizeof(uint64_t) ||
	    !segment_room(seg, start, sh->sh_size, PF_R))
		return -ENOEXEC;
	for (i = 0; i < n; i++) {
		uintptr_t record = ((const uint64_t *)start)[i];
		size_t room = segment_room(seg, record, 2 * FTRACE_SLOT_SIZE, PF_X | PF_R);
		struct ftrace_layout layout;
		int err;

		if (!room || arch_ftrace_layout(record, room, &layout)) {
			obj->nr_refused++;
			continue;
		}
		err = add_func(obj, cap, &layout);
		if (err)
			return err;
	}
	return 0;
}

static int compare_funcs(const void *a, const void *b)
{
	const struct ftrace_func *x = a, *y = b;

	return x->layout.func < y->layout.func ? -1 : x->layout.func > y->layout.func;
}

static int compare_symbols(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (int)x->rank - (int)y->rank;
}

static unsigned int binding_rank(unsigned int bind)
{
	return bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
}

/* The defined functions of symbol table @sh, sorted by address. */
static struct symbol *read_symbols(const struct elf_file *f, const ElfW(Shdr) *sh,
				   uintptr_t bias, size_t *nr)
{
	const ElfW(Sym) *syms = (const ElfW(Sym) *)(f->data + sh->sh_offset);
	size_t i, n = sh->sh_size / sizeof(ElfW(Sym));
	struct symbol *out;

	*nr = 0;
	if (!in_file(f, sh->sh_offset, sh->sh_size) || sh->sh_offset % sizeof(uint64_t))
		return NULL;
	out = calloc(n ? n : 1, sizeof(*out));
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *name;

		if (ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC ||
		    syms[i].st_shndx == SHN_UNDEF)
			continue;
		name = elf_string(f, sh->sh_link, syms[i].st_name);
		if (!name || !*name)
			continue;
		out[*nr].addr = bias + syms[i].st_value;
		out[*nr].name = name;
		out[*nr].rank = binding_rank(ELF64_ST_BIND(syms[i].st_info));
		(*nr)++;
	}
	qsort(out, *nr, sizeof(*out), compare_symbols);
	return out;
}

static const struct symbol *symbol_at(const struct symbol *syms, size_t nr,
				      uintptr_t addr)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nr && syms[lo].addr == addr ? &syms[lo] : NULL;
}

static const ElfW(Shdr) *find_symtab(const struct elf_file *f)
{
	const ElfW(Shdr) *dynsym = NULL;
	size_t i;

	for (i = 0; i < f->nr_shdrs; i++) {
		if (f->shdrs[i].sh_type == SHT_SYMTAB)
			return &f->shdrs[i];
		if (f->shdrs[i].sh_type == SHT_DYNSYM)
			dynsym = &f->shdrs[i];
	}
	return dynsym;
}

/* Names for the functions; one allocation per name, freed with the object. */
static int name_funcs(struct ftrace_object *obj, const struct elf_file *f,
		      uintptr_t bias)
{
	const ElfW(Shdr) *symtab = find_symtab(f);
	struct symbol *syms;
	size_t i, nr;

	if (!symtab)
		return 0;
	syms = read_symbols(f, symtab, bias, &nr);
	if (!syms)
		return -ENOMEM;
	for (i = 0; i < obj->nr; i++) {
		const struct symbol *s = symbol_at(syms, nr, obj->funcs[i].layout.func);

		if (s && !(obj->funcs[i].name = strdup(s->name))) {
			free(syms);
			return -ENOMEM;
		}
	}
	free(syms);
	return 0;
}

/* Duplicate records (the same function listed twice) become one. */
static void dedup_funcs(struct ftrace_object *obj)
{
	size_t i, out = 0;

	qsort(obj->funcs, obj->nr, sizeof(*obj->funcs), compare_funcs);
	for (i = 0; i < obj->nr; i++)
		if (!out || obj->funcs[out - 1].layout.func != obj->funcs[i].layout.func)
			obj->funcs[out++] = obj->funcs[i];
	obj->nr = out;
}

/* --- is the file the object mapped? ------------------------------------------ */

struct build_id {
	const uint8_t *bytes;
	size_t len;
};

#define NOTE_ALIGN(n)	(((n) + 3) & ~(size_t)3)

/* The NT_GNU_BUILD_ID in the notes [@notes, @notes + @len), if any. */
static bool notes_build_id(const uint8_t *notes, size_t len, struct build_id *id)
{
	while (len >= sizeof(ElfW(Nhdr))) {
		const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)notes;
		size_t name = NOTE_ALIGN(nh->n_namesz), desc = NOTE_ALIGN(nh->n_descsz);
		size_t size = sizeof(*nh) + name + desc;

		if (nh->n_namesz > len || nh->n_descsz > len || size > len)
			return false;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    !memcmp(notes + sizeof(*nh), "GNU", 4) && nh->n_descsz) {
			id->bytes = notes + sizeof(*nh) + name;
			id->len = nh->n_descsz;
			return true;
		}
		notes += size;
		len -= size;
	}
	return false;
}

/* The build ID of the object as mapped: its PT_NOTE segments, in memory. */
static bool mapped_build_id(const struct object_segments *seg, struct build_id *id)
{
	int i;

	for (i = 0; i < seg->phnum; i++) {
		const ElfW(Phdr) *ph = &seg->phdr[i];
		uintptr_t at = seg->bias + ph->p_vaddr;

		if (ph->p_type == PT_NOTE && ph->p_filesz % 4 == 0 && at % 4 == 0 &&
		    segment_room(seg, at, ph->p_filesz, PF_R) &&
		    notes_build_id((const uint8_t *)at, ph->p_filesz, id))
			return true;
	}
	return false;
}

/* The build ID of the file: its PT_NOTE segments, in the file. */
static bool file_build_id(const struct elf_file *f, struct build_id *id)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)f->data;
	const ElfW(Phdr) *ph;
	size_t i;

	if (eh->e_phentsize != sizeof(*ph) || eh->e_phoff % sizeof(uint64_t) ||
	    !in_file(f, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(*ph)))
		return false;
	ph = (const ElfW(Phdr) *)(f->data + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_NOTE && ph[i].p_offset % 4 == 0 &&
		    in_file(f, ph[i].p_offset, ph[i].p_filesz) &&
		    notes_build_id(f->data + ph[i].p_offset, ph[i].p_filesz, id))
			return true;
	return false;
}

/* The object's first page in memory: its load segment at file offset 0. */
static uintptr_t object_start(const struct object_segments *seg)
{
	int i;

	for (i = 0; i < seg->phnum; i++)
		if (seg->phdr[i].p_type == PT_LOAD && seg->phdr[i].p_offset == 0)
			return seg->bias + seg->phdr[i].p_vaddr;
	return 0;
}

struct mapping {
	unsigned long start, end;
	unsigned int major, minor;
	unsigned long inode;
};

/* The line of /proc/self/maps that holds @addr. */
static int mapping_of(uintptr_t addr, struct mapping *m)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;

	if (!maps)
		return errno == ENOMEM ? -ENOMEM : -ENOENT;
	while (err == -ENOENT && getline(&line, &cap, maps) > 0)
		if (sscanf(line, "%lx-%lx %*s %*x %x:%x %lu", &m->start, &m->end,
			   &m->major, &m->minor, &m->inode) == 5 &&
		    addr >= m->start && addr < m->end)
			err = 0;
	if (err && ferror(maps))
		err = -ENOMEM;
	free(line);
	fclose(maps);
	return err;
}

/*
 * Whether @f is the file mapped as @seg: the same build ID, or without
 * one in memory, the device and inode of the object's first mapping.
 * 1 or 0, or -ENOMEM.
 */
static int file_is_mapped(const struct elf_file *f, const struct object_segments *seg)
{
	struct build_id mapped, file;
	struct mapping m;
	int err;

	if (mapped_build_id(seg, &mapped))
		return file_build_id(f, &file) && file.len == mapped.len &&
		       !memcmp(file.bytes, mapped.bytes, mapped.len);
	err = mapping_of(object_start(seg), &m);
	if (err)
		return err == -ENOMEM ? err : 0;
	return m.inode == f->ino && makedev(m.major, m.minor) == f->dev;
}

/* The object's file as mapped, when this process may open it so. */
static int open_mapped(struct elf_file *f, const struct object_segments *seg)
{
	char path[64];
	struct mapping m;
	int err = mapping_of(object_start(seg), &m);

	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", m.start, m.end);
	return elf_open(f, path);
}

/* @path's file if it is the object mapped as @seg, else the mapped file itself. */
static int elf_open_mapped(struct elf_file *f, const char *path,
			   const struct object_segments *seg)
{
	int err = elf_open(f, path), same;

	if (err && err != -ENOENT)
		return err;
	same = err ? 0 : file_is_mapped(f, seg);
	if (same > 0)
		return 0;
	if (!err)
		munmap((void *)f->data, f->size);
	if (same < 0)
		return same;
	err = open_mapped(f, seg);
	if (err)
		return err == -ENOMEM ? err : -ESTALE;
	same = file_is_mapped(f, seg);
	if (same <= 0) {
		munmap((void *)f->data, f->size);
		return same < 0 ? same : -ESTALE;
	}
	return 0;
}

int ftrace_elf_load(struct ftrace_object *obj, const char *path, uintptr_t bias,
		    const ElfW(Phdr) *phdr, int phnum)
{
	struct object_segments seg = { bias, phdr, phnum };
	struct elf_file f = { 0 };
	size_t i, cap = 0;
	int err = elf_open_mapped(&f, path, &seg);

	if (err)
		return err;
	for (i = 0; i < f.nr_shdrs && !err; i++) {
		const ElfW(Shdr) *sh = &f.shdrs[i];
		const char *name = section_name(&f, sh);

		if (name && !strcmp(name, PFE_SECTION) && (sh->sh_flags & SHF_ALLOC) &&
		    sh->sh_type == SHT_PROGBITS)
			err = read_records(obj, &cap, &seg, sh);
	}
	if (!err && obj->nr) {
		dedup_funcs(obj);
		err = name_funcs(obj, &f, bias);
	}
	munmap((void *)f.data, f.size);
	return err;
}

void ftrace_object_free(struct ftrace_object *obj)
{
	size_t i;

	for (i = 0; i < obj->nr; i++)
		free((char *)obj->funcs[i].name);
	free(obj->funcs);
	free(obj->path);
	free(obj);
}
