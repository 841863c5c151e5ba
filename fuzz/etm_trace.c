// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's trace path, an ETMv4 trace decoded with
 * OpenCSD against a code image with a nosync and a breakpoint window.
 * The first byte picks the trace unit's speculation depth (bit 0: 0 or
 * 4) and whether its return stack is on (bit 1, as perf turns it on);
 * the rest is the trace.
 */
#include <stdint.h>
#include <string.h>

#include "etm/etm_decode.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image img;
	static int ready;
	struct etm_decode_options opts = { 0 };
	struct etm_decode_result res;

	if (!ready)
		ready = fuzz_a64_image(&img) ? -1 : 1;
	/* A longer trace finds nothing a shorter one does not, but slowly. */
	if (ready < 0 || size < 2 || size > 1025)
		return 0;
	opts.config.reg_idr0 = 0x28000ea1;
	opts.config.reg_idr1 = 0x4100f424;
	opts.config.reg_idr2 = 0x00000488;
	opts.config.reg_idr8 = data[0] & 1 ? 4 : 0;
	opts.config.reg_configr = 0x00000800 | (data[0] & 2 ? 1u << 12 : 0);	/* TS, RS */
	opts.config.reg_traceidr = 0x10;
	opts.config.arch_ver = ARCH_V8;
	opts.config.core_prof = profile_CortexA;
	if (!etm_decode(&opts, &img, data + 1, size - 1, &res))
		etm_decode_result_free(&res);
	return 0;
}
