// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a CoreSight buffer through OpenCSD's deformatter.
 * The first byte picks the framing (bit 0: with frame syncs, as a TPIU
 * writes it), the units' speculation depth (bit 1: 0 or 4) and return
 * stack (bit 2: on, as perf and juno-ret-stck have it); the rest is the
 * buffer, split into the streams of trace IDs
 * 0x10 and 0x12, and decoded with an ETMv4 unit on each ID without
 * memory (every address not accessible), resynchronising after each bad
 * packet.
 */
#include <stdint.h>
#include <string.h>

#include "coresight/cs_deformat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool count(void *arg, uint64_t index, uint8_t id, const ocsd_generic_trace_elem *e)
{
	(void)index, (void)id, (void)e;
	return ++*(size_t *)arg < 100000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ids[2] = { 0x10, 0x12 };
	enum cs_framing framing;
	struct cs_streams streams;
	struct cs_tree t;
	size_t i, elements = 0;

	if (size < 2 || size > 4097)
		return 0;
	framing = data[0] & 1 ? CS_FRAMES_FSYNC : CS_FRAMES;
	if (!cs_deformat(data + 1, size - 1, framing, ids, 2, &streams))
		cs_streams_free(&streams);
	if (cs_tree_open(&t, framing))
		return 0;
	for (i = 0; i < 2; i++) {
		struct cs_source_config cfg = { .protocol = CS_ETMV4 };

		cfg.etm4.reg_idr0 = 0x28000ea1;
		cfg.etm4.reg_idr1 = 0x4100f424;
		cfg.etm4.reg_idr2 = 0x00000488;
		cfg.etm4.reg_idr8 = data[0] & 2 ? 4 : 0;
		cfg.etm4.reg_configr = 0x00000800 | (data[0] & 4 ? 1u << 12 : 0);
		cfg.etm4.reg_traceidr = ids[i];
		cfg.etm4.arch_ver = ARCH_V8;
		cfg.etm4.core_prof = profile_CortexA;
		cs_tree_add_source(&t, &cfg);
	}
	cs_tree_decode(&t, data + 1, size - 1, 0, CS_ALL_IDS, count, &elements);
	cs_tree_close(&t);
	return 0;
}
