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
#include "image/code_arch.h"
#include "image/code_image.h"

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
	free(img->by_addr);
	free(img->times);
	for (i = 0; i < img->nr_symbols; i++)
		free(img->symbols[i].name);
	free(img->symbols);
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

	if (img->frozen)
		return code_image_fail(img, -EBUSY, "the image is frozen");
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

const struct code_arch *code_arch_of(uint16_t machine)
{
	static const struct code_arch *const arches[] = {
		&code_arch_x86, &code_arch_arm64, &code_arch_riscv,
	};
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i]->machine == machine)
			return arches[i];
	return NULL;
}

int code_image_set_arch(struct code_image *img, uint16_t machine)
{
	const struct code_arch *arch = code_arch_of(machine);

	if (!arch)
		return code_image_fail(img, -EOPNOTSUPP, "ELF machine %u: not an architecture "
				       "textpoke runs on", machine);
	img->arch = arch;
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

static int by_address(const void *a, const void *b)
{
	const struct code_change_ref *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int by_value(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * In a sorted array of @n, the first element @before says is not before
 * @key (so all the ones before it are).
 */
static size_t first_not_before(const struct code_image *img, size_t n, uint64_t key,
			       bool (*before)(const struct code_image *img, size_t i, uint64_t key))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (before(img, mid, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool began_by(const struct code_image *img, size_t i, uint64_t time)
{
	return img->changes[i].pre_time <= time;
}

static bool ref_below(const struct code_image *img, size_t i, uint64_t addr)
{
	return img->by_addr[i].addr < addr;
}

static bool time_not_after(const struct code_image *img, size_t i, uint64_t time)
{
	return img->times[i] <= time;
}

/* How many changes began at or before @time: they are the first ones. */
static size_t begun_by(const struct code_image *img, uint64_t time)
{
	return first_not_before(img, img->nr_changes, time, began_by);
}

/* The first reference whose address is @addr or above. */
static size_t first_ref_from(const struct code_image *img, uint64_t addr)
{
	return first_not_before(img, img->nr_changes, addr, ref_below);
}

/* In the run [@lo, @hi) of one address, the last change of index below @limit, or @hi. */
static size_t last_before(const struct code_image *img, size_t lo, size_t hi, size_t limit)
{
	size_t found = hi, end = hi;

	while (lo < end) {
		size_t mid = lo + (end - lo) / 2;

		if (img->by_addr[mid].index < limit) {
			found = mid;
			lo = mid + 1;
		} else {
			end = mid;
		}
	}
	return found;
}

static int by_index(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * The changes that decide [@addr, @addr + @len) among the first @limit:
 * for every site that overlaps it, its latest one (whose old bytes are
 * what the site held before, freezing made sure).  Into @out (room for
 * @len + TP_MAX_INSN_LEN), in the order they began; returns how many.
 */
static size_t deciding_changes(const struct code_image *img, uint64_t addr, size_t len,
			       size_t limit, size_t *out)
{
	uint64_t from = addr >= TP_MAX_INSN_LEN ? addr - TP_MAX_INSN_LEN + 1 : 0;
	size_t i = first_ref_from(img, from), n = 0;

	while (i < img->nr_changes && img->by_addr[i].addr < addr + len) {
		/* A site a program toggles often has many changes: no walk over them. */
		uint64_t site = img->by_addr[i].addr;
		size_t run_end = site == UINT64_MAX ? img->nr_changes : first_ref_from(img, site + 1);
		size_t last;

		last = last_before(img, i, run_end, limit);
		if (last < run_end) {
			const struct code_change *c = &img->changes[img->by_addr[last].index];

			if (overlaps(addr, len, c->addr, c->len))
				out[n++] = img->by_addr[last].index;
		}
		i = run_end;
	}
	if (n > 1)
		qsort(out, n, sizeof(*out), by_index);
	return n;
}

/* A buffer for deciding_changes(): on the stack for an instruction, else allocated. */
struct deciding {
	size_t stack[64];
	size_t *index;
};

static int deciding_init(struct deciding *d, size_t len)
{
	d->index = d->stack;
	if (len + TP_MAX_INSN_LEN > sizeof(d->stack) / sizeof(d->stack[0])) {
		d->index = malloc((len + TP_MAX_INSN_LEN) * sizeof(*d->index));
		if (!d->index)
			return -ENOMEM;
	}
	return 0;
}

static void deciding_free(struct deciding *d)
{
	if (d->index != d->stack)
		free(d->index);
}

static int build_indexes(struct code_image *img)
{
	size_t i, n = img->nr_changes;

	img->by_addr = malloc((n ? n : 1) * sizeof(*img->by_addr));
	img->times = malloc((n ? 2 * n : 1) * sizeof(*img->times));
	if (!img->by_addr || !img->times)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		img->by_addr[i].addr = img->changes[i].addr;
		img->by_addr[i].index = i;
		img->times[2 * i] = img->changes[i].pre_time;
		img->times[2 * i + 1] = img->changes[i].post_time;
	}
	/* qsort() wants an array, even of nothing. */
	if (n) {
		qsort(img->by_addr, n, sizeof(*img->by_addr), by_address);
		qsort(img->times, 2 * n, sizeof(*img->times), by_value);
	}
	return 0;
}

/* Each change's old bytes against what the site held before it. */
static int check_changes(struct code_image *img)
{
	struct deciding d;
	size_t i, k, n;
	int err = deciding_init(&d, TP_MAX_INSN_LEN);

	for (i = 0; i < img->nr_changes && !err; i++) {
		const struct code_change *c = &img->changes[i];
		uint8_t now[TP_MAX_INSN_LEN];

		/* A site outside the binaries given (libc, a JIT) is not checked. */
		if (read_base(img, c->addr, now, c->len))
			continue;
		n = deciding_changes(img, c->addr, c->len, i, d.index);
		for (k = 0; k < n; k++)
			overlay(now, c->addr, c->len, img->changes[d.index[k]].new,
				img->changes[d.index[k]].addr, img->changes[d.index[k]].len);
		if (memcmp(now, c->old, c->len))
			err = code_image_fail(img, -EILSEQ,
					      "the change at 0x%llx (time %llu) expects bytes the "
					      "binaries do not hold there: wrong binary or load address?",
					      (unsigned long long)c->addr,
					      (unsigned long long)c->pre_time);
	}
	deciding_free(&d);
	return err;
}

int code_image_freeze(struct code_image *img)
{
	int err;

	if (img->frozen)
		return 0;
	if (img->nr_changes)
		qsort(img->changes, img->nr_changes, sizeof(*img->changes), by_pre_time);
	code_image_sort_symbols(img);
	err = build_indexes(img);
	if (err)
		return err;
	img->frozen = true;
	return check_changes(img);
}

bool code_image_changes_between(const struct code_image *img, uint64_t after, uint64_t until)
{
	size_t first_after;

	if (!img->frozen)
		return false;
	first_after = first_not_before(img, 2 * img->nr_changes, after, time_not_after);
	return first_after < 2 * img->nr_changes && img->times[first_after] <= until;
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
	struct deciding d;
	long window = -1;
	size_t k, n;

	if (!img->frozen || deciding_init(&d, len))
		return -1;
	n = deciding_changes(img, addr, len, begun_by(img, time), d.index);
	for (k = 0; k < n && window < 0; k++)
		if (time < img->changes[d.index[k]].post_time)
			window = (long)d.index[k];
	deciding_free(&d);
	return window;
}

/*
 * The trap of @c's site, asked of the traced architecture for that
 * address and length as the poke asked it, and cut to the site: the
 * bytes past it are the next instruction, which the breakpoint backend
 * never touched, and which a longer trap would hide.
 */
static void overlay_trap(const struct code_image *img, const struct code_change *c,
			 uint8_t *buf, uint64_t addr, size_t len)
{
	uint8_t trap[TP_MAX_INSN_LEN];
	/* The arches look at the address's alignment only, which the cast keeps. */
	size_t n = img->arch->trap_insn(trap, (uintptr_t)c->addr, c->len);

	overlay(buf, addr, len, trap, c->addr, n < c->len ? n : c->len);
}

/* Overlay the bytes candidate @which of change @c puts at its site. */
static int overlay_candidate(const struct code_image *img, const struct code_change *c,
			     enum code_candidate which, uint8_t *buf, uint64_t addr, size_t len)
{
	switch (which) {
	case CODE_CANDIDATE_OLD:
		overlay(buf, addr, len, c->old, c->addr, c->len);
		return 0;
	case CODE_CANDIDATE_NEW:
		overlay(buf, addr, len, c->new, c->addr, c->len);
		return 0;
	case CODE_CANDIDATE_TRAP:
		if (c->backend != TP_BACKEND_BREAKPOINT || !img->arch)
			return -EINVAL;
		overlay(buf, addr, len, c->old, c->addr, c->len);
		overlay_trap(img, c, buf, addr, len);
		return 0;
	default:
		return -EINVAL;
	}
}

int code_image_read_choosing(const struct code_image *img, uint64_t addr, uint64_t time,
			     code_image_chooser choose, void *arg, uint8_t *buf, size_t len)
{
	enum code_answer answer = CODE_EXACT;
	struct deciding d;
	size_t k, n;
	int err;

	if (!img->frozen || addr + len < addr)
		return -EINVAL;
	err = read_base(img, addr, buf, len);
	if (!err)
		err = deciding_init(&d, len);
	if (err)
		return err;
	n = deciding_changes(img, addr, len, begun_by(img, time), d.index);
	for (k = 0; k < n && !err; k++) {
		const struct code_change *c = &img->changes[d.index[k]];

		if (time >= c->post_time) {
			overlay(buf, addr, len, c->new, c->addr, c->len);
		} else {
			answer = CODE_AMBIGUOUS;
			err = overlay_candidate(img, c, choose(d.index[k], arg), buf, addr, len);
		}
	}
	deciding_free(&d);
	return err ? err : (int)answer;
}

/* code_image_read(): @which for the first window, the old bytes for the others. */
struct first_window {
	enum code_candidate which;
	bool seen;
	size_t change;
};

static enum code_candidate choose_first(size_t change, void *arg)
{
	struct first_window *f = arg;

	if (f->seen)
		return CODE_CANDIDATE_OLD;
	f->seen = true;
	f->change = change;
	return f->which;
}

int code_image_read(const struct code_image *img, uint64_t addr, uint64_t time,
		    enum code_candidate which, uint8_t *buf, size_t len, size_t *change)
{
	struct first_window f = { .which = which };
	int answer = code_image_read_choosing(img, addr, time, choose_first, &f, buf, len);

	if (answer == CODE_AMBIGUOUS && change)
		*change = f.change;
	return answer;
}

bool code_resolution_unique(const struct code_resolution *r)
{
	return r->consistent && !(r->consistent & (r->consistent - 1));
}
