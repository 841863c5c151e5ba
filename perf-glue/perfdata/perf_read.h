/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a perf.data file (perf's or textpoke's) whole into memory, with
 * every offset and size checked before use: a truncated or corrupt file
 * gives -EINVAL and a sentence in f->error, never a read outside the
 * file.  Used by tp-perf and the tests; not part of the library.
 */
#ifndef PERF_GLUE_PERF_READ_H
#define PERF_GLUE_PERF_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../textpoke/events/perf_file.h"

struct perf_attr_info {
	struct perf_event_attr attr;	/* zero-extended to this build's size */
	uint64_t *ids;
	size_t nr_ids;
};

struct perf_feature_section {
	int bit;
	struct perf_file_section section;
};

struct perf_file {
	uint8_t *buf;
	size_t size;
	bool owned;			/* buf is ours to free */
	struct perf_file_header header;
	struct perf_attr_info *attrs;
	size_t nr_attrs;
	struct perf_feature_section features[PERF_FEAT_BITS];
	size_t nr_features;
	char error[256];
};

/* A record of the data section; AUXTRACE records include their payload. */
struct perf_record {
	uint32_t type;
	uint16_t misc;
	const uint8_t *data;		/* the record, from its header */
	size_t size;			/* header.size */
	size_t total;			/* size plus an AUXTRACE payload */
};

/* Read @path and check it; -errno (I/O) or -EINVAL (format). */
int perf_file_open(struct perf_file *f, const char *path);
/* Check @size bytes at @buf, which must outlive @f. */
int perf_file_parse(struct perf_file *f, const uint8_t *buf, size_t size);
void perf_file_close(struct perf_file *f);

/*
 * The record at data offset *@pos; advances *@pos.  1 for a record, 0 at
 * the end of the data, -EINVAL (f->error says why) for a bad one.
 */
int perf_file_next(struct perf_file *f, uint64_t *pos, struct perf_record *rec);

/*
 * The attribute a record belongs to: by its IDENTIFIER when the file has
 * several attributes that carry one, else the first (as perf does).  NULL
 * and f->error when the identifier is unknown.
 */
const struct perf_attr_info *perf_file_attr_of(struct perf_file *f,
					       const struct perf_record *rec);

/*
 * The pid, tid, time and cpu of a record: the sample fields of a
 * PERF_RECORD_SAMPLE, the sample_id trailer of a kernel record when the
 * attribute has sample_id_all.  Returns whether @sid->time is known.
 */
bool perf_record_sample_id(struct perf_file *f, const struct perf_record *rec,
			   struct sample_id *sid);

/* The section of feature @bit, or NULL. */
const struct perf_file_section *perf_file_feature(const struct perf_file *f, int bit);

#endif /* PERF_GLUE_PERF_READ_H */
