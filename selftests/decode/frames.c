// SPDX-License-Identifier: GPL-2.0
/*
 * The test's frame formatter (frames.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"

#define FRAME	16
#define DATA	14		/* bytes 1..14 after the ID change at byte 0 */

/*
 * One frame: the ID change at byte 0 (taking effect at once: aux bit 0
 * clear), @n data bytes from byte 1, then the null ID 0 and zeros.  @n is
 * 14 or odd, so that what follows the data starts at an even byte.
 */
static void frame(uint8_t *f, uint8_t id, const uint8_t *data, size_t n)
{
	size_t i;

	memset(f, 0, FRAME);
	f[0] = (uint8_t)(id << 1) | 1;
	for (i = 0; i < n; i++) {
		size_t pos = 1 + i;

		if (pos % 2) {
			f[pos] = data[i];
		} else {
			f[pos] = data[i] & 0xfe;
			f[15] |= (data[i] & 1) << (pos / 2);
		}
	}
	if (n < DATA)
		f[1 + n] = 0x01;	/* ID 0: the rest is nobody's */
}

int frames_format(const struct frame_source *src, size_t nr, uint8_t **out, size_t *len)
{
	size_t *done = calloc(nr ? nr : 1, sizeof(*done)), frames = 0, i, used = 0;
	bool left = true;
	uint8_t *buf;

	if (!done)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		frames += src[i].len / 13 + 2;
	buf = calloc(frames ? frames : 1, FRAME);
	if (!buf) {
		free(done);
		return -ENOMEM;
	}
	while (left) {
		left = false;
		for (i = 0; i < nr; i++) {
			size_t n = src[i].len - done[i];

			if (!n)
				continue;
			if (n > DATA)
				n = DATA;
			else if (n % 2 == 0 && n < DATA)
				n--;
			frame(buf + used, src[i].id, src[i].bytes + done[i], n);
			used += FRAME;
			done[i] += n;
			left |= done[i] < src[i].len;
		}
	}
	free(done);
	*out = buf;
	*len = used;
	return 0;
}
