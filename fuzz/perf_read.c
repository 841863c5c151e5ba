// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: tp-perf's perf.data reader, every record of the input. */
#include <stdint.h>

#include "perfdata/perf_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perf_file f;
	struct perf_record rec;
	uint64_t pos = 0;
	int n = 0;

	if (perf_file_parse(&f, data, size))
		return 0;
	while (perf_file_next(&f, &pos, &rec) > 0 && n++ < 100000) {
		struct sample_id id;

		perf_file_attr_of(&f, &rec);
		perf_record_sample_id(&f, &rec, &id);
	}
	perf_file_close(&f);
	return 0;
}
