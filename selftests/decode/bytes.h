/* SPDX-License-Identifier: GPL-2.0 */
/* The growing byte buffer of the tests' trace encoders. */
#ifndef SELFTESTS_DECODE_BYTES_H
#define SELFTESTS_DECODE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Append @byte to *@buf (*@len used of *@cap); false when out of memory. */
bool bytes_append(uint8_t **buf, size_t *len, size_t *cap, uint8_t byte);

#endif
