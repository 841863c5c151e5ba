// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-decode's CoreSight inputs (coresight.h): reading them, and printing
 * what OpenCSD decodes, one line per element.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>

#include "coresight/cs_deformat.h"
#include "coresight/cs_etm_info.h"
#include "etm/etm_decode.h"
#include "coresight/cs_snapshot.h"
#include "image/code_image.h"
#include "perfdata/auxtrace.h"
#include "coresight.h"
#include "tp-decode.h"

/* A buffer larger than this is not one a sink could hold. */
#define MAX_BUFFER_SIZE	(1ull << 32)

/*
 * The listing's state, per trace ID: a range that ended in a taken branch
 * waits for the next one to say where it went.  One per run of the tool.
 */
static struct listing {
	const struct code_image *img;	/* its symbols name the addresses */
	struct {
		bool pending;
		uint64_t from;
	} ids[128];
} listing;

/* "name+0xoff", or "[unknown]" as perf script has it. */
static const char *symbol(uint64_t addr, char *buf, size_t len)
{
	uint64_t off;
	const struct code_symbol *sym = listing.img ? code_image_symbol(listing.img, addr, &off)
						    : NULL;

	if (!sym)
		return "[unknown]";
	snprintf(buf, len, "%s+0x%" PRIx64, sym->name, off);
	return buf;
}

/* A perf script-like line for each branch taken, and each break in the flow. */
static void list_element(uint8_t id, const ocsd_generic_trace_elem *e)
{
	char from[256], to[256];

	switch (e->elem_type) {
	case OCSD_GEN_TRC_ELEM_INSTR_RANGE:
		if (listing.ids[id].pending)
			printf("ID:%x %16" PRIx64 " %s => %16" PRIx64 " %s\n", id,
			       listing.ids[id].from, symbol(listing.ids[id].from, from, sizeof(from)),
			       (uint64_t)e->st_addr, symbol(e->st_addr, to, sizeof(to)));
		listing.ids[id].pending = e->last_instr_exec;
		listing.ids[id].from = e->en_addr - e->last_instr_sz;
		return;
	case OCSD_GEN_TRC_ELEM_EXCEPTION:
		if (listing.ids[id].pending)
			printf("ID:%x %16" PRIx64 " %s => exception %u\n", id, listing.ids[id].from,
			       symbol(listing.ids[id].from, from, sizeof(from)), e->exception_number);
		else
			printf("ID:%x exception %u\n", id, e->exception_number);
		break;
	case OCSD_GEN_TRC_ELEM_ADDR_NACC:
		printf("ID:%x %16" PRIx64 " %s: no code known there\n", id, (uint64_t)e->st_addr,
		       symbol(e->st_addr, from, sizeof(from)));
		break;
	case OCSD_GEN_TRC_ELEM_TRACE_ON:
		printf("ID:%x --- trace on ---\n", id);
		break;
	case OCSD_GEN_TRC_ELEM_NO_SYNC:
		printf("ID:%x --- no sync ---\n", id);
		break;
	case OCSD_GEN_TRC_ELEM_EO_TRACE:
		printf("ID:%x --- end of trace ---\n", id);
		break;
	default:
		return;
	}
	listing.ids[id].pending = false;
}

static bool print_element(void *arg, uint64_t index, uint8_t id,
			  const ocsd_generic_trace_elem *e)
{
	const struct cs_args *a = arg;
	char line[1024];

	if (a->output == CS_OUT_LISTING) {
		list_element(id & 0x7f, e);
		return true;
	}
	if (a->output == CS_OUT_RANGES) {
		if (e->elem_type != OCSD_GEN_TRC_ELEM_INSTR_RANGE)
			return true;
		printf("ID:%x range 0x%" PRIx64 "-0x%" PRIx64 " %u %s\n", id, (uint64_t)e->st_addr,
		       (uint64_t)e->en_addr, e->num_instr_range, e->last_instr_exec ? "E" : "N");
		return true;
	}
	cs_element_line(line, sizeof(line), index, id, e);
	puts(line);
	return true;
}

static void print_warnings(const char *what, const char *warnings)
{
	const char *line = warnings, *end;

	for (; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		fprintf(stderr, "tp-decode: %s: warning: %.*s\n", what, (int)(end - line), line);
		if (!*end)
			break;
	}
}

/* Errors seen in the trace: said once, and the status that says so. */
/* Each source whose last packet the end of the buffer cut. */
static void report_cut_packets(const char *what, const struct cs_tree *t)
{
	unsigned int i;

	if (t->stats.halted)
		return;		/* the decode ended before the end */
	for (i = 0; i < t->nr_decoders; i++) {
		const struct cs_source_config *c = &t->sources[i];

		if (t->stats.cut_packet[i] == UINT64_MAX)
			continue;
		fprintf(stderr, "tp-decode: %s: trace ID 0x%x: the buffer ends inside a packet "
			"(from offset %llu): decoded up to it\n", what,
			(c->protocol == CS_ETE ? c->ete.reg_traceidr : c->etm4.reg_traceidr) & 0x7f,
			(unsigned long long)t->stats.cut_packet[i]);
	}
}

static int trace_status(const char *what, const struct cs_tree *t)
{
	report_cut_packets(what, t);
	if (t->stats.skipped)
		fprintf(stderr, "tp-decode: %s: warning: %zu bytes before the first frame sync "
			"were not decoded\n", what, t->stats.skipped);
	if (t->stats.cut)
		fprintf(stderr, "tp-decode: %s: warning: the buffer ends inside a frame: its "
			"last %zu bytes were not decoded\n", what, t->stats.cut);
	if (!t->stats.nr_errors)
		return 0;
	if (t->stats.halted)
		fprintf(stderr, "tp-decode: %s: decoding stopped at a bad packet in frame-synced "
			"data, as trc_pkt_lister does: %s\n", what, t->stats.first_error);
	else
		fprintf(stderr, "tp-decode: %s: %zu bad packet%s, decoding went on after each; "
			"the first: %s\n", what, t->stats.nr_errors,
			t->stats.nr_errors > 1 ? "s" : "", t->stats.first_error);
	return TP_DECODE_TRACE_ERRORS;
}

int cs_decode_snapshot(const struct cs_args *a)
{
	const struct cs_buffer *b;
	struct cs_snapshot ss;
	struct cs_tree t;
	uint8_t *buf = NULL;
	size_t len = 0;
	int err, status = 1;

	err = cs_snapshot_load(&ss, a->snapshot);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->snapshot, ss.error);
		return 1;
	}
	b = cs_snapshot_buffer(&ss, a->buffer);
	if (!b) {
		fprintf(stderr, "tp-decode: %s: no buffer %s\n", a->snapshot, a->buffer);
		goto out;
	}
	err = cs_snapshot_tree(&ss, b, &t);
	print_warnings(a->snapshot, ss.warnings);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->snapshot, t.error);
		goto out;
	}
	err = read_whole_file(b->path, MAX_BUFFER_SIZE, &buf, &len);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", b->path, strerror(-err));
	} else if (cs_tree_decode(&t, buf, len, 0, a->id, print_element, (void *)a)) {
		fprintf(stderr, "tp-decode: %s: %s\n", b->path, t.error);
	} else {
		fflush(stdout);
		status = trace_status(b->path, &t);
	}
	free(buf);
	cs_tree_close(&t);
out:
	cs_snapshot_free(&ss);
	return status;
}

/* Code for the decoder: the image's base bytes, as far as one region goes. */
static uint32_t read_image(void *arg, uint64_t addr, uint8_t trace_id, uint8_t *buf,
			   uint32_t len)
{
	const struct code_image *img = arg;
	uint64_t extent = code_image_extent(img, addr);

	(void)trace_id;
	if (extent < len)
		len = extent;
	if (!len || code_image_read(img, addr, 0, CODE_CANDIDATE_OLD, buf, len, NULL) < 0)
		return 0;
	return len;
}

/* A mapped file tp-decode could not find: its code reads as not accessible. */
static void say_missing(void *arg, const char *filename)
{
	const struct cs_args *a = arg;

	fprintf(stderr, "tp-decode: %s: warning: %s%s not found: its code is not decoded "
		"(--symfs DIR, -b FILE[@BIAS])\n", a->perf_data, a->symfs ? "under --symfs, " : "",
		filename);
}

/* perf's build-id cache: $PERF_BUILDID_DIR, else ~/.debug. */
static const char *buildid_dir(char *buf, size_t len)
{
	const char *dir = getenv("PERF_BUILDID_DIR"), *home = getenv("HOME");

	if (dir && *dir)
		return dir;
	if (!home || !*home)
		return NULL;
	snprintf(buf, len, "%s/.debug", home);
	return buf;
}

static int load_image(const struct cs_args *a, struct auxtrace_data *d, struct code_image *img)
{
	char cache[4096];
	struct auxtrace_image_options o = {
		.buildid_dir = buildid_dir(cache, sizeof(cache)),
		.missing = say_missing,
		.callback_arg = (void *)a,
		.symfs = a->symfs,
		.binaries = (const struct auxtrace_binary *)a->binaries,
		.nr_binaries = a->nr_binaries,
		.ignore_events = a->ignore_events,
	};

	_Static_assert(sizeof(struct auxtrace_binary) == sizeof(struct cs_binary), "-b layout");
	code_image_init(img);
	if (code_image_set_arch(img, EM_AARCH64) || auxtrace_load_image(d, &o, img) ||
	    code_image_freeze(img)) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, img->error);
		return 1;
	}
	if (!img->nr_regions)
		fprintf(stderr, "tp-decode: %s: warning: no binary of the recording was found "
			"(--symfs DIR, -b FILE[@BIAS])\n", a->perf_data);
	return 0;
}

/* One AUXTRACE buffer through the tree of its queue. */
static int decode_buffer(const struct cs_args *a, const struct cs_etm_info *info,
			 struct auxtrace_data *d, const struct auxtrace_queue *q,
			 const struct auxtrace_buffer *b, struct code_image *img, size_t *errors)
{
	struct cs_tree t;
	int err;

	err = cs_etm_queue_tree(info, d, q, &t);
	if (!err)
		err = cs_tree_add_reader(&t, read_image, img);
	if (!err)
		err = cs_tree_decode(&t, b->data, b->size, b->offset, a->id, print_element,
				     (void *)a);
	if (err) {
		fprintf(stderr, "tp-decode: %s: AUXTRACE at %llu: %s\n", a->perf_data,
			(unsigned long long)b->file_offset, t.error);
		cs_tree_close(&t);
		return 1;
	}
	report_cut_packets(a->perf_data, &t);
	if (t.stats.cut)
		fprintf(stderr, "tp-decode: %s: warning: AUXTRACE at %llu ends inside a frame: "
			"its last %zu bytes were not decoded\n", a->perf_data,
			(unsigned long long)b->file_offset, t.stats.cut);
	if (t.stats.nr_errors && !*errors)
		fprintf(stderr, "tp-decode: %s: AUXTRACE at %llu: %s\n", a->perf_data,
			(unsigned long long)b->file_offset, t.stats.first_error);
	*errors += t.stats.nr_errors;
	cs_tree_close(&t);
	return 0;
}

static void print_queue(const struct auxtrace_queue *q)
{
	printf("# queue %u", q->idx);
	if (q->cpu != AUXTRACE_NONE)
		printf(", CPU %u", q->cpu);
	if (q->tid != AUXTRACE_NONE && q->tid)
		printf(", thread %u", q->tid);
	printf(": %zu buffer%s\n", q->nr_buffers, q->nr_buffers == 1 ? "" : "s");
}

/*
 * One ID's raw ETMv4 trace across the recording's pokes (etm/etm_decode.h):
 * its elements, and how many PRE/POST windows stayed ambiguous.
 */
/* A trace timestamp in the events' clock, as perf converts it. */
static uint64_t converted(const void *arg, uint64_t timestamp)
{
	return auxtrace_cycles_to_time(arg, timestamp);
}

static int decode_across_pokes(const struct cs_args *a, const struct cs_etm_cpu *c,
			       const uint8_t *raw, size_t len, const struct code_image *img,
			       const struct auxtrace_time_conv *tc, size_t *unresolved)
{
	struct etm_decode_options opts = {
		.ignore_events = a->ignore_events,
		.event_time = tc->present ? converted : NULL,
		.event_time_arg = tc,
	};
	struct etm_decode_result res;
	uint8_t id = c->cfg.etm4.reg_traceidr & 0x7f;
	size_t i;
	int err;

	opts.config = c->cfg.etm4;
	/*
	 * perf leaves a TRBE's buffer zero padded: zeros that no 0x80 ends
	 * are no packet (an A-sync needs it), so a stream the scan refuses
	 * with them is tried without them.
	 */
	err = etm_decode(&opts, img, raw, len, &res);
	if (err && len && !raw[len - 1]) {
		struct etm_decode_result again;
		size_t trimmed = len;

		while (trimmed && !raw[trimmed - 1])
			trimmed--;
		if (trimmed && !etm_decode(&opts, img, raw, trimmed, &again)) {
			res = again;
			err = 0;
		}
	}
	if (err) {
		fprintf(stderr, "tp-decode: %s: trace ID 0x%x: %s\n", a->perf_data, id, res.error);
		return 1;
	}
	for (i = 0; i < res.nr_elements; i++)
		print_element((void *)a, res.elements[i].index, id, &res.elements[i].elem);
	for (i = 0; i < res.nr_resolutions; i++)
		*unresolved += !code_resolution_unique(&res.resolutions[i]);
	etm_decode_result_free(&res);
	return 0;
}

/* A buffer of a recording with pokes: each ID's stream on its own. */
static int decode_buffer_with_pokes(const struct cs_args *a, const struct cs_etm_info *info,
				    const struct auxtrace_data *d, const struct auxtrace_queue *q,
				    const struct auxtrace_buffer *b, const struct code_image *img,
				    size_t *unresolved)
{
	struct cs_streams streams = { 0 };
	uint8_t ids[128];
	size_t i, nr = 0;
	struct cs_tree probe;
	int status = 0;

	for (i = 0; i < info->nr_cpus; i++) {
		if (info->cpus[i].supported && info->cpus[i].cfg.protocol == CS_ETE) {
			fprintf(stderr, "tp-decode: %s: CPU %u has an ETE: pokes are followed in "
				"ETMv4 trace only\n", a->perf_data, info->cpus[i].cpu);
			return 1;
		}
	}
	/* The queue's tree says whether the buffer is raw, and for which unit. */
	if (cs_etm_queue_tree(info, d, q, &probe)) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, probe.error);
		return 1;
	}
	cs_tree_close(&probe);
	if (probe.framing == CS_UNFORMATTED) {
		const struct cs_etm_cpu *c = cs_etm_cpu(info, q->cpu);

		if (!c || c->cfg.protocol != CS_ETMV4) {
			fprintf(stderr, "tp-decode: %s: CPU %u: pokes are followed in ETMv4 "
				"trace only\n", a->perf_data, q->cpu);
			return 1;
		}
		return decode_across_pokes(a, c, b->data, b->size, img, &d->time_conv, unresolved);
	}
	for (i = 0; i < info->nr_cpus; i++)
		if (info->cpus[i].supported && info->cpus[i].cfg.protocol == CS_ETMV4 &&
		    (a->id == CS_ALL_IDS || (int)(info->cpus[i].cfg.etm4.reg_traceidr & 0x7f) == a->id))
			ids[nr++] = info->cpus[i].cfg.etm4.reg_traceidr & 0x7f;
	if (cs_deformat(b->data, b->size, probe.framing, ids, nr, &streams)) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, streams.error);
		return 1;
	}
	for (i = 0; !status && i < streams.nr; i++)
		if (streams.streams[i].len)
			status = decode_across_pokes(a, cs_etm_cpu_of_id(info, streams.streams[i].id),
						     streams.streams[i].bytes,
						     streams.streams[i].len, img, &d->time_conv,
						     unresolved);
	cs_streams_free(&streams);
	return status;
}

int cs_decode_perf_data(const struct cs_args *a)
{
	struct auxtrace_data d;
	struct cs_etm_info info;
	struct code_image img;
	char error[256];
	size_t i, j, errors = 0, unresolved = 0;
	bool pokes;
	int status = 0;

	if (auxtrace_open(&d, a->perf_data)) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, d.error);
		return 1;
	}
	if (cs_etm_info_parse(&d.info, &info, error, sizeof(error))) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, error);
		auxtrace_close(&d);
		return 1;
	}
	cs_etm_info_apply_hw_ids(&info, &d);
	/* A recording of pokes: each ID's trace on its own, across the windows. */
	pokes = d.nr_text_pokes > 0;
	status = load_image(a, &d, &img);
	/* The image keeps the functions of every ELF file it read. */
	listing.img = status ? NULL : &img;
	for (i = 0; !status && i < d.nr_queues; i++) {
		const struct auxtrace_queue *q = &d.queues[i];

		if (a->output == CS_OUT_ELEMENTS)
			print_queue(q);
		for (j = 0; !status && j < q->nr_buffers; j++) {
			const struct auxtrace_buffer *b = &d.buffers[q->buffers[j]];

			status = pokes ? decode_buffer_with_pokes(a, &info, &d, q, b, &img,
								  &unresolved)
				       : decode_buffer(a, &info, &d, q, b, &img, &errors);
		}
	}
	fflush(stdout);
	if (!status && !d.nr_buffers)
		fprintf(stderr, "tp-decode: %s: warning: no AUXTRACE record: no trace\n",
			a->perf_data);
	if (!status && errors) {
		fprintf(stderr, "tp-decode: %s: %zu bad packet%s, decoding went on after each\n",
			a->perf_data, errors, errors > 1 ? "s" : "");
		status = TP_DECODE_TRACE_ERRORS;
	}
	if (!status && unresolved) {
		fprintf(stderr, "tp-decode: %s: %zu PRE/POST window%s the trace does not "
			"resolve; decoded with the old bytes\n", a->perf_data, unresolved,
			unresolved > 1 ? "s" : "");
		status = 3;
	}
	code_image_free(&img);
	listing.img = NULL;
	cs_etm_info_free(&info);
	auxtrace_close(&d);
	return status;
}
