// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing textpoke-sites in-process: mutations of real fixtures, aimed
 * where a parser trusts the file (the ELF header, the section header
 * table, the site tables and their relocations), then checked and printed
 * as text and as JSON.  A fixed seed makes every run the same; the
 * sanitizer build (make SANITIZE=address,undefined) turns any read out
 * of bounds or undefined arithmetic into a failure.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"
#include "sites_test.h"

struct sample {
	uint8_t *data;
	size_t size;
	Elf64_Ehdr eh;		/* of the unmutated file */
};

static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;	/* xorshift32 */

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static int load(const char *path, struct sample *s)
{
	FILE *in = fopen(path, "rb");
	long size;

	if (!in)
		return -errno;
	if (fseek(in, 0, SEEK_END) || (size = ftell(in)) < (long)sizeof(s->eh) ||
	    fseek(in, 0, SEEK_SET)) {
		fclose(in);
		return -EINVAL;
	}
	s->size = size;
	s->data = malloc(size);
	if (!s->data || fread(s->data, 1, size, in) != (size_t)size) {
		fclose(in);
		return -EIO;
	}
	fclose(in);
	memcpy(&s->eh, s->data, sizeof(s->eh));
	return 0;
}

/* Values that sit on the edges of what the reader checks. */
static uint64_t edge_value(uint32_t *rnd, size_t size)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 16, 24, 63, 64, 0x7f, 0x80, 0xff,
		0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc,
		0x7fffffffffffffffull, 0x8000000000000000ull, UINT64_MAX,
		UINT64_MAX - 7,
	};
	uint32_t pick = next_random(rnd) % (sizeof(edges) / sizeof(edges[0]) + 3);

	if (pick == sizeof(edges) / sizeof(edges[0]))
		return size;
	if (pick == sizeof(edges) / sizeof(edges[0]) + 1)
		return size - 1 - next_random(rnd) % 64;
	if (pick == sizeof(edges) / sizeof(edges[0]) + 2)
		return (uint64_t)next_random(rnd) << 32 | next_random(rnd);
	return edges[pick];
}

/* An offset to mutate: in a header, the section table or a section. */
static size_t pick_offset(uint32_t *rnd, const struct sample *s)
{
	uint64_t shoff = s->eh.e_shoff, n = s->eh.e_shnum;
	Elf64_Shdr sh;
	uint64_t i;

	switch (next_random(rnd) % 4) {
	case 0:
		return next_random(rnd) % sizeof(s->eh);
	case 1:	/* a field of a section header */
		if (!n || shoff + n * sizeof(sh) > s->size)
			break;
		return shoff + next_random(rnd) % (n * sizeof(sh));
	case 2:	/* the bytes of a section: tables, relocations, symbols */
		if (!n || shoff + n * sizeof(sh) > s->size)
			break;
		i = next_random(rnd) % n;
		memcpy(&sh, s->data + shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_NOBITS || !sh.sh_size ||
		    sh.sh_offset + sh.sh_size > s->size)
			break;
		return sh.sh_offset + next_random(rnd) % sh.sh_size;
	}
	return next_random(rnd) % s->size;
}

static void mutate(uint32_t *rnd, const struct sample *s, uint8_t *buf,
		   size_t *size)
{
	unsigned int n = 1 + next_random(rnd) % 8, i;

	for (i = 0; i < n; i++) {
		size_t off = pick_offset(rnd, s);
		unsigned int width = 1u << (next_random(rnd) % 4);
		uint64_t v = edge_value(rnd, s->size);

		if (next_random(rnd) % 3 == 0) {
			buf[off] ^= 1u << (next_random(rnd) % 8);
			continue;
		}
		if (off + width > s->size)
			width = s->size - off;
		memcpy(buf + off, &v, width);	/* little endian like ELF */
	}
	if (next_random(rnd) % 10 == 0)
		*size = next_random(rnd) % s->size;
}

static void check_one(uint8_t *buf, size_t size, FILE *sink, bool json,
		      struct fuzz_result *res)
{
	struct report_options opt = { .json = json };
	struct sites_file f;
	int ret = sites_check(&f, "fuzz", buf, size);

	report_begin(sink, &opt);
	report_file(sink, sink, &f, &opt, true);
	report_end(sink, &opt, f.nr_problems);
	res->rejected += ret != 0;
	res->opened += f.opened;
	sites_release(&f);
}

int sites_fuzz(const char *const *files, size_t nr_files, unsigned long cases,
	       uint32_t seed, struct fuzz_result *res)
{
	struct sample *samples = calloc(nr_files, sizeof(*samples));
	FILE *sink = fopen("/dev/null", "w");
	uint32_t rnd = seed ? seed : 1;
	uint8_t *buf = NULL;
	size_t i, max = 0;
	int err = samples && sink ? 0 : -ENOMEM;

	memset(res, 0, sizeof(*res));
	for (i = 0; !err && i < nr_files; i++) {
		err = load(files[i], &samples[i]);
		if (!err && samples[i].size > max)
			max = samples[i].size;
	}
	if (!err && !(buf = malloc(max)))
		err = -ENOMEM;
	for (; !err && res->cases < cases; res->cases++) {
		const struct sample *s = &samples[next_random(&rnd) % nr_files];
		size_t size = s->size;

		memcpy(buf, s->data, size);
		mutate(&rnd, s, buf, &size);
		check_one(buf, size, sink, res->cases % 2, res);
	}
	for (i = 0; samples && i < nr_files; i++)
		free(samples[i].data);
	free(samples);
	free(buf);
	if (sink)
		fclose(sink);
	return err;
}
