// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-decode: decode a raw ETMv4 trace (with OpenCSD), an E-Trace (with
 * our own decoder) or an Intel PT trace (with libipt) of a process
 * textpoke changed while it was traced,
 * against the code the process had at each moment (docs/tp-decode.1).
 *
 *   tp-decode [--format etm|etrace|pt] -t TRACE [-c CONFIG] [-e EVENTS]
 *             -b FILE[@BIAS]... [-m FILE@ADDR]... [--ignore-events] [--no-flush] [--ranges]
 *   tp-decode --format pt -i PERF_DATA [-c CONFIG] [-e EVENTS] [-b FILE[@BIAS]]...
 *   tp-decode --help | --version
 *
 * Exit status 0, 1 for an input it cannot use (one line on stderr), 2
 * for a bad command line, 3 when the trace decoded but a PRE/POST window
 * stayed ambiguous (reported on stderr).
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
#include "tp-decode.h"

/* A raw trace buffer larger than this is not one trace unit's. */
#define MAX_TRACE_SIZE	(1ull << 30)

static void print_usage(FILE *out)
{
	fputs("usage: tp-decode [--format etm|etrace|pt] -t TRACE [-c CONFIG] [-e EVENTS]\n"
	      "                 -b FILE[@BIAS]... [-m FILE@ADDR]... [--ignore-events] [--no-flush]\n"
	      "                 [--ranges]\n"
	      "       tp-decode --format pt -i PERF_DATA [-c CONFIG] [-e EVENTS] [-b FILE[@BIAS]]...\n"
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

int read_trace(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_TRACE_SIZE) {
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
	const char *trace, *config, *events, *perf_data;
	bool ranges, etrace, pt, have_files;
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

static int parse_args(int argc, char **argv, struct args *a, struct code_image *img)
{
	static const struct option longopts[] = {
		{ "ignore-events", no_argument, NULL, 'I' },
		{ "no-flush", no_argument, NULL, 'F' },
		{ "ranges", no_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, err, files = 0;

	while ((opt = getopt_long(argc, argv, "t:c:e:b:m:i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't': a->trace = optarg; break;
		case 'i': a->perf_data = optarg; break;
		case 'c': a->config = optarg; break;
		case 'e': a->events = optarg; break;
		case 'b':
		case 'm':
			err = add_file(img, optarg, opt == 'm');
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
		case 'h':
			print_usage(stdout);
			return ARGS_ANSWERED;
		case 'V':
			printf("tp-decode (textpoke) %s\n", TP_VERSION);
			return ARGS_ANSWERED;
		default: return usage();
		}
	}
	/* A perf.data (Intel PT only) holds the trace and names the binaries. */
	if (a->perf_data && (!a->pt || a->trace))
		return usage();
	if ((!a->trace && !a->perf_data) || (!a->config && !a->etrace && !a->pt) ||
	    (!files && !a->perf_data) || optind != argc ||
	    ((a->etrace || a->pt) && a->opts.no_flush))
		return usage();
	a->have_files = files;
	a->etrace_opts.ignore_events = a->opts.ignore_events;
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

/* The events into the image, the image frozen, the trace read: 0, or the exit status. */
static int load_inputs(const struct args *a, struct code_image *img, uint8_t **trace, size_t *len)
{
	int err;

	if (a->events && code_image_add_perf_data(img, a->events)) {
		fprintf(stderr, "tp-decode: %s\n", img->error);
		return 1;
	}
	/* Only changes can be refused: there are events. */
	if (code_image_freeze(img)) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->events ? a->events : "-", img->error);
		return 1;
	}
	err = read_trace(a->trace, trace, len);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->trace, strerror(-err));
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

static int decode_etrace(struct args *a, struct code_image *img)
{
	struct etrace_decode_result res;
	uint8_t *trace = NULL;
	size_t len = 0;
	char error[256];
	int err;

	etrace_config_default(&a->etrace_opts.config);
	if (a->config && etrace_config_load(a->config, &a->etrace_opts.config, error,
					    sizeof(error))) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->config, error);
		return 1;
	}
	err = load_inputs(a, img, &trace, &len);
	if (err)
		return err;
	err = etrace_decode(&a->etrace_opts, img, trace, len, &res);
	free(trace);
	/* Where a trace leaves the code, the path up to there is the evidence. */
	print_etrace_elements(&res, a->ranges);
	fflush(stdout);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->trace, res.error);
		etrace_decode_result_free(&res);
		return 1;
	}
	if (img->nr_changes && res.nr_pieces == 1 && !a->etrace_opts.ignore_events)
		fprintf(stderr, "tp-decode: warning: no packet of %s has a time: the changes "
			"of %s were not used\n", a->trace, a->events);
	err = report_resolutions(res.resolutions, res.nr_resolutions);
	etrace_decode_result_free(&res);
	return err;
}

/* Intel PT (pt.c), from a raw trace or a perf.data. */
static int decode_pt(struct args *a, struct code_image *img)
{
	struct pt_args pa = {
		.trace = a->trace, .perf_data = a->perf_data, .config = a->config,
		.events = a->events, .ranges = a->ranges,
		.ignore_events = a->opts.ignore_events, .have_files = a->have_files,
	};

	return a->perf_data ? decode_pt_perf(&pa, img) : decode_pt_trace(&pa, img);
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
	err = load_inputs(a, img, &trace, &len);
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
	struct args a = { 0 };
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
	if (!err)
		err = a.etrace ? decode_etrace(&a, &img) : a.pt ? decode_pt(&a, &img) :
		      decode(&a, &img);
	code_image_free(&img);
	return err == ARGS_ANSWERED ? 0 : err;
}
