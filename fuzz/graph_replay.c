// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-graph's reader and printer of graph recordings,
 * with each option that changes what is read of it: the objects' lines,
 * names demangled or not, and return values printed or not.
 */
#include <stdint.h>
#include <stdio.h>

#include "../tools/tp-graph/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct replay_opts opts[] = {
		{ .objects = true, .retval = REPLAY_RETVAL_INT },
		{ .raw_names = true, .retval = REPLAY_RETVAL_FP },
		{ .retval = REPLAY_RETVAL_HEX },
	};
	static FILE *null;
	size_t i;

	if (!null && !(null = fopen("/dev/null", "w")))
		return 0;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		graph_replay(null, null, data, size, &opts[i]);
	return 0;
}
