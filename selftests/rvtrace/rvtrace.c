// SPDX-License-Identifier: GPL-2.0
/*
 * E-Trace as other tools write it: riscv-etrace-lib's test inputs in the
 * ratified encapsulation, with its encoder parameters, read from
 * ../shared/traces/etrace beside the source tree (skipped when absent).
 * Their packet dump must agree field by field with what that library's
 * test_etrace_pktdump printed for each (expected/<name>.pktdump.txt);
 * the parameter file loads, names what the decoder refuses, and a bad
 * line names its parameter.  Hand-made packets cover what those inputs
 * lack: source IDs, encapsulation timestamps, null.align, other flows.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "etrace/etrace_decode.h"
#include "etrace/etrace_internal.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

#define MAX_TOKENS	64

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc(n + 1);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = '\0';
			*len = n;
		}
	}
	fclose(f);
	return buf;
}

/*
 * One line as its fields: split at blanks, ':' and '='; letters apart
 * from the digits that follow them ("packet00000012"); numbers by value
 * (an offset in hex, "0x" values in hex, the rest decimal).
 */
static size_t tokens(const char *line, char out[][40])
{
	size_t n = 0, first = 1;

	while (*line && n < MAX_TOKENS) {
		size_t len = strcspn(line, " \t:=\n");
		char word[64];
		char *w = word;

		if (!len) {
			line++;
			continue;
		}
		snprintf(word, sizeof(word), "%.*s", (int)len, line);
		line += len;
		while (isalpha((unsigned char)*w) && n < MAX_TOKENS) {
			size_t alpha = 0;

			while (isalpha((unsigned char)w[alpha]))
				alpha++;
			/* "0x" belongs to its number; "08B" keeps its unit. */
			if (!isdigit((unsigned char)w[alpha]) || !strcmp(w, "B"))
				break;
			snprintf(out[n++], 40, "%.*s", (int)alpha, w);
			w += alpha;
		}
		if (n >= MAX_TOKENS)
			break;
		if (isdigit((unsigned char)*w) && strspn(w, "0123456789abcdefx") == strlen(w)) {
			bool hex = first || !strncmp(w, "0x", 2);

			snprintf(out[n++], 40, "#%llx", strtoull(w, NULL, hex ? 16 : 10));
		} else if (isdigit((unsigned char)*w) && w[strlen(w) - 1] == 'B') {
			snprintf(out[n++], 40, "#%lluB", strtoull(w, NULL, 10));
		} else {
			snprintf(out[n++], 40, "%s", w);
		}
		first = 0;
	}
	return n;
}

/* Lines of @got and @want: the same fields in the same order. */
static int compare_dumps(struct __test_metadata *_metadata, const char *name, char *got,
			 char *want)
{
	char *gs = NULL, *ws = NULL, *g, *w;
	static char gt[MAX_TOKENS][40], wt[MAX_TOKENS][40];
	size_t line = 0, i, gn, wn;
	int differ = 0;

	g = strtok_r(got, "\n", &gs);
	w = strtok_r(want, "\n", &ws);
	for (; g || w; g = strtok_r(NULL, "\n", &gs), w = strtok_r(NULL, "\n", &ws)) {
		line++;
		if (!g || !w) {
			TH_LOG("%s line %zu: %s", name, line, g ? "extra line" : "missing line");
			return 1;
		}
		gn = tokens(g, gt);
		wn = tokens(w, wt);
		for (i = 0; i < gn && i < wn && !strcmp(gt[i], wt[i]); i++)
			;
		if (i < gn || i < wn) {
			TH_LOG("%s line %zu: field %zu differs:\n  got  %s\n  want %s", name,
			       line, i, g, w);
			differ = 1;
		}
	}
	return differ;
}

static const char *traces_dir(void)
{
	return ETRACE_TRACES;
}

static void load_reference_params(struct __test_metadata *_metadata, struct etrace_config *cfg)
{
	char path[512], error[256];

	snprintf(path, sizeof(path), "%s/itrace_params.csv", traces_dir());
	etrace_config_default(cfg);
	ASSERT_EQ(0, etrace_config_load(path, cfg, true, error, sizeof(error))) TH_LOG("%s", error);
}

TEST(reference_dumps_agree_field_by_field)
{
	struct etrace_config cfg;
	struct dirent *de;
	size_t files = 0, differ = 0;
	DIR *d = opendir(traces_dir());

	if (!d)
		SKIP(return, "%s is absent: no reference traces here", traces_dir());
	load_reference_params(_metadata, &cfg);
	while ((de = readdir(d))) {
		size_t nlen = strlen(de->d_name), len, want_len, got_len = 0;
		char path[1024], error[256], *want, *got = NULL;
		uint8_t *trace;
		FILE *out;
		int err;

		if (nlen < 5 || strcmp(de->d_name + nlen - 4, ".dat"))
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", traces_dir(), de->d_name);
		trace = (uint8_t *)read_text(path, &len);
		ASSERT_TRUE(trace != NULL) TH_LOG("%s", path);
		snprintf(path, sizeof(path), "%s/expected/%.*s.pktdump.txt", traces_dir(),
			 (int)nlen - 4, de->d_name);
		want = read_text(path, &want_len);
		ASSERT_TRUE(want != NULL) TH_LOG("no %s", path);
		out = open_memstream(&got, &got_len);
		ASSERT_TRUE(out != NULL);
		err = etrace_dump_packets(&cfg, trace, len, out, error, sizeof(error));
		fclose(out);
		/* Some end inside a packet: printed as the reference does, and said. */
		ASSERT_TRUE(err == 0 || (err == -EINVAL && strstr(error, "truncated")))
			TH_LOG("%s: %s", de->d_name, error);
		differ += compare_dumps(_metadata, de->d_name, got, want);
		free(got);
		free(want);
		free(trace);
	}
	closedir(d);
	ASSERT_GT(files, 0);
	ASSERT_EQ(0, differ);
}

TEST(reference_params_load)
{
	struct etrace_config cfg;
	char path[512], error[256];

	if (access(traces_dir(), R_OK))
		SKIP(return, "%s is absent: no reference traces here", traces_dir());
	load_reference_params(_metadata, &cfg);
	ASSERT_EQ(0, cfg.srcid_bytes);
	ASSERT_EQ(0, cfg.tstamp_bytes);
	ASSERT_EQ(-1, cfg.flow_id);
	ASSERT_EQ(64, cfg.iaddress_width);
	ASSERT_EQ(0, cfg.iaddress_lsb);
	ASSERT_EQ(3, cfg.privilege_width);
	ASSERT_EQ(5, cfg.bpred_size);
	ASSERT_EQ(1, cfg.f0s_width);
	ASSERT_TRUE(cfg.notime && cfg.nocontext);
	ASSERT_EQ(32, cfg.encoder_mode_width);
	ASSERT_EQ(32, cfg.ioptions_width);
	ASSERT_EQ(32, cfg.doptions_width);
	/*
	 * An encoder without time and without encapsulation timestamps: the
	 * decoder cannot place the code, and says which parameter.
	 */
	snprintf(path, sizeof(path), "%s/itrace_params.csv", traces_dir());
	etrace_config_default(&cfg);
	ASSERT_EQ(-EOPNOTSUPP, etrace_config_load(path, &cfg, false, error, sizeof(error)));
	ASSERT_TRUE(strstr(error, "notime_p") != NULL) TH_LOG("%s", error);
}

TEST(params_errors_name_the_parameter)
{
	struct etrace_config cfg;
	char error[256];
	static const char bogus[] = ".itrace.bogus_p,1\n";
	static const char wrong_section[] = ".packet.iaddress_width_p,32\n";
	static const char range[] = ".packet.tstamp_bytes_p,9\n";
	static const char flow[] = ".sup.packet_flow_id,4\n";
	/* Larger than the predictor and cache the decoder models. */
	static const char bpred[] = ".itrace.bpred_size_p,11\n";
	static const char cache[] = ".itrace.cache_size_p,9\n";
	static const char sijump[] = ".itrace.sijump_p,1\n";
	static const char good[] = ".packet.srcid_bytes_p,2\n.packet.tstamp_bytes_p,4\n"
				   ".itrace.notime_p,1\n.sup.packet_flow_id,1\niaddress_lsb_p=1\n";

	etrace_config_default(&cfg);
	ASSERT_EQ(-EINVAL, etrace_config_parse(bogus, strlen(bogus), &cfg, error, sizeof(error)));
	ASSERT_TRUE(strstr(error, "bogus_p") != NULL) TH_LOG("%s", error);
	ASSERT_EQ(-EINVAL, etrace_config_parse(wrong_section, strlen(wrong_section), &cfg, error,
					       sizeof(error)));
	ASSERT_TRUE(strstr(error, "iaddress_width_p") != NULL) TH_LOG("%s", error);
	ASSERT_EQ(-EINVAL, etrace_config_parse(range, strlen(range), &cfg, error, sizeof(error)));
	etrace_config_default(&cfg);
	ASSERT_EQ(-EINVAL, etrace_config_parse(flow, strlen(flow), &cfg, error, sizeof(error)));
	ASSERT_TRUE(strstr(error, "packet_flow_id") != NULL) TH_LOG("%s", error);
	etrace_config_default(&cfg);
	ASSERT_EQ(-EOPNOTSUPP, etrace_config_parse(bpred, strlen(bpred), &cfg, error,
						   sizeof(error)));
	ASSERT_TRUE(strstr(error, "bpred_size_p") != NULL) TH_LOG("%s", error);
	etrace_config_default(&cfg);
	ASSERT_EQ(-EOPNOTSUPP, etrace_config_parse(cache, strlen(cache), &cfg, error,
						   sizeof(error)));
	ASSERT_TRUE(strstr(error, "cache_size_p") != NULL) TH_LOG("%s", error);
	/* Sequentially inferred jumps are followed. */
	etrace_config_default(&cfg);
	ASSERT_EQ(0, etrace_config_parse(sijump, strlen(sijump), &cfg, error, sizeof(error)));
	ASSERT_TRUE(cfg.sijump);
	/* notime_p with encapsulation timestamps: the time comes from them. */
	etrace_config_default(&cfg);
	ASSERT_EQ(0, etrace_config_parse(good, strlen(good), &cfg, error, sizeof(error)))
		TH_LOG("%s", error);
	ASSERT_EQ(2, cfg.srcid_bytes);
	ASSERT_EQ(4, cfg.tstamp_bytes);
	ASSERT_EQ(1, cfg.flow_id);
}

/* Source ID, timestamp (extend set), null.idle and null.align between. */
TEST(encapsulation_fields)
{
	struct etrace_config cfg;
	struct etrace_frame f;
	char error[256], *got = NULL;
	size_t got_len = 0;
	FILE *out;
	/* srcid 2 bytes, tstamp 3: a support packet timed 0x030201, null.align, null.idle,
	 * a format 2 packet untimed of flow 1. */
	static const uint8_t trace[] = {
		0x82, 0x34, 0x12, 0x01, 0x02, 0x03, 0x0f, 0x00,
		0x80, 0x00,
		0x21, 0x34, 0x12, 0x02,
	};

	etrace_config_default(&cfg);
	cfg.srcid_bytes = 2;
	cfg.tstamp_bytes = 3;
	ASSERT_EQ(0, etrace_encap_frame(&cfg, trace, sizeof(trace), 0, &f));
	ASSERT_EQ(8, f.size);
	ASSERT_EQ(0x1234, f.srcid);
	ASSERT_TRUE(f.has_tstamp);
	ASSERT_EQ(0x030201, f.tstamp);
	ASSERT_EQ(2, f.payload_len);
	ASSERT_EQ(0x0f, f.payload[0]);
	ASSERT_EQ(0, etrace_encap_frame(&cfg, trace, sizeof(trace), 8, &f));
	ASSERT_TRUE(f.null);
	ASSERT_EQ(1, f.size);
	ASSERT_EQ(0, etrace_encap_frame(&cfg, trace, sizeof(trace), 10, &f));
	ASSERT_FALSE(f.has_tstamp);
	ASSERT_EQ(1, f.flow);
	ASSERT_EQ(4, f.size);
	/* Cut inside the source ID, the timestamp, the payload. */
	ASSERT_EQ(-EINVAL, etrace_encap_frame(&cfg, trace, 2, 0, &f));
	ASSERT_EQ(-EINVAL, etrace_encap_frame(&cfg, trace, 5, 0, &f));
	ASSERT_EQ(-EINVAL, etrace_encap_frame(&cfg, trace, 7, 0, &f));
	ASSERT_EQ(7, f.available);

	out = open_memstream(&got, &got_len);
	ASSERT_TRUE(out != NULL);
	ASSERT_EQ(0, etrace_dump_packets(&cfg, trace, sizeof(trace), out, error, sizeof(error)));
	fclose(out);
	ASSERT_TRUE(strstr(got, "0000000000000000:08B: packet00000000: srcid=4660 tstamp=0x30201 "
			   "format3 subformat3") != NULL) TH_LOG("%s", got);
	ASSERT_TRUE(strstr(got, "packet00000001:packet00000003: NULL\n"
			   "000000000000000a:04B: packet00000004: srcid=4660 format2") != NULL)
		TH_LOG("%s", got);
	free(got);
	/* A flow other than packet_flow_id: skipped. */
	cfg.flow_id = 0;
	out = open_memstream(&got, &got_len);
	ASSERT_TRUE(out != NULL);
	ASSERT_EQ(0, etrace_dump_packets(&cfg, trace, sizeof(trace), out, error, sizeof(error)));
	fclose(out);
	ASSERT_TRUE(strstr(got, "packet00000004: flow 1, not 0: skipped") != NULL) TH_LOG("%s", got);
	free(got);
	/* Every truncation is said, never a crash. */
	for (got_len = 1; got_len < sizeof(trace); got_len++) {
		char *text = NULL;
		size_t text_len = 0;
		int err;

		out = open_memstream(&text, &text_len);
		ASSERT_TRUE(out != NULL);
		err = etrace_dump_packets(&cfg, trace, got_len, out, error, sizeof(error));
		fclose(out);
		free(text);
		ASSERT_EQ(got_len == 8 || got_len == 9 || got_len == 10 ? 0 : -EINVAL, err)
			TH_LOG("prefix %zu", got_len);
	}
}

TEST_HARNESS_MAIN
