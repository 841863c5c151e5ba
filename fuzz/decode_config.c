// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode's -c file, for either trace.  Bit 0 of the
 * first byte picks ETMv4 (0) or E-Trace (1); then comes the configuration
 * text up to the first NUL, and after it the trace.  A configuration the
 * parser takes then decodes the trace, so that register values no trace
 * unit has reach OpenCSD (or the E-Trace decoder) as tp-decode would
 * pass them.
 */
#include <stdint.h>
#include <string.h>

#include "etm/etm_decode.h"
#include "etrace/etrace_decode.h"
#include "image_windows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_etm(const struct code_image *img, const char *text, size_t text_len,
		       const uint8_t *trace, size_t len)
{
	struct etm_decode_options opts = { 0 };
	struct etm_decode_result res;
	char error[256];

	if (etm_config_parse(text, text_len, &opts.config, error, sizeof(error)))
		return;
	if (len && !etm_decode(&opts, img, trace, len, &res))
		etm_decode_result_free(&res);
}

static void decode_etrace(const struct code_image *img, const char *text, size_t text_len,
			  const uint8_t *trace, size_t len)
{
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;
	char error[256];

	etrace_config_default(&opts.config);
	if (etrace_config_parse(text, text_len, &opts.config, error, sizeof(error)))
		return;
	etrace_decode(&opts, img, trace, len, &res);
	etrace_decode_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image a64, rv64;
	static int ready;
	const char *text = (const char *)data + 1;
	const uint8_t *nul, *trace;
	size_t text_len, len;

	if (!ready)
		ready = fuzz_a64_image(&a64) || fuzz_rv64_image(&rv64) ? -1 : 1;
	/* Longer traces are etm-trace's and etrace-trace's work. */
	if (ready < 0 || size < 1 || size > 2048)
		return 0;
	nul = memchr(text, 0, size - 1);
	text_len = nul ? (size_t)(nul - data - 1) : size - 1;
	trace = data + 1 + text_len + (nul != NULL);
	len = size - (size_t)(trace - data);
	if (data[0] & 1)
		decode_etrace(&rv64, text, text_len, trace, len);
	else
		decode_etm(&a64, text, text_len, trace, len);
	return 0;
}
