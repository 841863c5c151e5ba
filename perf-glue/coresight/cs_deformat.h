/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A frame-formatted CoreSight buffer split into one byte stream per trace
 * ID by OpenCSD's own deformatter: a decoder of our own ("collector",
 * registered with OpenCSD once) receives each ID's bytes in place of a
 * protocol decoder.  What ETMv4 decoding across pokes (etm/etm_decode.h)
 * needs, since it works on one ID's raw trace.
 */
#ifndef PERF_GLUE_CS_DEFORMAT_H
#define PERF_GLUE_CS_DEFORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "coresight/cs_decode.h"

struct cs_stream {
	uint8_t id;
	uint8_t *bytes;
	size_t len, cap;
};

struct cs_streams {
	struct cs_stream *streams;	/* in the order of @ids given */
	size_t nr;
	size_t nr_errors;		/* frames the deformatter refused (skipped) */
	char error[256];
};

/*
 * Deformat @len bytes of @framing (CS_FRAMES or CS_FRAMES_FSYNC) into the
 * streams of the @nr trace IDs @ids.  0, or -ENOMEM/-EINVAL with
 * out->error.  Bytes of other IDs are dropped.
 */
int cs_deformat(const uint8_t *buf, size_t len, enum cs_framing framing, const uint8_t *ids,
		size_t nr, struct cs_streams *out);
void cs_streams_free(struct cs_streams *s);

#endif /* PERF_GLUE_CS_DEFORMAT_H */
