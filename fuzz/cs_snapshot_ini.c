// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: an OpenCSD snapshot's ini text, read as each of its
 * files is: every section and key looked up, and as a trace source's
 * device file, its registers into an ETMv4 or ETE configuration that
 * OpenCSD is then given.
 */
#include <stdint.h>
#include <string.h>

#include "coresight/cs_snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cs_device dev = { 0 }, core = { .name = "cpu_0", .type = "Cortex-A57" };
	struct cs_source_config cfg;
	char error[256];
	uint64_t v;
	size_t i;

	if (cs_ini_parse(&dev.ini, (const char *)data, size, error, sizeof(error)))
		return 0;
	for (i = 0; i < dev.ini.nr; i++)
		cs_ini_get(&dev.ini, dev.ini.entries[i].section, dev.ini.entries[i].key);
	for (i = 0; i < dev.ini.nr_sections; i++)
		cs_ini_has_section(&dev.ini, dev.ini.sections[i]);
	cs_ini_get(&dev.ini, "trace_buffers", "buffers");
	dev.name = cs_ini_get(&dev.ini, "device", "name");
	dev.type = cs_ini_get(&dev.ini, "device", "type");
	cs_device_reg(&dev, "TRCIDR0", &v);
	if (dev.name && dev.type) {
		ocsd_arch_version_t arch;
		ocsd_core_profile_t profile;

		cs_core_profile(dev.type, &arch, &profile);
		if (!cs_snapshot_source_config(&dev, &core, &cfg, error, sizeof(error))) {
			struct cs_tree t;

			if (!cs_tree_open(&t, CS_FRAMES)) {
				cs_tree_add_source(&t, &cfg);
				cs_tree_close(&t);
			}
		}
	}
	cs_ini_free(&dev.ini);
	return 0;
}
