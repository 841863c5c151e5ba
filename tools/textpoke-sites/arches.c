// SPDX-License-Identifier: LGPL-2.1-or-later
/* The architectures textpoke-sites reads, by ELF machine, and their relocations. */
#include <stddef.h>

#include "arch.h"

static const struct sites_arch *const arches[] = {
	&sites_arch_x86,
	&sites_arch_arm64,
	&sites_arch_riscv,
};

const struct sites_arch *sites_arch_of(uint16_t machine)
{
	size_t i;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i]->machine == machine)
			return arches[i];
	return NULL;
}

struct reloc_type sites_reloc_type(const struct sites_arch *arch,
				   uint32_t type)
{
	size_t i;

	for (i = 0; i < arch->nr_relocs; i++)
		if (arch->relocs[i].type == type)
			return arch->relocs[i];
	return (struct reloc_type){ .type = type, .op = RELOC_UNSUPPORTED };
}
