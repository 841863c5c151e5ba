// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * perf.data reading with bounds checks on every offset a file gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perfdata/perf_read.h"

/* More would be a corrupt file, not a recording. */
#define MAX_ATTRS	4096
#define MAX_IDS		(1u << 20)

static int fail(struct perf_file *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Whether [offset, offset + size) lies inside the file. */
static bool in_file(const struct perf_file *f, uint64_t offset, uint64_t size)
{
	return offset <= f->size && size <= f->size - offset;
}

static int check_header(struct perf_file *f)
{
	struct perf_file_header *h = &f->header;

	if (f->size < 16)
		return fail(f, "too short for a perf.data header (%zu bytes)", f->size);
	memcpy(h, f->buf, 16);
	if (h->magic == PERF_MAGIC2_SWAPPED)
		return fail(f, "written with the other byte order: not supported");
	if (h->magic != PERF_MAGIC2)
		return fail(f, "not a perf.data file (no PERFILE2 magic)");
	if (h->size == 16)
		return fail(f, "a pipe-mode perf.data (perf record -o -): record to a file");
	if (h->size != sizeof(*h))
		return fail(f, "header size %llu, expected %zu",
			    (unsigned long long)h->size, sizeof(*h));
	if (f->size < sizeof(*h))
		return fail(f, "truncated in the header");
	memcpy(h, f->buf, sizeof(*h));
	if (!in_file(f, h->attrs.offset, h->attrs.size))
		return fail(f, "attribute section outside the file");
	if (!in_file(f, h->data.offset, h->data.size))
		return fail(f, "data section (%llu bytes at %llu) runs past the end of "
			    "the file (%zu bytes): truncated?",
			    (unsigned long long)h->data.size,
			    (unsigned long long)h->data.offset, f->size);
	return 0;
}

static int read_attrs(struct perf_file *f)
{
	const struct perf_file_header *h = &f->header;
	size_t i, attr_bytes;

	if (h->attr_size <= sizeof(struct perf_file_section) ||
	    h->attr_size - sizeof(struct perf_file_section) < PERF_ATTR_SIZE_VER0 ||
	    h->attr_size > 4096)
		return fail(f, "bad attribute size %llu", (unsigned long long)h->attr_size);
	attr_bytes = h->attr_size - sizeof(struct perf_file_section);
	if (!h->attrs.size || h->attrs.size % h->attr_size)
		return fail(f, "attribute section is not a whole number of attributes");
	f->nr_attrs = h->attrs.size / h->attr_size;
	if (f->nr_attrs > MAX_ATTRS)
		return fail(f, "%zu attributes: corrupt", f->nr_attrs);
	f->attrs = calloc(f->nr_attrs, sizeof(*f->attrs));
	if (!f->attrs)
		return -ENOMEM;
	for (i = 0; i < f->nr_attrs; i++) {
		const uint8_t *p = f->buf + h->attrs.offset + i * h->attr_size;
		struct perf_attr_info *a = &f->attrs[i];
		struct perf_file_section ids;

		memcpy(&a->attr, p, attr_bytes < sizeof(a->attr) ? attr_bytes : sizeof(a->attr));
		memcpy(&ids, p + attr_bytes, sizeof(ids));
		if (!in_file(f, ids.offset, ids.size) || ids.size % 8 || ids.size / 8 > MAX_IDS)
			return fail(f, "ids of attribute %zu outside the file", i);
		a->nr_ids = ids.size / 8;
		a->ids = calloc(a->nr_ids ? a->nr_ids : 1, 8);
		if (!a->ids)
			return -ENOMEM;
		memcpy(a->ids, f->buf + ids.offset, ids.size);
	}
	return 0;
}

/* The feature table right after the data: one section per bit set. */
static int read_features(struct perf_file *f)
{
	uint64_t table = f->header.data.offset + f->header.data.size;
	int bit;

	f->nr_features = 0;
	for (bit = 0; bit < PERF_FEAT_BITS; bit++) {
		struct perf_feature_section *fs = &f->features[f->nr_features];

		if (!(f->header.features[bit / 64] & (1ull << (bit % 64))))
			continue;
		if (!in_file(f, table, sizeof(fs->section)))
			return fail(f, "feature table runs past the end of the file: truncated?");
		memcpy(&fs->section, f->buf + table, sizeof(fs->section));
		if (!in_file(f, fs->section.offset, fs->section.size))
			return fail(f, "feature %d outside the file", bit);
		fs->bit = bit;
		f->nr_features++;
		table += sizeof(fs->section);
	}
	return 0;
}

static void attrs_free(struct perf_file *f)
{
	size_t i;

	for (i = 0; f->attrs && i < f->nr_attrs; i++)
		free(f->attrs[i].ids);
	free(f->attrs);
	f->attrs = NULL;
}

/* On error nothing is left to free (f->error says what is wrong). */
int perf_file_parse(struct perf_file *f, const uint8_t *buf, size_t size)
{
	int err;

	memset(f, 0, sizeof(*f));
	f->buf = (uint8_t *)buf;
	f->size = size;
	err = check_header(f);
	if (!err)
		err = read_attrs(f);
	if (!err)
		err = read_features(f);
	if (err)
		attrs_free(f);
	return err;
}

int perf_file_open(struct perf_file *f, const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	memset(f, 0, sizeof(*f));
	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		snprintf(f->error, sizeof(f->error), "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		snprintf(f->error, sizeof(f->error), "out of memory");
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	err = perf_file_parse(f, buf, done);
	if (err) {
		free(buf);
		f->buf = NULL;
		return err;
	}
	f->owned = true;
	return 0;
}

void perf_file_close(struct perf_file *f)
{
	attrs_free(f);
	if (f->owned)
		free(f->buf);
	f->buf = NULL;
}

int perf_file_next(struct perf_file *f, uint64_t *pos, struct perf_record *rec)
{
	const struct perf_file_header *h = &f->header;
	struct perf_event_header eh;
	uint64_t left = h->data.size - *pos;

	if (*pos >= h->data.size)
		return 0;
	if (left < sizeof(eh))
		return fail(f, "data ends inside a record header at %llu",
			    (unsigned long long)(h->data.offset + *pos));
	rec->data = f->buf + h->data.offset + *pos;
	memcpy(&eh, rec->data, sizeof(eh));
	if (eh.size < sizeof(eh) || eh.size > left)
		return fail(f, "record of %u bytes at %llu does not fit the data section",
			    eh.size, (unsigned long long)(h->data.offset + *pos));
	rec->type = eh.type;
	rec->misc = eh.misc;
	rec->size = eh.size;
	rec->total = eh.size;
	if (eh.type == PERF_RECORD_AUXTRACE_TYPE) {
		uint64_t payload;

		if (eh.size < 16)
			return fail(f, "AUXTRACE record too short");
		memcpy(&payload, rec->data + 8, 8);
		if (payload > left - eh.size)
			return fail(f, "AUXTRACE payload runs past the data section");
		rec->total += payload;
	}
	*pos += rec->total;
	return 1;
}

static bool attrs_carry_identifier(const struct perf_file *f)
{
	return f->nr_attrs > 1 && (f->attrs[0].attr.sample_type & PERF_SAMPLE_IDENTIFIER);
}

const struct perf_attr_info *perf_file_attr_of(struct perf_file *f,
					       const struct perf_record *rec)
{
	uint64_t id;
	size_t i, j;

	if (!attrs_carry_identifier(f) || rec->type >= PERF_RECORD_USER_TYPE_START)
		return &f->attrs[0];
	if (rec->size < 16) {
		fail(f, "record too short for its identifier");
		return NULL;
	}
	if (rec->type == PERF_RECORD_SAMPLE)
		memcpy(&id, rec->data + 8, 8);
	else
		memcpy(&id, rec->data + rec->size - 8, 8);
	for (i = 0; i < f->nr_attrs; i++)
		for (j = 0; j < f->attrs[i].nr_ids; j++)
			if (f->attrs[i].ids[j] == id)
				return &f->attrs[i];
	fail(f, "record with unknown identifier %llu", (unsigned long long)id);
	return NULL;
}

/* PERF_RECORD_SAMPLE: IDENTIFIER, IP, TID, TIME, ..., CPU in that order. */
static bool sample_fields(const struct perf_record *rec, uint64_t type,
			  struct sample_id *sid)
{
	const uint8_t *p = rec->data + sizeof(struct perf_event_header);
	const uint8_t *end = rec->data + rec->size;

	memset(sid, 0, sizeof(*sid));
	p += 8 * !!(type & PERF_SAMPLE_IDENTIFIER) + 8 * !!(type & PERF_SAMPLE_IP);
	if (type & PERF_SAMPLE_TID) {
		if (p + 8 > end)
			return false;
		memcpy(&sid->pid, p, 4);
		memcpy(&sid->tid, p + 4, 4);
		p += 8;
	}
	if (!(type & PERF_SAMPLE_TIME) || p + 8 > end)
		return false;
	memcpy(&sid->time, p, 8);
	return true;
}

bool perf_record_sample_id(struct perf_file *f, const struct perf_record *rec,
			   struct sample_id *sid)
{
	const struct perf_attr_info *a;
	uint64_t type;

	memset(sid, 0, sizeof(*sid));
	if (rec->type >= PERF_RECORD_USER_TYPE_START)
		return false;
	a = perf_file_attr_of(f, rec);
	if (!a)
		return false;
	type = a->attr.sample_type;
	if (rec->type == PERF_RECORD_SAMPLE)
		return sample_fields(rec, type, sid);
	if (!a->attr.sample_id_all || !(type & PERF_SAMPLE_TIME) ||
	    rec->size < sizeof(struct perf_event_header) + sample_id_size(type))
		return false;
	sample_id_read(rec->data + rec->size, type, sid);
	return true;
}

const struct perf_file_section *perf_file_feature(const struct perf_file *f, int bit)
{
	size_t i;

	for (i = 0; i < f->nr_features; i++)
		if (f->features[i].bit == bit)
			return &f->features[i].section;
	return NULL;
}
