/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Growing an array by doubling, for the decoder's lists (changes,
 * timestamps, elements) whose length the input decides.
 */
#ifndef PERF_GLUE_ARRAY_H
#define PERF_GLUE_ARRAY_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Room for element @nr in *@array (a pointer to the array's pointer) of
 * *@cap elements of @size bytes: doubled when full, @first at first.
 * 0, or -ENOMEM with the array as it was.
 */
static inline int array_make_room(void *array, size_t *cap, size_t nr, size_t size, size_t first)
{
	void **base = array;
	size_t want;
	void *grown;

	if (nr < *cap)
		return 0;
	want = *cap ? 2 * *cap : first;
	if (want > SIZE_MAX / size)
		return -ENOMEM;
	grown = realloc(*base, want * size);
	if (!grown)
		return -ENOMEM;
	*base = grown;
	*cap = want;
	return 0;
}

#endif /* PERF_GLUE_ARRAY_H */
