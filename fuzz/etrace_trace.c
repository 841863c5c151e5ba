// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's E-Trace path, packets parsed and walked
 * over a code image with a nosync and a breakpoint window at one site.
 * The first byte's bit 0 asks for a decode without the events, the rest
 * is the framed trace.
 */
#include <stdint.h>

#include "../perf-glue/etrace_decode.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CODE_BASE	0x1000

/*
 * The tests' traced function: NOP, C.LI a0 1, C.BEQZ a0 +16, AUIPC a1 0,
 * ADDI a1 a1 14, C.JR a1, C.LI a0 2, C.J +2, C.JR ra.
 */
static const uint8_t code[] = {
	0x13, 0x00, 0x00, 0x00, 0x05, 0x45, 0x01, 0xc9, 0x97, 0x05, 0x00, 0x00,
	0x93, 0x85, 0xe5, 0x00, 0x82, 0x85, 0x09, 0x45, 0x09, 0xa0, 0x82, 0x80,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The NOP becomes JAL x0, +18 in a nosync window, and NOP again in a breakpoint window. */
	static const uint8_t jal[4] = { 0x6f, 0x00, 0x20, 0x01 };
	static const uint8_t ebreak[4] = { 0x73, 0x00, 0x10, 0x00 };
	static struct code_image img;
	static int image;		/* 1 built, -1 failed */
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;

	if (!image)
		image = fuzz_image_with_windows(&img, CODE_BASE, code, sizeof(code), jal,
						ebreak) ? -1 : 1;
	if (image < 0 || size < 2)
		return 0;
	etrace_config_default(&opts.config);
	opts.ignore_events = data[0] & 1;
	etrace_decode(&opts, &img, data + 1, size - 1, &res);
	etrace_decode_result_free(&res);
	return 0;
}
