// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's trace path, an ETMv4 trace decoded with
 * OpenCSD against a code image with a nosync and a breakpoint window.
 * The first byte picks the trace unit's speculation depth (0 or 4), the
 * rest is the trace.
 */
#include <stdint.h>
#include <string.h>

#include "../perf-glue/etm_decode.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

#define CODE_BASE	0x1000

/* NOP, MOV X0 #1, CBZ X0 +12, ADR X1 +12, BR X1, MOV X0 #2, B +4, RET, BRK #0x7450 */
static const uint32_t code[] = {
	0xd503201f, 0xd2800020, 0xb4000060, 0x10000061, 0xd61f0020,
	0xd2800040, 0x14000001, 0xd65f03c0, 0xd42e8a00,
};

/*
 * OpenCSD 1.3.3 never frees the element callback's connector (see
 * tp-decode.c).  Its libraries have no frame pointers, so the stack of
 * that allocation ends in libstdc++'s operator new; in this program only
 * OpenCSD allocates with it (the slow unwinder would name the function,
 * at a third of the speed).
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:libstdc++.so\n";
}

/* The NOP becomes B +20 in a nosync window, and NOP again in a breakpoint window. */
static int make_image(struct code_image *img)
{
	static const uint8_t branch[4] = { 0x05, 0x00, 0x00, 0x14 };
	static const uint8_t brk[4] = { 0x00, 0x8a, 0x2e, 0xd4 };

	return fuzz_image_with_windows(img, CODE_BASE, code, sizeof(code), branch, brk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image img;
	static int ready;
	struct etm_decode_options opts = { 0 };
	struct etm_decode_result res;

	if (!ready)
		ready = make_image(&img) ? -1 : 1;
	/* A longer trace finds nothing a shorter one does not, but slowly. */
	if (ready < 0 || size < 2 || size > 1025)
		return 0;
	opts.config.reg_idr0 = 0x28000ea1;
	opts.config.reg_idr1 = 0x4100f424;
	opts.config.reg_idr2 = 0x00000488;
	opts.config.reg_idr8 = data[0] & 1 ? 4 : 0;
	opts.config.reg_configr = 0x00000800;
	opts.config.reg_traceidr = 0x10;
	opts.config.arch_ver = ARCH_V8;
	opts.config.core_prof = profile_CortexA;
	if (!etm_decode(&opts, &img, data + 1, size - 1, &res))
		etm_decode_result_free(&res);
	return 0;
}
