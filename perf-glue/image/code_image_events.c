// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Changes of the code image from a perf.data: every textpoke TEXT_POKE
 * record (the ones with the TPEV tail, perf-glue/README.md) is a PRE or a
 * POST; a PRE and the POST of the same batch and address make a change
 * whose new bytes are the POST's (the old ones again after a batch its
 * protocol undid).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/events.h>

#include "array.h"
#include "image/code_image.h"
#include "perfdata/perf_read.h"

/* PREs waiting for their POST; a batch has at most this many open at once here. */
struct open_windows {
	struct code_change *pre;
	size_t nr, cap;
};

static int open_window(struct open_windows *w, const struct text_poke *poke)
{
	struct code_change *c;

	if (array_make_room(&w->pre, &w->cap, w->nr, sizeof(*c), 64))
		return -ENOMEM;
	c = &w->pre[w->nr++];
	memset(c, 0, sizeof(*c));
	c->addr = poke->addr;
	c->len = poke->new_len;
	memcpy(c->old, poke->old, poke->old_len);
	memcpy(c->new, poke->new, poke->new_len);
	c->pre_time = poke->sid.time;
	c->post_time = UINT64_MAX;	/* until its POST */
	c->backend = poke->tail.backend;
	c->batch = poke->tail.batch;
	return 0;
}

static int close_window(struct code_image *img, struct open_windows *w,
			const struct text_poke *poke)
{
	size_t i;

	for (i = 0; i < w->nr; i++) {
		struct code_change *c = &w->pre[i];
		int err;

		if (c->addr != poke->addr || c->batch != poke->tail.batch)
			continue;
		if (poke->new_len != c->len || poke->sid.time < c->pre_time)
			return code_image_fail(img, -EINVAL,
					       "the POST at 0x%llx does not match its PRE",
					       (unsigned long long)poke->addr);
		memcpy(c->new, poke->new, c->len);
		c->post_time = poke->sid.time;
		err = code_image_add_change(img, c);
		w->pre[i] = w->pre[--w->nr];
		return err;
	}
	return code_image_fail(img, -EINVAL, "a POST at 0x%llx (batch %llu) without its PRE",
			       (unsigned long long)poke->addr,
			       (unsigned long long)poke->tail.batch);
}

static int add_poke(struct code_image *img, struct open_windows *w, const struct text_poke *poke)
{
	bool pre = poke->tail.phase == TP_EVENT_PRE;

	if ((!pre && poke->tail.phase != TP_EVENT_POST) || !poke->new_len ||
	    poke->new_len > TP_MAX_INSN_LEN || (pre && poke->old_len != poke->new_len))
		return code_image_fail(img, -EINVAL, "a corrupt textpoke TEXT_POKE record at 0x%llx",
				       (unsigned long long)poke->addr);
	return pre ? open_window(w, poke) : close_window(img, w, poke);
}

static int read_pokes(struct code_image *img, struct perf_file *f, struct open_windows *w)
{
	struct perf_record rec;
	uint64_t pos = 0;
	int more, err;

	while ((more = perf_file_next(f, &pos, &rec)) > 0) {
		const struct perf_attr_info *a = perf_file_attr_of(f, &rec);
		struct text_poke poke;

		if (!a)
			return code_image_fail(img, -EINVAL, "%s", f->error);
		if (rec.type != PERF_RECORD_TEXT_POKE)
			continue;
		if (text_poke_parse(rec.data, rec.size, a->attr.sample_type, &poke) ||
		    !perf_record_sample_id(f, &rec, &poke.sid))
			return code_image_fail(img, -EINVAL, "a TEXT_POKE record without its time");
		if (!poke.has_tail)
			continue;	/* the kernel's own text pokes */
		err = add_poke(img, w, &poke);
		if (err)
			return err;
	}
	if (more < 0)
		return code_image_fail(img, -EINVAL, "%s", f->error);
	return 0;
}

int code_image_add_perf_file(struct code_image *img, struct perf_file *f)
{
	struct open_windows w = { 0 };
	size_t i;
	int err;

	err = read_pokes(img, f, &w);
	/* A window that never closed: the process died inside a batch. */
	for (i = 0; !err && i < w.nr; i++)
		err = code_image_add_change(img, &w.pre[i]);
	free(w.pre);
	return err;
}

int code_image_add_perf_data(struct code_image *img, const char *path)
{
	struct perf_file f;
	int err;

	err = perf_file_open(&f, path);
	if (err)
		code_image_fail(img, err, "%s: %s", path, f.error);
	else
		err = code_image_add_perf_file(img, &f);
	perf_file_close(&f);
	return err;
}
