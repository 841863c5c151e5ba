// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Base bytes of the code image: the loadable segments of an ELF file, or
 * a raw memory snapshot.  Every offset and size the file gives is checked
 * against the file before use.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/code_image.h"

/* A binary of more than this is not what a trace decoder is given. */
#define MAX_FILE_SIZE	(1ull << 31)

static int read_whole(struct code_image *img, const char *path, uint8_t **buf, size_t *size)
{
	struct stat st;
	size_t done = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return code_image_fail(img, -errno, "%s: cannot open: %m", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE_SIZE) {
		close(fd);
		return code_image_fail(img, -EINVAL, "%s: not a regular file of a sane size", path);
	}
	*size = st.st_size;
	*buf = malloc(*size ? *size : 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < *size) {
		ssize_t n = read(fd, *buf + done, *size - done);

		if (n <= 0) {
			err = code_image_fail(img, n ? -errno : -EIO, "%s: short read", path);
			break;
		}
		done += n;
	}
	close(fd);
	if (err)
		free(*buf);
	return err;
}

static bool in_file(size_t size, uint64_t offset, uint64_t len)
{
	return offset <= size && len <= size - offset;
}

static int add_segments(struct code_image *img, const char *path, const uint8_t *buf,
			size_t size, uint64_t bias)
{
	Elf64_Ehdr eh;
	unsigned int i, loaded = 0;

	if (size < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG))
		return code_image_fail(img, -EINVAL, "%s: not an ELF file", path);
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return code_image_fail(img, -EINVAL, "%s: not a 64-bit little-endian ELF file", path);
	if (eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		return code_image_fail(img, -EINVAL, "%s: program headers outside the file", path);
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		int err;

		memcpy(&ph, buf + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_filesz)
			continue;
		if (!in_file(size, ph.p_offset, ph.p_filesz) || ph.p_filesz > ph.p_memsz)
			return code_image_fail(img, -EINVAL,
					       "%s: segment %u lies outside the file", path, i);
		err = code_image_add_region(img, ph.p_vaddr + bias, buf + ph.p_offset, ph.p_filesz);
		if (err)
			return err;
		loaded++;
	}
	if (!loaded)
		return code_image_fail(img, -EINVAL, "%s: no loadable segment", path);
	return 0;
}

/* The ELF file's segments moved by @addr, or the file's bytes at @addr. */
static int add_file(struct code_image *img, const char *path, uint64_t addr, bool elf)
{
	uint8_t *buf;
	size_t size;
	int err;

	err = read_whole(img, path, &buf, &size);
	if (err)
		return err;
	if (!elf)
		err = code_image_add_region(img, addr, buf, size);
	else
		err = add_segments(img, path, buf, size, addr);
	/* Names for the path: a file without them decodes all the same. */
	if (elf && !err)
		err = code_image_add_symbols(img, buf, size, addr);
	free(buf);
	return err;
}

int code_image_add_elf(struct code_image *img, const char *path, uint64_t bias)
{
	return add_file(img, path, bias, true);
}

int code_image_add_snapshot(struct code_image *img, const char *path, uint64_t addr)
{
	return add_file(img, path, addr, false);
}

static int find_bias(struct code_image *img, const char *path, const uint8_t *buf,
		     size_t size, uint64_t addr, uint64_t pgoff, uint64_t *bias)
{
	Elf64_Ehdr eh;
	unsigned int i;

	if (size < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG))
		return code_image_fail(img, -EINVAL, "%s: not an ELF file", path);
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    !in_file(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		return code_image_fail(img, -EINVAL, "%s: not a 64-bit ELF file", path);
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t page_off;

		memcpy(&ph, buf + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		/* The mapping starts at a page boundary at or below the segment's start. */
		page_off = ph.p_align > 1 ? ph.p_offset & ~(ph.p_align - 1) : ph.p_offset;
		if (pgoff < page_off || pgoff >= ph.p_offset + ph.p_filesz)
			continue;
		*bias = addr - pgoff - (ph.p_vaddr - ph.p_offset);
		return 0;
	}
	return code_image_fail(img, -ENOENT, "%s: no loadable segment at file offset 0x%llx",
			       path, (unsigned long long)pgoff);
}

int code_image_elf_bias(struct code_image *img, const char *path, uint64_t addr,
			uint64_t pgoff, uint64_t *bias)
{
	uint8_t *buf;
	size_t size;
	int err;

	err = read_whole(img, path, &buf, &size);
	if (err)
		return err;
	err = find_bias(img, path, buf, size, addr, pgoff, bias);
	free(buf);
	return err;
}
