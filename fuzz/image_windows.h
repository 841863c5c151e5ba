/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The code image the trace fuzz targets decode against: @size bytes of
 * @code at @base, whose first instruction (4 bytes) a nosync window
 * changes to @branch at [100, 200) and a breakpoint window changes back
 * at [300, 400), with @trap as the breakpoint's trap.  0 when frozen.
 */
#ifndef FUZZ_IMAGE_WINDOWS_H
#define FUZZ_IMAGE_WINDOWS_H

#include "../perf-glue/code_image.h"

int fuzz_image_with_windows(struct code_image *img, uint64_t base, const void *code,
			    size_t size, const uint8_t branch[4], const uint8_t trap[4]);

#endif
