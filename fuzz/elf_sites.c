// SPDX-License-Identifier: GPL-2.0
/* libFuzzer target: textpoke-sites' ELF reader and site checks. */
#include <stdint.h>

#include "../tools/textpoke-sites/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sites_file f;

	sites_check(&f, "fuzz", data, size);
	sites_release(&f);
	return 0;
}
