// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's E-Trace path, packets parsed and walked
 * over a code image with a nosync and a breakpoint window at one site.
 * The first byte chooses the input's form, the rest is the trace:
 *
 *   bit 0     decode without the events
 *   bits 1-2  srcid_bytes_p of the encapsulation (0-3)
 *   bits 3-4  tstamp_bytes_p: 0, 1, 4 or 8
 *   bit 5     notime_p (format 3 packets without a time field)
 *   bit 6     also --dump-packets (every packet, the reference's way)
 *   bit 7     the trace is a perf.data: its AUXTRACE data is the trace
 *
 * A branch predictor and a jump target cache are always configured: the
 * input's support packets turn them on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "etrace/etrace_decode.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void configure(struct etrace_config *cfg, uint8_t mode)
{
	static const unsigned int tstamp_bytes[] = { 0, 1, 4, 8 };

	etrace_config_default(cfg);
	cfg->srcid_bytes = (mode >> 1) & 3;
	cfg->tstamp_bytes = tstamp_bytes[(mode >> 3) & 3];
	cfg->notime = (mode >> 5) & 1;
	/* Both kinds of format 0, which support packets of the input may enable. */
	cfg->bpred_size = 5;
	cfg->cache_size = 4;
	cfg->f0s_width = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image img;
	static int image;		/* 1 built, -1 failed */
	static FILE *sink;
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;
	const uint8_t *trace = data + 1;
	uint8_t *aux = NULL;
	size_t len = size - 1;
	char error[256];
	bool several;

	if (!image)
		image = fuzz_rv64_image(&img) ? -1 : 1;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (image < 0 || !sink || size < 2)
		return 0;
	configure(&opts.config, data[0]);
	opts.ignore_events = data[0] & 1;
	if (data[0] & 0x80) {
		if (etrace_perf_trace(trace, len, -1, &several, &aux, &len, error, sizeof(error)))
			return 0;
		trace = aux;
	}
	if (data[0] & 0x40)
		etrace_dump_packets(&opts.config, trace, len, sink, error, sizeof(error));
	etrace_decode(&opts, &img, trace, len, &res);
	etrace_decode_result_free(&res);
	free(aux);
	return 0;
}
