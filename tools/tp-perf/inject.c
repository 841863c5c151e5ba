// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-perf inject: put textpoke's TEXT_POKE records into a perf.data that
 * perf record wrote, in time order, as perf inject --jit does for JIT
 * dumps.  perf's attributes, records (AUXTRACE payloads included) and
 * features are kept; each textpoke record is re-encoded with the
 * sample_id trailer of perf's first attribute (and its first id), so the
 * file keeps one trailer layout, which perf requires.  The two files must
 * share a clock: perf record -k CLOCK_MONOTONIC.
 *
 * Placement: a textpoke record goes just before the first perf record
 * that is later than it.  Every record before it is then no later, so
 * perf's ordering by rounds never sees it behind a round already flushed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tp-perf.h"
#include "perfdata/perf_read.h"

struct poke_rec {
	uint64_t time;
	size_t size;
	uint8_t *data;			/* encoded for the output's layout */
};

struct pokes {
	struct poke_rec *recs;
	size_t nr;
};

static int compare_time(const void *a, const void *b)
{
	const struct poke_rec *x = a, *y = b;

	return x->time < y->time ? -1 : x->time > y->time;
}

static int check_perf_side(struct perf_file *perf)
{
	const struct perf_event_attr *a = &perf->attrs[0].attr;
	size_t i;

	if (perf_file_feature(perf, PERF_FEAT_DIR_FORMAT))
		return snprintf(perf->error, sizeof(perf->error),
				"a directory recording (perf record --threads) is not supported"), -EINVAL;
	if (perf_file_feature(perf, PERF_FEAT_COMPRESSED))
		return snprintf(perf->error, sizeof(perf->error),
				"compressed records (perf record -z) are not supported"), -EINVAL;
	for (i = 0; i < perf->nr_attrs; i++)
		if (!perf->attrs[i].attr.use_clockid ||
		    perf->attrs[i].attr.clockid != CLOCK_MONOTONIC)
			return snprintf(perf->error, sizeof(perf->error),
					"not recorded with -k CLOCK_MONOTONIC: its times cannot "
					"be compared with textpoke's"), -EINVAL;
	if (!a->sample_id_all || !(a->sample_type & PERF_SAMPLE_TIME))
		return snprintf(perf->error, sizeof(perf->error),
				"its records carry no time (no sample_id_all or no "
				"PERF_SAMPLE_TIME)"), -EINVAL;
	return 0;
}

/* textpoke's TEXT_POKE records, re-encoded for @layout with @id. */
static int collect_pokes(struct perf_file *tp, uint64_t layout, uint64_t id,
			 struct pokes *out)
{
	struct perf_record rec;
	uint64_t pos = 0;
	size_t cap = 0;
	int more;

	out->recs = NULL;
	out->nr = 0;
	while ((more = perf_file_next(tp, &pos, &rec)) > 0) {
		const struct perf_attr_info *a;
		struct text_poke poke;
		struct poke_rec *r;

		if (rec.type != PERF_RECORD_TEXT_POKE)
			continue;
		a = perf_file_attr_of(tp, &rec);
		if (!a)
			return -EINVAL;
		if (text_poke_parse(rec.data, rec.size, a->attr.sample_type, &poke) ||
		    !poke.has_tail)
			return snprintf(tp->error, sizeof(tp->error),
					"a TEXT_POKE record that textpoke did not write"), -EINVAL;
		if (out->nr == cap) {
			struct poke_rec *more_recs;

			cap = cap ? 2 * cap : 256;
			more_recs = realloc(out->recs, cap * sizeof(*more_recs));
			if (!more_recs)
				return -ENOMEM;
			out->recs = more_recs;
		}
		r = &out->recs[out->nr];
		r->size = text_poke_size(poke.old_len, poke.new_len, layout);
		r->data = malloc(r->size);
		if (!r->data)
			return -ENOMEM;
		poke.sid.id = id;
		text_poke_write(r->data, &poke, layout);
		r->time = poke.sid.time;
		out->nr++;
	}
	if (more < 0)
		return more;
	qsort(out->recs, out->nr, sizeof(*out->recs), compare_time);
	return 0;
}

static void free_pokes(struct pokes *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		free(p->recs[i].data);
	free(p->recs);
}

struct output {
	FILE *file;
	uint64_t offset;
	int error;
};

static void out_write(struct output *o, const void *buf, size_t len)
{
	if (!o->error && len && fwrite(buf, 1, len, o->file) != len)
		o->error = -errno ? -errno : -EIO;
	o->offset += len;
}

static void out_pad8(struct output *o)
{
	static const uint8_t zero[8];

	out_write(o, zero, (8 - o->offset % 8) % 8);
}

/* The attrs with their ids re-pointed at the copies after them. */
static void write_attrs(struct output *o, const struct perf_file *perf)
{
	uint64_t attr_size = perf->header.attr_size;
	uint64_t ids_at = o->offset + perf->nr_attrs * attr_size;
	size_t i;

	for (i = 0; i < perf->nr_attrs; i++) {
		const uint8_t *src = perf->buf + perf->header.attrs.offset + i * attr_size;
		struct perf_file_section ids = { ids_at, perf->attrs[i].nr_ids * 8 };

		out_write(o, src, attr_size - sizeof(ids));
		out_write(o, &ids, sizeof(ids));
		ids_at += ids.size;
	}
	for (i = 0; i < perf->nr_attrs; i++)
		out_write(o, perf->attrs[i].ids, perf->attrs[i].nr_ids * 8);
}

static int write_data(struct output *o, struct perf_file *perf, const struct pokes *pokes)
{
	struct perf_record rec;
	uint64_t pos = 0;
	size_t next = 0;
	int more;

	while ((more = perf_file_next(perf, &pos, &rec)) > 0) {
		struct sample_id sid;

		if (perf_record_sample_id(perf, &rec, &sid))
			while (next < pokes->nr && pokes->recs[next].time < sid.time) {
				out_write(o, pokes->recs[next].data, pokes->recs[next].size);
				next++;
			}
		out_write(o, rec.data, rec.total);
	}
	for (; next < pokes->nr; next++)
		out_write(o, pokes->recs[next].data, pokes->recs[next].size);
	return more;
}

/*
 * perf's features, copied; AUXTRACE is left out: it indexes file offsets
 * of AUXTRACE records that have moved, and perf finds them in the data
 * without it.
 */
static void write_features(struct output *o, const struct perf_file *perf,
			   struct perf_file_header *h)
{
	struct perf_file_section table[PERF_FEAT_BITS];
	uint64_t at;
	size_t i, n = 0;

	memset(h->features, 0, sizeof(h->features));
	for (i = 0; i < perf->nr_features; i++)
		if (perf->features[i].bit != PERF_FEAT_AUXTRACE)
			n++;
	at = o->offset + n * sizeof(table[0]);
	n = 0;
	for (i = 0; i < perf->nr_features; i++) {
		const struct perf_feature_section *fs = &perf->features[i];

		if (fs->bit == PERF_FEAT_AUXTRACE)
			continue;
		h->features[fs->bit / 64] |= 1ull << (fs->bit % 64);
		table[n++] = (struct perf_file_section){ at, fs->section.size };
		at += fs->section.size;
	}
	out_write(o, table, n * sizeof(table[0]));
	for (i = 0; i < perf->nr_features; i++)
		if (perf->features[i].bit != PERF_FEAT_AUXTRACE)
			out_write(o, perf->buf + perf->features[i].section.offset,
				  perf->features[i].section.size);
}

static int write_merged(FILE *file, struct perf_file *perf, const struct pokes *pokes)
{
	struct output o = { file, 0, 0 };
	struct perf_file_header h = perf->header;
	int err;

	out_write(&o, &h, sizeof(h));		/* rewritten at the end */
	h.attrs.offset = o.offset;
	write_attrs(&o, perf);
	out_pad8(&o);
	h.data.offset = o.offset;
	err = write_data(&o, perf, pokes);
	if (err < 0)
		return err;
	h.data.size = o.offset - h.data.offset;
	h.event_types = (struct perf_file_section){ 0, 0 };
	write_features(&o, perf, &h);
	if (!o.error && (fseek(file, 0, SEEK_SET) || fwrite(&h, sizeof(h), 1, file) != 1))
		o.error = -errno;
	return o.error;
}

int tp_perf_inject(const char *perf_path, const char *tp_path, const char *out_path,
		   char *error, size_t error_len)
{
	struct perf_file perf, tp;
	struct pokes pokes = { NULL, 0 };
	FILE *out = NULL;
	int err;

	err = perf_file_open(&perf, perf_path);
	if (err) {
		snprintf(error, error_len, "%s: %s", perf_path, perf.error);
		perf_file_close(&perf);
		return err;
	}
	err = perf_file_open(&tp, tp_path);
	if (err) {
		snprintf(error, error_len, "%s: %s", tp_path, tp.error);
		goto out;
	}
	err = check_perf_side(&perf);
	if (err) {
		snprintf(error, error_len, "%s: %s", perf_path, perf.error);
		goto out;
	}
	err = collect_pokes(&tp, perf.attrs[0].attr.sample_type,
			    perf.attrs[0].nr_ids ? perf.attrs[0].ids[0] : 0, &pokes);
	if (err) {
		snprintf(error, error_len, "%s: %s", tp_path, tp.error);
		goto out;
	}
	out = fopen(out_path, "w");
	if (!out) {
		err = -errno;
		snprintf(error, error_len, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	err = write_merged(out, &perf, &pokes);
	if (err == -EINVAL)
		snprintf(error, error_len, "%s: %s", perf_path, perf.error);
	else if (err)
		snprintf(error, error_len, "%s: %s", out_path, strerror(-err));
	if (fclose(out) && !err) {
		err = -errno;
		snprintf(error, error_len, "%s: %s", out_path, strerror(errno));
	}
	if (err)
		remove(out_path);
out:
	free_pokes(&pokes);
	perf_file_close(&tp);
	perf_file_close(&perf);
	return err;
}
