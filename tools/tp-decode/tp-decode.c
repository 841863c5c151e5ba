// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-decode: decode a raw ETMv4 trace (with OpenCSD), an E-Trace (with
 * our own decoder) or an Intel PT trace (with libipt) of a process
 * textpoke changed while it was traced,
 * against the code the process had at each moment (docs/tp-decode.1).
 *
 *   tp-decode [--format etm|etrace|pt] -t TRACE [-c CONFIG] [-e EVENTS]
 *             -b FILE[@BIAS]... [-m FILE@ADDR]... [--ignore-events] [--no-flush] [--ranges]
 *             [--framing encap] [--cpu N]
 *   tp-decode --format etrace --dump-packets -t TRACE [-c CONFIG] [--cpu N]
 *   tp-decode --snapshot DIR [--buffer NAME] [--id ID] [--ranges]
 *   tp-decode [--format etrace] -i PERF.DATA [--symfs DIR] [-b FILE[@BIAS]]... [--id ID]
 *             [--ranges | --listing] [--ignore-events] [-c CONFIG] [--cpu N]
 *             [--dump-packets]
 *   tp-decode --format pt -i PERF.DATA [-c CONFIG] [-e EVENTS] [-b FILE[@BIAS]]...
 *   tp-decode --help | --version
 *
 * Exit status 0, 1 for an input it cannot use (one line on stderr), 2
 * for a bad command line, 3 when the trace decoded but a PRE/POST window
 * stayed ambiguous (reported on stderr), 4 when it decoded but had
 * packets OpenCSD could not decode (decoding went on after each).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/code_image.h"
#include "etm/etm_decode.h"
#include "etrace/etrace_decode.h"
#include "perfdata/auxtrace.h"
#include "coresight.h"
#include "tp-decode.h"

/* A raw trace buffer larger than this is not one trace unit's. */
#define MAX_TRACE_SIZE	(1ull << 30)

static void print_usage(FILE *out)
{
	fputs("usage: tp-decode [--format etm|etrace|pt] -t TRACE [-c CONFIG] [-e EVENTS]\n"
	      "                 -b FILE[@BIAS]... [-m FILE@ADDR]... [--ignore-events] [--no-flush]\n"
	      "                 [--ranges] [--framing encap] [--cpu N]\n"
	      "       tp-decode --format etrace --dump-packets -t TRACE [-c CONFIG] [--cpu N]\n"
	      "       tp-decode --snapshot DIR [--buffer NAME] [--id ID] [--ranges]\n"
	      "       tp-decode [--format etrace] -i PERF.DATA [--symfs DIR] [-b FILE[@BIAS]]...\n"
	      "                 [--id ID] [--ranges | --listing] [--ignore-events] [-c CONFIG]\n"
	      "                 [--cpu N] [--dump-packets]\n"
	      "       tp-decode --format pt -i PERF.DATA [-c CONFIG] [-e EVENTS] [-b FILE[@BIAS]]...\n"
	      "                 [--ignore-events] [--ranges]\n"
	      "       tp-decode --help | --version\n"
	      "       (-c is required for etm; --no-flush applies to etm only)\n", out);
}

/* A bad command line: the usage on stderr, status 2. */
static int usage(void)
{
	print_usage(stderr);
	return 2;
}

/* parse_args() answered --help or --version: nothing to decode, status 0. */
#define ARGS_ANSWERED	(-1)

int read_whole_file(const char *path, uint64_t max, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return -EINVAL;
	}
	*len = st.st_size;
	*buf = malloc(*len ? *len : 1);
	while (*buf && done < *len) {
		ssize_t n = read(fd, *buf + done, *len - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	if (!*buf)
		return -ENOMEM;
	if (done < *len) {
		free(*buf);
		return -EIO;
	}
	return 0;
}

int read_trace(const char *path, uint8_t **buf, size_t *len)
{
	return read_whole_file(path, MAX_TRACE_SIZE, buf, len);
}

/* "FILE@ADDR": the file, and the number after the last '@' (0 without one). */
static int split_at(char *arg, uint64_t *addr, bool required)
{
	char *at = strrchr(arg, '@'), *end;

	*addr = 0;
	if (!at)
		return required ? -EINVAL : 0;
	*at = '\0';
	errno = 0;
	*addr = strtoull(at + 1, &end, 0);
	return errno || end == at + 1 || *end ? -EINVAL : 0;
}

struct args {
	const char *trace, *config, *events;
	bool ranges, listing, etrace, pt, dump_packets;
	bool have_files;		/* -b or -m given (Intel PT: the image is those) */
	int cpu;			/* of an E-Trace perf.data; -1 the first */
	struct cs_args cs;		/* --snapshot, -i */
	struct etm_decode_options opts;
	struct etrace_decode_options etrace_opts;
};

static int add_file(struct code_image *img, char *arg, bool snapshot)
{
	uint64_t addr;

	if (split_at(arg, &addr, snapshot)) {
		fprintf(stderr, "tp-decode: %s: expected FILE%s\n", arg, snapshot ? "@ADDR" : "[@BIAS]");
		return 2;
	}
	if (snapshot ? code_image_add_snapshot(img, arg, addr) : code_image_add_elf(img, arg, addr)) {
		fprintf(stderr, "tp-decode: %s\n", img->error);
		return 1;
	}
	return 0;
}

/* -b FILE[@BIAS], kept until the input says how binaries are found. */
static int add_binary(struct cs_args *cs, const char *arg)
{
	struct cs_binary *grown;
	char *path = strdup(arg);
	uint64_t bias;

	if (!path)
		return 1;
	if (split_at(path, &bias, false)) {
		fprintf(stderr, "tp-decode: %s: expected FILE[@BIAS]\n", arg);
		free(path);
		return 2;
	}
	grown = realloc(cs->binaries, (cs->nr_binaries + 1) * sizeof(*grown));
	if (!grown) {
		free(path);
		return 1;
	}
	cs->binaries = grown;
	grown[cs->nr_binaries].path = path;
	/* Without @BIAS: where a recording's mapping put it, else at its own addresses. */
	grown[cs->nr_binaries++].bias = strchr(arg, '@') ? bias : UINT64_MAX;
	return 0;
}

/* A raw trace's binaries, at their bias (0 when none was given). */
static int load_binaries(const struct cs_args *cs, struct code_image *img)
{
	size_t i;

	for (i = 0; i < cs->nr_binaries; i++) {
		const struct cs_binary *b = &cs->binaries[i];

		if (code_image_add_elf(img, b->path, b->bias == UINT64_MAX ? 0 : b->bias)) {
			fprintf(stderr, "tp-decode: %s\n", img->error);
			return 1;
		}
	}
	return 0;
}

static void free_binaries(struct cs_args *cs)
{
	size_t i;

	for (i = 0; i < cs->nr_binaries; i++)
		free((char *)cs->binaries[i].path);
	free(cs->binaries);
}

/* A trace ID: 0 to 0x7f. */
static int parse_id(const char *arg, int *id)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || v > 0x7f)
		return -EINVAL;
	*id = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a, struct code_image *img)
{
	static const struct option longopts[] = {
		{ "ignore-events", no_argument, NULL, 'I' },
		{ "no-flush", no_argument, NULL, 'F' },
		{ "ranges", no_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "framing", required_argument, NULL, 'E' },
		{ "dump-packets", no_argument, NULL, 'D' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "snapshot", required_argument, NULL, 'S' },
		{ "buffer", required_argument, NULL, 'B' },
		{ "id", required_argument, NULL, 'd' },
		{ "symfs", required_argument, NULL, 'Y' },
		{ "listing", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err, files = 0;
	unsigned long long cpu;
	char *end;

	while ((opt = getopt_long(argc, argv, "t:c:e:b:m:i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': a->trace = optarg; break;
		case 'c': a->config = optarg; break;
		case 'e': a->events = optarg; break;
		case 'b':
			err = add_binary(&a->cs, optarg);
			if (err)
				return err;
			files++;
			break;
		case 'm':
			err = add_file(img, optarg, true);
			if (err)
				return err;
			files++;
			break;
		case 'I': a->opts.ignore_events = true; break;
		case 'F': a->opts.no_flush = true; break;
		case 'r': a->ranges = true; break;
		case 'f':
			if (strcmp(optarg, "etm") && strcmp(optarg, "etrace") &&
			    strcmp(optarg, "pt"))
				return usage();
			a->etrace = !strcmp(optarg, "etrace");
			a->pt = !strcmp(optarg, "pt");
			break;
		case 'E':
			/* E-Trace's ratified encapsulation, the only framing there is. */
			if (strcmp(optarg, "encap"))
				return usage();
			break;
		case 'D': a->dump_packets = true; break;
		case 'C':
			errno = 0;
			cpu = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || cpu > INT32_MAX)
				return usage();
			a->cpu = cpu;
			break;
		case 'S': a->cs.snapshot = optarg; break;
		case 'B': a->cs.buffer = optarg; break;
		case 'd':
			if (parse_id(optarg, &a->cs.id))
				return usage();
			break;
		case 'i': a->cs.perf_data = optarg; break;
		case 'Y': a->cs.symfs = optarg; break;
		case 'L': a->listing = true; break;
		case 'h':
			print_usage(stdout);
			return ARGS_ANSWERED;
		case 'V':
			printf("tp-decode (textpoke) %s\n", TP_VERSION);
			return ARGS_ANSWERED;
		default: return usage();
		}
	}
	a->cs.output = a->listing ? CS_OUT_LISTING : a->ranges ? CS_OUT_RANGES : CS_OUT_ELEMENTS;
	if (a->listing && (a->ranges || !a->cs.perf_data || a->etrace || a->pt))
		return usage();
	a->cs.ignore_events = a->opts.ignore_events;
	a->etrace_opts.ignore_events = a->opts.ignore_events;
	a->have_files = files;
	if (a->cs.snapshot)
		return a->trace || a->config || a->events || files || a->cs.perf_data ||
		       a->etrace || a->pt || optind != argc ? usage() : 0;
	/* perf record -e intel_pt//u's file: its binaries, or -b's. */
	if (a->cs.perf_data && a->pt) {
		if (a->trace || a->cs.buffer || a->cs.id != CS_ALL_IDS || a->dump_packets ||
		    a->cpu >= 0 || a->opts.no_flush || optind != argc)
			return usage();
		return load_binaries(&a->cs, img);
	}
	/* An rvtrace recording: its CPU (--cpu) and its E-Trace parameters (-c). */
	if (a->cs.perf_data && a->etrace)
		return a->trace || a->events || a->cs.buffer || a->cs.id != CS_ALL_IDS ||
		       a->opts.no_flush || optind != argc ? usage() : 0;
	if (a->cs.perf_data)
		return a->trace || a->config || a->events || a->cs.buffer || a->dump_packets ||
		       a->cpu >= 0 || optind != argc ? usage() : 0;
	if (a->cs.buffer || a->cs.id != CS_ALL_IDS || a->cs.symfs)
		return usage();
	err = load_binaries(&a->cs, img);
	if (err)
		return err;
	if (!a->trace || (!a->config && !a->etrace && !a->pt) || optind != argc ||
	    ((a->etrace || a->pt) && a->opts.no_flush) || (a->dump_packets && !a->etrace) ||
	    !files != a->dump_packets)
		return usage();
	return 0;
}

static void print_elements(const struct etm_decode_result *res, unsigned int trace_id, bool ranges)
{
	size_t i;

	for (i = 0; i < res->nr_elements; i++) {
		const struct etm_element *e = &res->elements[i];
		char text[512];

		if (ranges) {
			if (e->elem.elem_type != OCSD_GEN_TRC_ELEM_INSTR_RANGE)
				continue;
			etm_element_format(e, text, sizeof(text));
			printf("%s\n", text);
			continue;
		}
		/* trc_pkt_lister -decode's form, so that the two can be compared. */
		if (ocsd_gen_elem_str(&e->elem, text, sizeof(text)) != OCSD_OK)
			snprintf(text, sizeof(text), "element type %d", e->elem.elem_type);
		printf("Idx:%" PRIu64 "; ID:%x; %s\n", (uint64_t)e->index, trace_id, text);
	}
}

static const char *const candidate_names[] = { "old", "new", "trap" };

/* Each window the trace reached inside: what was chosen, or why nothing could be. */
int report_resolutions(const struct code_resolution *resolutions, size_t nr)
{
	int unresolved = 0;
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct code_resolution *r = &resolutions[i];

		if (code_resolution_unique(r)) {
			fprintf(stderr, "tp-decode: window at 0x%" PRIx64 " (time %" PRIu64
				"): the trace agrees with the %s bytes only\n",
				r->addr, r->time, candidate_names[r->chosen]);
			continue;
		}
		unresolved = 3;
		fprintf(stderr, "tp-decode: window at 0x%" PRIx64 " (time %" PRIu64 "): %s; "
			"decoded with the old bytes\n", r->addr, r->time,
			r->consistent ? "several candidates agree with the trace"
				      : "no candidate agrees with the trace");
	}
	return unresolved;
}

int load_trace_inputs(const char *events, const char *trace_path, struct code_image *img,
		      uint8_t **trace, size_t *len)
{
	int err;

	if (events && code_image_add_perf_data(img, events)) {
		fprintf(stderr, "tp-decode: %s\n", img->error);
		return 1;
	}
	/* Only changes can be refused: there are events. */
	if (code_image_freeze(img)) {
		fprintf(stderr, "tp-decode: %s: %s\n", events ? events : "-", img->error);
		return 1;
	}
	err = read_trace(trace_path, trace, len);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", trace_path, strerror(-err));
		return 1;
	}
	return 0;
}

static void print_etrace_elements(const struct etrace_decode_result *res, bool ranges)
{
	char text[256];
	size_t i;

	for (i = 0; i < res->nr_elements; i++) {
		if (ranges && res->elements[i].type != ETRACE_ELEM_INSN)
			continue;
		etrace_element_format(&res->elements[i], text, sizeof(text));
		printf("%s\n", text);
	}
}

/*
 * A perf.data of `perf record -e rvtrace//` (and tp-perf inject): the
 * AUXTRACE data of one CPU replaces it in *@trace.  0, or the exit status.
 */
static int etrace_from_perf_data(const struct args *a, uint8_t **trace, size_t *len)
{
	uint8_t *aux;
	size_t aux_len;
	bool several;
	char error[256];

	if (!etrace_perf_is_perf_data(*trace, *len))
		return 0;
	if (etrace_perf_trace(*trace, *len, a->cpu, &several, &aux, &aux_len, error,
			      sizeof(error))) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->trace, error);
		return 1;
	}
	if (several && a->cpu < 0) {
		fprintf(stderr, "tp-decode: %s: AUXTRACE data of several CPUs: choose one with "
			"--cpu\n", a->trace);
		free(aux);
		return 1;
	}
	free(*trace);
	*trace = aux;
	*len = aux_len;
	return 0;
}

/* Every packet, also those the decoder refuses: no image, no events. */
static int dump_etrace_packets(const struct args *a, const char *name, const uint8_t *trace,
			       size_t len)
{
	char error[256];
	int err = etrace_dump_packets(&a->etrace_opts.config, trace, len, stdout, error,
				      sizeof(error));

	fflush(stdout);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", name, error);
		return 1;
	}
	return 0;
}

static int dump_etrace(const struct args *a)
{
	uint8_t *trace = NULL;
	size_t len = 0;
	int err = read_trace(a->trace, &trace, &len);

	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->trace, strerror(-err));
		return 1;
	}
	err = etrace_from_perf_data(a, &trace, &len);
	if (!err)
		err = dump_etrace_packets(a, a->trace, trace, len);
	free(trace);
	return err;
}

/* The decode of @trace (of @name) on the frozen @img, printed; the exit status. */
static int run_etrace(const struct args *a, const struct code_image *img, const char *name,
		      const uint8_t *trace, size_t len)
{
	struct etrace_decode_result res;
	int err = etrace_decode(&a->etrace_opts, img, trace, len, &res);

	/* Where a trace leaves the code, the path up to there is the evidence. */
	print_etrace_elements(&res, a->ranges);
	fflush(stdout);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", name, res.error);
		etrace_decode_result_free(&res);
		return 1;
	}
	if (img->nr_changes && res.nr_pieces == 1 && !a->etrace_opts.ignore_events)
		fprintf(stderr, "tp-decode: warning: no packet of %s has a time: the changes "
			"were not used\n", name);
	err = report_resolutions(res.resolutions, res.nr_resolutions);
	etrace_decode_result_free(&res);
	return err;
}

static int load_etrace_config(struct args *a)
{
	char error[256];

	etrace_config_default(&a->etrace_opts.config);
	if (a->config && etrace_config_load(a->config, &a->etrace_opts.config, a->dump_packets,
					    error, sizeof(error))) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->config, error);
		return 1;
	}
	return 0;
}

static int image_error(const char *name, const char *why)
{
	fprintf(stderr, "tp-decode: %s: %s\n", name, why);
	return 1;
}

/*
 * -i: an rvtrace recording, from the file alone: one CPU's AUXTRACE data
 * is the trace, its executable mappings (with -b and --symfs) and
 * tp-perf inject's TEXT_POKE records the image.
 */
static int decode_etrace_recording(struct args *a, struct code_image *img)
{
	const char *name = a->cs.perf_data;
	struct auxtrace_image_options o = {
		.symfs = a->cs.symfs,
		.binaries = (const struct auxtrace_binary *)a->cs.binaries,
		.nr_binaries = a->cs.nr_binaries,
		.ignore_events = a->opts.ignore_events,
	};
	struct auxtrace_data d;
	uint8_t *trace = NULL;
	size_t len = 0;
	bool several;
	char error[256];
	int err;

	_Static_assert(sizeof(struct auxtrace_binary) == sizeof(struct cs_binary), "-b layout");
	if (load_etrace_config(a))
		return 1;
	if (auxtrace_open(&d, name)) {
		fprintf(stderr, "tp-decode: %s: %s\n", name, d.error);
		return 1;
	}
	err = etrace_perf_trace_of(&d, a->cpu, &several, &trace, &len, error, sizeof(error));
	if (err)
		fprintf(stderr, "tp-decode: %s: %s\n", name, error);
	else if (several && a->cpu < 0)
		fprintf(stderr, "tp-decode: %s: AUXTRACE data of several CPUs: choose one with "
			"--cpu\n", name);
	if (err || (several && a->cpu < 0))
		err = 1;
	else if (a->dump_packets)
		err = dump_etrace_packets(a, name, trace, len);
	else if (auxtrace_load_image(&d, &o, img) || code_image_freeze(img))
		err = image_error(name, d.error[0] ? d.error : img->error);
	else
		err = run_etrace(a, img, name, trace, len);
	free(trace);
	auxtrace_close(&d);
	return err;
}

static bool is_perf_data_file(const char *path)
{
	uint8_t magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool is = fd >= 0 && read(fd, magic, sizeof(magic)) == sizeof(magic) &&
		  etrace_perf_is_perf_data(magic, sizeof(magic));

	if (fd >= 0)
		close(fd);
	return is;
}

static int decode_etrace(struct args *a, struct code_image *img)
{
	uint8_t *trace = NULL;
	size_t len = 0;
	int err;

	if (load_etrace_config(a))
		return 1;
	if (a->dump_packets)
		return dump_etrace(a);
	/* A perf.data holds the trace, and tp-perf inject put the events in it. */
	if (!a->events && is_perf_data_file(a->trace))
		a->events = a->trace;
	err = load_trace_inputs(a->events, a->trace, img, &trace, &len);
	if (!err && etrace_from_perf_data(a, &trace, &len)) {
		free(trace);
		err = 1;
	}
	if (err)
		return err;
	err = run_etrace(a, img, a->trace, trace, len);
	free(trace);
	return err;
}

/* Intel PT (pt.c), from a raw trace or a perf.data. */
static int decode_pt(struct args *a, struct code_image *img)
{
	struct pt_args pa = {
		.trace = a->trace, .perf_data = a->cs.perf_data, .config = a->config,
		.events = a->events, .ranges = a->ranges,
		.ignore_events = a->opts.ignore_events, .have_files = a->have_files,
	};

	return a->cs.perf_data ? decode_pt_perf(&pa, img) : decode_pt_trace(&pa, img);
}

static int decode(struct args *a, struct code_image *img)
{
	struct etm_decode_result res;
	uint8_t *trace = NULL;
	size_t len = 0;
	char error[256];
	int err;

	if (etm_config_load(a->config, &a->opts.config, error, sizeof(error))) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->config, error);
		return 1;
	}
	err = load_trace_inputs(a->events, a->trace, img, &trace, &len);
	if (err)
		return err;
	err = etm_decode(&a->opts, img, trace, len, &res);
	free(trace);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->trace, res.error);
		return 1;
	}
	print_elements(&res, a->opts.config.reg_traceidr & 0x7f, a->ranges);
	fflush(stdout);
	/* Changes that no timestamp came after: most likely another clock. */
	if (img->nr_changes && res.nr_pieces == 1 && !a->opts.ignore_events)
		fprintf(stderr, "tp-decode: warning: no timestamp of %s is later than a change "
			"of %s: do its timestamps count CLOCK_MONOTONIC ns?\n", a->trace,
			a->events);
	err = report_resolutions(res.resolutions, res.nr_resolutions);
	etm_decode_result_free(&res);
	return err;
}

/*
 * OpenCSD 1.3.3's C API allocates the element callback's connector in
 * ocsd_dt_set_gen_elem_outfn() and never frees it with its tree: a
 * sanitizer build must not fail on that.  The sanitizer's runtime, a
 * shared object, looks the hook up: it must be exported.
 */
__attribute__((visibility("default"))) const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:ocsd_dt_set_gen_elem_outfn\n";
}

int main(int argc, char **argv)
{
	struct args a = { .cpu = -1, .cs.id = CS_ALL_IDS };
	struct code_image img;
	int err;

	code_image_init(&img);
	err = parse_args(argc, argv, &a, &img);
	/*
	 * The code each trace format traces (ETMv4: A64, PT: x86-64, the image's ELF
	 * files being 64-bit), whose traps the image asks that arch for.
	 */
	if (!err && code_image_set_arch(&img, a.etrace ? EM_RISCV : a.pt ? EM_X86_64 : EM_AARCH64)) {
		fprintf(stderr, "tp-decode: %s\n", img.error);
		err = 1;
	}
	if (!err && a.cs.snapshot)
		err = cs_decode_snapshot(&a.cs);
	else if (!err && a.pt)
		err = decode_pt(&a, &img);
	else if (!err && a.cs.perf_data)
		err = a.etrace ? decode_etrace_recording(&a, &img) : cs_decode_perf_data(&a.cs);
	else if (!err)
		err = a.etrace ? decode_etrace(&a, &img) : decode(&a, &img);
	code_image_free(&img);
	free_binaries(&a.cs);
	return err == ARGS_ANSWERED ? 0 : err;
}
