// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A process's libc and its dlopen(), dlsym(), dlclose() and dlerror()
 * (target_libc.h).  glibc 2.34 moved them from libdl into libc.so.6, which
 * exports them: the file's .dynsym gives their offsets, its load address
 * in the process's maps the rest.  The file is opened through
 * /proc/PID/root, so a process in another mount namespace is read right,
 * and must be the inode the process mapped.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "target_libc.h"

struct elf_view {
	const unsigned char *data;
	size_t size;
};

static const void *view_at(const struct elf_view *v, uint64_t off, uint64_t len)
{
	if (off > v->size || len > v->size - off)
		return NULL;
	return v->data + off;
}

/* The first vaddr of a PT_LOAD (0 for a shared object as linked). */
static int first_load_vaddr(const struct elf_view *v, const Elf64_Ehdr *eh, uint64_t *vaddr)
{
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = view_at(v, eh->e_phoff + (uint64_t)i * sizeof(*ph),
					       sizeof(*ph));

		if (!ph)
			return -ENOEXEC;
		if (ph->p_type == PT_LOAD) {
			*vaddr = ph->p_vaddr - ph->p_offset;
			return 0;
		}
	}
	return -ENOEXEC;
}

static unsigned long view_dynsym(const struct elf_view *v, const char *name)
{
	const Elf64_Ehdr *eh = view_at(v, 0, sizeof(*eh));
	uint64_t load;

	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    first_load_vaddr(v, eh, &load))
		return 0;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *sh = view_at(v, eh->e_shoff + (uint64_t)i * sizeof(*sh),
					       sizeof(*sh)), *strsh;
		const char *strs;

		if (!sh)
			return 0;
		if (sh->sh_type != SHT_DYNSYM || sh->sh_entsize != sizeof(Elf64_Sym) ||
		    sh->sh_link >= eh->e_shnum)
			continue;
		strsh = view_at(v, eh->e_shoff + (uint64_t)sh->sh_link * sizeof(*sh), sizeof(*sh));
		if (!strsh || !(strs = view_at(v, strsh->sh_offset, strsh->sh_size)))
			return 0;
		for (uint64_t j = 1; j < sh->sh_size / sizeof(Elf64_Sym); j++) {
			const Elf64_Sym *sym = view_at(v, sh->sh_offset + j * sizeof(*sym),
						       sizeof(*sym));
			size_t left;

			if (!sym || sym->st_name >= strsh->sh_size)
				return 0;
			left = strsh->sh_size - sym->st_name;
			if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || !sym->st_value ||
			    sym->st_shndx == SHN_UNDEF)
				continue;
			if (strnlen(strs + sym->st_name, left) == strlen(name) &&
			    !strcmp(strs + sym->st_name, name))
				return sym->st_value - load;
		}
	}
	return 0;
}

static int map_file(const char *path, struct elf_view *v, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) || !S_ISREG(st->st_mode) || !st->st_size) {
		close(fd);
		return -ENOEXEC;
	}
	p = mmap(NULL, st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	v->data = p;
	v->size = st->st_size;
	return 0;
}

unsigned long elf_dynsym(const char *path, const char *name)
{
	struct elf_view v;
	struct stat st;
	unsigned long val;

	if (map_file(path, &v, &st))
		return 0;
	val = view_dynsym(&v, name);
	munmap((void *)v.data, v.size);
	return val;
}

struct map_line {
	unsigned long start, offset, inode;
	unsigned int major, minor;
	char path[4096];
};

static int parse_map_line(const char *line, struct map_line *m)
{
	int pos = 0;

	m->path[0] = '\0';
	if (sscanf(line, "%lx-%*x %*s %lx %x:%x %lu %n", &m->start, &m->offset,
		   &m->major, &m->minor, &m->inode, &pos) < 5)
		return -EINVAL;
	snprintf(m->path, sizeof(m->path), "%s", line + pos);
	m->path[strcspn(m->path, "\n")] = '\0';
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The first mapping of a file whose basename is @name. */
static int find_mapping(pid_t pid, const char *name, struct map_line *found)
{
	char maps[64], line[4200];
	struct map_line m;
	FILE *f;
	int err = -ENOENT;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (parse_map_line(line, &m) || m.path[0] != '/')
			continue;
		if (!strcmp(base_name(m.path), name)) {
			*found = m;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int target_maps_have(pid_t pid, const char *name)
{
	static struct map_line m;

	return !find_mapping(pid, name, &m);
}

int target_libc_find(pid_t pid, struct target_libc *libc, const char **why)
{
	static struct map_line m;
	struct elf_view v;
	struct stat st;
	int err;

	err = find_mapping(pid, "libc.so.6", &m);
	if (err) {
		*why = err == -ENOENT ? "no libc.so.6 in the process (static, or not glibc)"
				      : "cannot read the process's maps";
		return err;
	}
	snprintf(libc->path, sizeof(libc->path), "/proc/%d/root%s", (int)pid, m.path);
	err = map_file(libc->path, &v, &st);
	if (err) {
		*why = "cannot read the process's libc";
		return err;
	}
	if (st.st_ino != m.inode || major(st.st_dev) != m.major || minor(st.st_dev) != m.minor) {
		munmap((void *)v.data, v.size);
		*why = "the process's libc was replaced on disk since it started";
		return -ESTALE;
	}
	libc->base = m.start - m.offset;
	libc->dlopen = view_dynsym(&v, "dlopen");
	libc->dlsym = view_dynsym(&v, "dlsym");
	libc->dlclose = view_dynsym(&v, "dlclose");
	libc->dlerror = view_dynsym(&v, "dlerror");
	libc->getenv = view_dynsym(&v, "getenv");
	libc->setenv = view_dynsym(&v, "setenv");
	libc->unsetenv = view_dynsym(&v, "unsetenv");
	munmap((void *)v.data, v.size);
	if (!libc->getenv || !libc->setenv || !libc->unsetenv) {
		*why = "the process's libc has no getenv/setenv/unsetenv";
		return -EOPNOTSUPP;
	}
	if (!libc->dlopen || !libc->dlsym || !libc->dlclose || !libc->dlerror) {
		*why = "the process's libc exports no dlopen (glibc 2.34 or later is needed)";
		return -EOPNOTSUPP;
	}
	libc->dlopen += libc->base;
	libc->dlsym += libc->base;
	libc->dlclose += libc->base;
	libc->dlerror += libc->base;
	libc->getenv += libc->base;
	libc->setenv += libc->base;
	libc->unsetenv += libc->base;
	return 0;
}
