/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The code images the trace fuzz targets decode against: a small
 * function at FUZZ_CODE_BASE whose first instruction, a NOP, a nosync
 * window changes to a branch at [100, 200) and a breakpoint window
 * changes back at [300, 400), with the traps of its arch.  0 when frozen.
 */
#ifndef FUZZ_IMAGE_WINDOWS_H
#define FUZZ_IMAGE_WINDOWS_H

#include "image/code_image.h"

#define FUZZ_CODE_BASE	0x1000

int fuzz_a64_image(struct code_image *img);	/* for ETMv4 traces */
int fuzz_rv64_image(struct code_image *img);	/* for E-Trace */
int fuzz_x86_image(struct code_image *img);	/* for Intel PT */

#endif
