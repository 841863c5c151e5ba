// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The code image of a perf.data with hardware trace (perfdata/auxtrace.h):
 * the ELF files of its executable mappings, found under --symfs or given
 * with -b FILE@BIAS, and its textpoke PRE/POST records.  Here rather
 * than in perfdata/ because image/ reads perf.data, never the reverse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/code_image.h"
#include "perfdata/auxtrace.h"

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* DIR/.build-id/xx/yyyy.../elf, perf's cache of the file with that build-id. */
static int build_id_file(const struct auxtrace_image_options *o, const struct auxtrace_mmap *m,
			 char *path, size_t len)
{
	char hex[2 * sizeof(m->build_id) + 1];
	unsigned int i;
	int n;

	if (!o->buildid_dir || !m->build_id_size)
		return -ENOENT;
	for (i = 0; i < m->build_id_size; i++)
		sprintf(hex + 2 * i, "%02x", m->build_id[i]);
	n = snprintf(path, len, "%s/.build-id/%.2s/%s/elf", o->buildid_dir, hex, hex + 2);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return access(path, R_OK) ? -ENOENT : 0;
}

int auxtrace_mmap_file(const struct auxtrace_image_options *o, const struct auxtrace_mmap *m,
		       char *path, size_t len, uint64_t *bias)
{
	size_t i;
	int n;

	for (i = 0; i < o->nr_binaries; i++) {
		if (strcmp(base_name(o->binaries[i].path), base_name(m->filename)))
			continue;
		n = snprintf(path, len, "%s", o->binaries[i].path);
		*bias = o->binaries[i].bias;
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
	}
	/* Kernel, vdso and anonymous mappings name no file. */
	if (m->filename[0] != '/')
		return -ENOENT;
	*bias = UINT64_MAX;	/* from the file's segments */
	n = snprintf(path, len, "%s%s", o->symfs ? o->symfs : "", m->filename);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (!access(path, R_OK))
		return 0;
	return build_id_file(o, m, path, len);
}

/* Each file once at each bias: a process maps its code once, many record it. */
struct loaded {
	char path[4096];
	uint64_t bias;
};

static bool seen(const struct loaded *l, size_t nr, const char *path, uint64_t bias)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (l[i].bias == bias && !strcmp(l[i].path, path))
			return true;
	return false;
}

#define MAX_LOADED	256

static int load_one(struct code_image *img, const struct auxtrace_image_options *o,
		    struct loaded *l, size_t *nr, const char *path, uint64_t bias)
{
	int err;

	if (seen(l, *nr, path, bias))
		return 0;
	if (*nr == MAX_LOADED)
		return code_image_fail(img, -E2BIG, "more than %d binaries", MAX_LOADED);
	snprintf(l[*nr].path, sizeof(l[*nr].path), "%s", path);
	l[(*nr)++].bias = bias;
	err = code_image_add_elf(img, path, bias);
	if (!err && o->loaded)
		o->loaded(o->callback_arg, path, bias);
	return err;
}

/* Whether an executable mapping before @m named the same file (said once). */
static bool named_before(const struct auxtrace_data *d, const struct auxtrace_mmap *m)
{
	const struct auxtrace_mmap *e;

	for (e = d->mmaps; e < m; e++)
		if (e->exec && !strcmp(e->filename, m->filename))
			return true;
	return false;
}

static int load_mmap(struct code_image *img, const struct auxtrace_image_options *o,
		     const struct auxtrace_data *d, const struct auxtrace_mmap *m,
		     struct loaded *l, size_t *nr, bool *used)
{
	char path[4096];
	uint64_t bias;
	size_t i;
	int err;

	if (!m->exec || (o->pid && m->pid != o->pid))
		return 0;
	if (auxtrace_mmap_file(o, m, path, sizeof(path), &bias)) {
		/* A file we do not have: its code reads as not accessible. */
		if (o->missing && m->filename[0] == '/' && !named_before(d, m))
			o->missing(o->callback_arg, m->filename);
		return 0;
	}
	for (i = 0; i < o->nr_binaries; i++)
		if (!strcmp(o->binaries[i].path, path))
			used[i] = true;
	if (bias == UINT64_MAX) {
		err = code_image_elf_bias(img, path, m->addr, m->pgoff, &bias);
		if (err)
			return err;
	}
	return load_one(img, o, l, nr, path, bias);
}

int auxtrace_load_image(struct auxtrace_data *d, const struct auxtrace_image_options *o,
			struct code_image *img)
{
	bool used[MAX_LOADED] = { false };
	struct loaded *l;
	size_t i, nr = 0;
	int err = 0;

	if (o->nr_binaries > MAX_LOADED)
		return code_image_fail(img, -E2BIG, "more than %d binaries", MAX_LOADED);
	l = calloc(MAX_LOADED, sizeof(*l));
	if (!l)
		return code_image_fail(img, -ENOMEM, "out of memory");
	for (i = 0; !err && i < d->nr_mmaps; i++)
		err = load_mmap(img, o, d, &d->mmaps[i], l, &nr, used);
	/* An override no mapping named: the user knows where it was. */
	for (i = 0; !err && i < o->nr_binaries; i++)
		if (!used[i])
			err = load_one(img, o, l, &nr, o->binaries[i].path,
				       o->binaries[i].bias == UINT64_MAX ? 0 : o->binaries[i].bias);
	free(l);
	if (!err && !o->ignore_events)
		err = code_image_add_perf_file(img, &d->file);
	if (err)
		snprintf(d->error, sizeof(d->error), "%s", img->error);
	return err;
}
