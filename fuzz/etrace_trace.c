// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's E-Trace path, packets parsed and walked
 * over a code image with a nosync and a breakpoint window at one site.
 * The first byte's bit 0 asks for a decode without the events, the rest
 * is the framed trace.
 */
#include <stdint.h>

#include "etrace/etrace_decode.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image img;
	static int image;		/* 1 built, -1 failed */
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;

	if (!image)
		image = fuzz_rv64_image(&img) ? -1 : 1;
	if (image < 0 || size < 2)
		return 0;
	etrace_config_default(&opts.config);
	opts.ignore_events = data[0] & 1;
	etrace_decode(&opts, &img, data + 1, size - 1, &res);
	etrace_decode_result_free(&res);
	return 0;
}
