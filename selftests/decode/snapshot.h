/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An OpenCSD snapshot directory (the format trc_pkt_lister reads): one
 * A64 core, one ETMv4 source with the registers of a configuration, its
 * raw trace, and one memory dump of the core's code.
 */
#ifndef SELFTESTS_DECODE_SNAPSHOT_H
#define SELFTESTS_DECODE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>
#include <opencsd/c_api/opencsd_c_api.h>

struct snapshot_memory {
	uint64_t addr;
	const void *bytes;
	size_t len;
};

/* Write the snapshot into the existing directory @dir; 0 or -errno. */
int snapshot_write(const char *dir, const ocsd_etmv4_cfg *cfg, const void *trace, size_t len,
		   const struct snapshot_memory *mem);

#endif
