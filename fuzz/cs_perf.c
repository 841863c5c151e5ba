// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: tp-decode -i on a cs_etm perf.data: the auxtrace
 * layer's records, perf's cs_etm AUXTRACE_INFO words, each AUXTRACE
 * buffer through the decode tree of its queue (reading code from a small
 * image) and through the deformatter into per-ID streams.
 */
#include <stdint.h>
#include <string.h>

#include "coresight/cs_deformat.h"
#include "coresight/cs_etm_info.h"
#include "image_windows.h"
#include "perfdata/auxtrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* More trace finds nothing more, slowly. */
#define MAX_BUFFER	4096

static uint32_t read_image(void *arg, uint64_t addr, uint8_t id, uint8_t *buf, uint32_t len)
{
	const struct code_image *img = arg;
	uint64_t extent = code_image_extent(img, addr);

	(void)id;
	if (extent < len)
		len = extent;
	if (!len || code_image_read(img, addr, 0, CODE_CANDIDATE_OLD, buf, len, NULL) < 0)
		return 0;
	return len;
}

static bool count(void *arg, uint64_t index, uint8_t id, const ocsd_generic_trace_elem *e)
{
	(void)index, (void)id, (void)e;
	return ++*(size_t *)arg < 100000;
}

static void decode_queue(const struct cs_etm_info *info, const struct auxtrace_data *d,
			 const struct auxtrace_queue *q, struct code_image *img)
{
	size_t i, elements = 0;

	for (i = 0; i < q->nr_buffers; i++) {
		const struct auxtrace_buffer *b = &d->buffers[q->buffers[i]];
		size_t len = b->size > MAX_BUFFER ? MAX_BUFFER : b->size;
		struct cs_streams streams;
		uint8_t ids[2] = { 0x10, 0x1e };
		struct cs_tree t;

		if (cs_etm_queue_tree(info, d, q, &t))
			continue;
		if (!cs_tree_add_reader(&t, read_image, img))
			cs_tree_decode(&t, b->data, len, b->offset, CS_ALL_IDS, count, &elements);
		if (t.framing != CS_UNFORMATTED && !cs_deformat(b->data, len, t.framing, ids, 2,
								&streams))
			cs_streams_free(&streams);
		cs_tree_close(&t);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct code_image img;
	static int ready;
	struct auxtrace_data d;
	struct cs_etm_info info;
	char error[256];
	size_t i;

	if (!ready)
		ready = fuzz_a64_image(&img) ? -1 : 1;
	if (ready < 0 || auxtrace_parse(&d, data, size))
		return 0;
	for (i = 0; i < d.nr_queues; i++)
		auxtrace_queue_of(&d, d.queues[i].idx);
	for (i = 0; i < d.nr_mmaps; i++) {
		struct auxtrace_image_options o = { .symfs = "/nonexistent" };
		char path[256];
		uint64_t bias;

		auxtrace_mmap_file(&o, &d.mmaps[i], path, sizeof(path), &bias);
	}
	auxtrace_cycles_to_time(&d.time_conv, size);
	if (!cs_etm_info_parse(&d.info, &info, error, sizeof(error))) {
		for (i = 0; i < d.nr_queues; i++)
			decode_queue(&info, &d, &d.queues[i], &img);
		cs_etm_info_free(&info);
	}
	auxtrace_close(&d);
	return 0;
}
