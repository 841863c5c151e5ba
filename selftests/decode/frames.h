/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CoreSight trace formatter, as an ETR writes its memory: 16-byte
 * frames whose even bytes are an ID change (bit 0 set) or data with its
 * lowest bit moved to byte 15, the odd bytes data.  Written for the tests
 * from the CoreSight architecture's frame description.
 */
#ifndef SELFTESTS_DECODE_FRAMES_H
#define SELFTESTS_DECODE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

struct frame_source {
	uint8_t id;
	const uint8_t *bytes;
	size_t len;
};

/*
 * The @nr sources' bytes interleaved frame by frame, each frame one
 * source's (ID change first); a malloc'd buffer in *@out.  0 or -ENOMEM.
 */
int frames_format(const struct frame_source *src, size_t nr, uint8_t **out, size_t *len);

#endif /* SELFTESTS_DECODE_FRAMES_H */
