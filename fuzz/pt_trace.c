// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's Intel PT path, libipt's instruction flow
 * decoder over a code image with a nosync and a breakpoint window at one
 * site.  The first byte's bit 0 asks for a decode without the events,
 * bit 1 for the IP filter on the function, bit 2 for MTC timing; the
 * rest is the raw trace, or with bit 3 a perf.data whose intel_pt
 * AUXTRACE_INFO and buffers are read (perfdata/auxtrace, pt/pt_perf)
 * and its queues decoded.
 */
#include <stdint.h>

#include <stdlib.h>

#include "perfdata/auxtrace.h"
#include "pt/pt_decode.h"
#include "pt/pt_perf.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_perf_data(const struct code_image *img, const uint8_t *data, size_t size)
{
	struct pt_decode_options opts = { 0 };
	struct pt_decode_result res;
	struct pt_perf_info info;
	struct auxtrace_data d;
	char error[256];
	size_t i;

	if (auxtrace_parse(&d, data, size))
		return;
	if (!pt_perf_info(&d, &info, error, sizeof(error))) {
		opts.config = info.config;
		for (i = 0; i < d.nr_queues; i++) {
			uint8_t *trace;
			size_t len;

			if (pt_perf_queue_trace(&d, &d.queues[i], &trace, &len))
				continue;
			if (!info.time_zero)
				pt_perf_anchor_clock(&d, &d.queues[i], trace, len, &opts.config.time);
			if (len) {
				pt_decode(&opts, img, trace, len, &res);
				pt_decode_result_free(&res);
			}
			free(trace);
		}
	}
	auxtrace_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image img;
	static int image;		/* 1 built, -1 failed */
	struct pt_decode_options opts = { 0 };
	struct pt_decode_result res;

	if (!image)
		image = fuzz_x86_image(&img) ? -1 : 1;
	if (image < 0 || size < 2)
		return 0;
	if (data[0] & 8) {
		decode_perf_data(&img, data + 1, size - 1);
		return 0;
	}
	opts.ignore_events = data[0] & 1;
	if (data[0] & 2) {
		opts.config.addr_cfg = 1;
		opts.config.addr_a[0] = FUZZ_CODE_BASE;
		opts.config.addr_b[0] = FUZZ_CODE_BASE + 31;
	}
	if (data[0] & 4) {
		opts.config.mtc_freq = 3;
		opts.config.cpuid_0x15_eax = 1;
		opts.config.cpuid_0x15_ebx = 1;
	}
	pt_decode(&opts, &img, data + 1, size - 1, &res);
	pt_decode_result_free(&res);
	return 0;
}
