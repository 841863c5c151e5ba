// SPDX-License-Identifier: GPL-2.0
/* The trace fuzz targets' code image (image_windows.h). */
#include <string.h>

#include "image_windows.h"

int fuzz_image_with_windows(struct code_image *img, uint64_t base, const void *code,
			    size_t size, const uint8_t branch[4], const uint8_t trap[4])
{
	struct code_change nosync = {
		.addr = base, .len = 4, .pre_time = 100, .post_time = 200,
		.backend = TP_BACKEND_NOSYNC,
	};
	struct code_change breakpoint = nosync;

	memcpy(nosync.old, code, 4);
	memcpy(nosync.new, branch, 4);
	memcpy(breakpoint.old, branch, 4);
	memcpy(breakpoint.new, code, 4);
	breakpoint.pre_time = 300;
	breakpoint.post_time = 400;
	breakpoint.backend = TP_BACKEND_BREAKPOINT;
	code_image_init(img);
	if (code_image_set_trap(img, trap, 4) || code_image_add_region(img, base, code, size) ||
	    code_image_add_change(img, &nosync) || code_image_add_change(img, &breakpoint))
		return -1;
	return code_image_freeze(img);
}
