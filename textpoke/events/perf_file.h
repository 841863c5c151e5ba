/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of the perf.data format textpoke writes and reads, as
 * tools/perf/Documentation/perf.data-file-format.txt describes them:
 * the PERFILE2 header, the attribute section, the feature sections, the
 * sample_id trailer of non-sample records, and PERF_RECORD_TEXT_POKE with
 * textpoke's PRE/POST marking (perf-glue/README.md).
 *
 * Shared by the library's writer, tp-perf and the tests.  Little-endian
 * files of the host's byte order only: every architecture textpoke runs
 * on is little-endian.
 */
#ifndef PERF_GLUE_PERF_FILE_H
#define PERF_GLUE_PERF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/perf_event.h>

#define PERF_MAGIC2		0x32454c4946524550ull	/* "PERFILE2" */
#define PERF_MAGIC2_SWAPPED	0x50455246494c4532ull

/*
 * perf 6.1 refuses attributes longer than its own (128 bytes, VER7):
 * write exactly that much, whatever the build's headers know.
 */
#define PERF_FILE_ATTR_SIZE	PERF_ATTR_SIZE_VER7

struct perf_file_section {
	uint64_t offset;
	uint64_t size;
};

#define PERF_FEAT_BITS		256

struct perf_file_header {
	uint64_t magic;
	uint64_t size;			/* of this header */
	uint64_t attr_size;		/* of one entry of the attrs section */
	struct perf_file_section attrs;
	struct perf_file_section data;
	struct perf_file_section event_types;	/* unused */
	uint64_t features[PERF_FEAT_BITS / 64];
};

/* Feature sections (perf's HEADER_*) textpoke writes or must treat apart. */
enum perf_feature {
	PERF_FEAT_OSRELEASE	= 4,
	PERF_FEAT_ARCH		= 6,
	PERF_FEAT_NRCPUS	= 7,
	PERF_FEAT_AUXTRACE	= 18,
	PERF_FEAT_CLOCKID	= 23,
	PERF_FEAT_DIR_FORMAT	= 24,
	PERF_FEAT_COMPRESSED	= 27,
};

/* User-space record types perf writes itself, never the kernel. */
#define PERF_RECORD_USER_TYPE_START	64
#define PERF_RECORD_AUXTRACE_TYPE	71
#define PERF_RECORD_COMPRESSED_TYPE	81

/* The layout of a TEXT_POKE record before its tail and trailer. */
struct text_poke_head {
	struct perf_event_header header;
	uint64_t addr;
	uint16_t old_len;
	uint16_t new_len;
	/* old_len + new_len bytes, padded so the whole is 8-aligned */
} __attribute__((packed));

/*
 * textpoke's tail: between the padded bytes and the sample_id trailer.
 * perf finds the trailer from the end of a record and the bytes from the
 * lengths, so it never reads these 16 bytes; a kernel record has fewer
 * than 8 bytes of padding there, never the magic.
 */
#define TEXTPOKE_TAIL_MAGIC	0x56455054u	/* "TPEV" */

struct textpoke_tail {
	uint32_t magic;
	uint8_t phase;			/* enum tp_event_phase */
	uint8_t backend;		/* enum tp_backend */
	uint16_t reserved;
	uint64_t batch;
};

/* The values of a sample_id trailer (what sample_id_all appends). */
struct sample_id {
	uint32_t pid, tid;
	uint64_t time;
	uint64_t id;			/* PERF_SAMPLE_ID, _STREAM_ID, _IDENTIFIER */
	uint32_t cpu;
};

/* The trailer bits of a sample_type; sizes and layouts of the trailer. */
#define SAMPLE_ID_BITS	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
			 PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER)

size_t sample_id_size(uint64_t sample_type);
void sample_id_write(void *dst, uint64_t sample_type, const struct sample_id *sid);
/* From the trailer that ends at @end; the record must be long enough. */
void sample_id_read(const void *end, uint64_t sample_type, struct sample_id *sid);

/* A TEXT_POKE record, decoded. */
struct text_poke {
	uint64_t addr;
	uint16_t old_len, new_len;
	const uint8_t *old, *new;	/* into the record */
	bool has_tail;
	struct textpoke_tail tail;
	struct sample_id sid;
};

/* Bytes of a TEXT_POKE record with these lengths, tail and trailer. */
size_t text_poke_size(unsigned int old_len, unsigned int new_len, uint64_t sample_type);

/*
 * Write the record of @poke to @dst (text_poke_size() bytes), with the
 * tail if @poke->has_tail and the trailer of @sample_type.  misc says
 * user space: these are process addresses.
 */
size_t text_poke_write(void *dst, const struct text_poke *poke, uint64_t sample_type);

/*
 * Decode the TEXT_POKE record @rec of @len bytes (its header's size, at
 * least 8), whose attribute has @sample_type (0: no trailer).  -EINVAL
 * when the lengths do not fit the record.
 */
int text_poke_parse(const void *rec, size_t len, uint64_t sample_type,
		    struct text_poke *out);

/* A string feature: u32 length padded to 64, then the string, NUL-padded. */
size_t perf_string_size(const char *s);
size_t perf_string_write(void *dst, const char *s);

#endif /* PERF_GLUE_PERF_FILE_H */
