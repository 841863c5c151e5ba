// SPDX-License-Identifier: GPL-2.0
/* The tests' trace encoders' byte buffer (bytes.h). */
#include <stdlib.h>

#include "bytes.h"

bool bytes_append(uint8_t **buf, size_t *len, size_t *cap, uint8_t byte)
{
	if (*len == *cap) {
		size_t grown = *cap ? 2 * *cap : 256;
		uint8_t *p = realloc(*buf, grown);

		if (!p)
			return false;
		*buf = p;
		*cap = grown;
	}
	(*buf)[(*len)++] = byte;
	return true;
}
