// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The time-indexed code image: base regions, changes, and the query.
 * Files are read in code_image_elf.c and code_image_events.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "code_image.h"

/* More would be a corrupt input, not a traced process. */
#define MAX_REGIONS	4096
#define MAX_CHANGES	(1u << 24)

int code_image_fail(struct code_image *img, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(img->error, sizeof(img->error), fmt, ap);
	va_end(ap);
	return err;
}

void code_image_init(struct code_image *img)
{
	memset(img, 0, sizeof(*img));
}

void code_image_free(struct code_image *img)
{
	size_t i;

	for (i = 0; i < img->nr_regions; i++)
		free(img->regions[i].bytes);
	free(img->regions);
	free(img->changes);
	code_image_init(img);
}

static bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

int code_image_add_region(struct code_image *img, uint64_t addr, const void *bytes,
			  uint64_t size)
{
	struct code_region *regions;
	size_t i;

	if (!size || addr + size < addr || size > SIZE_MAX)
		return code_image_fail(img, -EINVAL, "an empty or wrapping region at 0x%llx",
				       (unsigned long long)addr);
	for (i = 0; i < img->nr_regions; i++)
		if (overlaps(addr, size, img->regions[i].addr, img->regions[i].size))
			return code_image_fail(img, -EINVAL,
					       "region 0x%llx+0x%llx overlaps one already loaded",
					       (unsigned long long)addr, (unsigned long long)size);
	if (img->nr_regions == MAX_REGIONS)
		return code_image_fail(img, -ENOSPC, "more than %d regions", MAX_REGIONS);
	regions = realloc(img->regions, (img->nr_regions + 1) * sizeof(*regions));
	if (!regions)
		return -ENOMEM;
	img->regions = regions;
	regions[img->nr_regions].bytes = malloc(size);
	if (!regions[img->nr_regions].bytes)
		return -ENOMEM;
	memcpy(regions[img->nr_regions].bytes, bytes, size);
	regions[img->nr_regions].addr = addr;
	regions[img->nr_regions].size = size;
	img->nr_regions++;
	return 0;
}

int code_image_set_trap(struct code_image *img, const void *insn, unsigned int len)
{
	if (!len || len > TP_MAX_INSN_LEN)
		return -EINVAL;
	memcpy(img->trap, insn, len);
	img->trap_len = len;
	return 0;
}

int code_image_add_change(struct code_image *img, const struct code_change *change)
{
	if (img->frozen)
		return code_image_fail(img, -EBUSY, "the image is frozen");
	if (!change->len || change->len > TP_MAX_INSN_LEN ||
	    change->post_time < change->pre_time || change->addr + change->len < change->addr)
		return code_image_fail(img, -EINVAL, "a change at 0x%llx of %u bytes is malformed",
				       (unsigned long long)change->addr, change->len);
	if (img->nr_changes == MAX_CHANGES)
		return code_image_fail(img, -ENOSPC, "more than %u changes", MAX_CHANGES);
	/* By doubling: a perf.data may hold millions of pokes. */
	if (array_make_room(&img->changes, &img->cap_changes, img->nr_changes,
			    sizeof(*img->changes), 64))
		return -ENOMEM;
	img->changes[img->nr_changes++] = *change;
	return 0;
}

/* The base bytes of [addr, addr + len); -ENOENT if one lies in no region. */
static int read_base(const struct code_image *img, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t at = addr + done;
		const struct code_region *r = NULL;
		size_t i, n;

		for (i = 0; i < img->nr_regions && !r; i++)
			if (at >= img->regions[i].addr &&
			    at - img->regions[i].addr < img->regions[i].size)
				r = &img->regions[i];
		if (!r)
			return -ENOENT;
		n = r->size - (at - r->addr);
		if (n > len - done)
			n = len - done;
		memcpy(buf + done, r->bytes + (at - r->addr), n);
		done += n;
	}
	return 0;
}

/* Copy the part of @src (at @src_addr, @src_len bytes) that falls in the buffer. */
static void overlay(uint8_t *buf, uint64_t addr, size_t len, const uint8_t *src,
		    uint64_t src_addr, size_t src_len)
{
	uint64_t lo = addr > src_addr ? addr : src_addr;
	uint64_t hi = addr + len < src_addr + src_len ? addr + len : src_addr + src_len;

	if (lo < hi)
		memcpy(buf + (lo - addr), src + (lo - src_addr), hi - lo);
}

static int by_pre_time(const void *a, const void *b)
{
	const struct code_change *x = a, *y = b;

	if (x->pre_time != y->pre_time)
		return x->pre_time < y->pre_time ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int code_image_freeze(struct code_image *img)
{
	size_t i, j;

	if (img->frozen)
		return 0;
	if (img->nr_changes)	/* qsort() wants an array, even of nothing */
		qsort(img->changes, img->nr_changes, sizeof(*img->changes), by_pre_time);
	img->frozen = true;
	for (i = 0; i < img->nr_changes; i++) {
		const struct code_change *c = &img->changes[i];
		uint8_t now[TP_MAX_INSN_LEN];

		/* A site outside the binaries given (libc, a JIT) is not checked. */
		if (read_base(img, c->addr, now, c->len))
			continue;
		for (j = 0; j < i; j++)
			overlay(now, c->addr, c->len, img->changes[j].new,
				img->changes[j].addr, img->changes[j].len);
		if (memcmp(now, c->old, c->len))
			return code_image_fail(img, -EILSEQ,
					       "the change at 0x%llx (time %llu) expects bytes the "
					       "binaries do not hold there: wrong binary or load address?",
					       (unsigned long long)c->addr,
					       (unsigned long long)c->pre_time);
	}
	return 0;
}

uint64_t code_image_extent(const struct code_image *img, uint64_t addr)
{
	size_t i;

	for (i = 0; i < img->nr_regions; i++)
		if (addr >= img->regions[i].addr && addr - img->regions[i].addr < img->regions[i].size)
			return img->regions[i].size - (addr - img->regions[i].addr);
	return 0;
}

long code_image_window_at(const struct code_image *img, uint64_t addr, size_t len,
			  uint64_t time)
{
	size_t i;

	for (i = 0; i < img->nr_changes && img->changes[i].pre_time <= time; i++) {
		const struct code_change *c = &img->changes[i];

		if (time < c->post_time && overlaps(addr, len, c->addr, c->len))
			return (long)i;
	}
	return -1;
}

int code_image_read(const struct code_image *img, uint64_t addr, uint64_t time,
		    enum code_candidate which, uint8_t *buf, size_t len, size_t *change)
{
	enum code_answer answer = CODE_EXACT;
	size_t i;
	int err;

	if (!img->frozen || addr + len < addr)
		return -EINVAL;
	err = read_base(img, addr, buf, len);
	if (err)
		return err;
	/* Sorted by PRE: the first change not yet begun ends the walk. */
	for (i = 0; i < img->nr_changes && img->changes[i].pre_time <= time; i++) {
		const struct code_change *c = &img->changes[i];

		if (!overlaps(addr, len, c->addr, c->len))
			continue;
		if (time >= c->post_time) {
			overlay(buf, addr, len, c->new, c->addr, c->len);
			continue;
		}
		/* Inside the window: the first one decides, later ones stay old. */
		if (answer == CODE_AMBIGUOUS)
			continue;
		answer = CODE_AMBIGUOUS;
		if (change)
			*change = i;
		if (which == CODE_CANDIDATE_NEW) {
			overlay(buf, addr, len, c->new, c->addr, c->len);
		} else if (which == CODE_CANDIDATE_TRAP) {
			if (c->backend != TP_BACKEND_BREAKPOINT || !img->trap_len)
				return -EINVAL;
			overlay(buf, addr, len, img->trap, c->addr, img->trap_len);
		}
	}
	return answer;
}
