// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: tp-graph's reader and printer of graph recordings. */
#include <stdint.h>
#include <stdio.h>

#include "../tools/tp-graph/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct replay_opts opts = { 0 };

	if (!null && !(null = fopen("/dev/null", "w")))
		return 0;
	graph_replay(null, null, data, size, &opts);
	return 0;
}
