// SPDX-License-Identifier: GPL-2.0
/*
 * CoreSight captures as recorded: the perf.data AUXTRACE layer on files
 * written here from perf's record layouts (perf_writer.c) and on a real
 * cs_etm recording, read from the shared traces beside the source tree
 * (TRACES_DIR, from the Makefile); a test SKIPs when they are absent.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "image/code_image.h"
#include "perfdata/auxtrace.h"
#include "perf_writer.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

static const char *traces_path(const char *rel)
{
	static char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/coresight/%s", TRACES_DIR, rel);
	return stat(path, &st) ? NULL : path;
}

static const struct pw_sid sid = { .pid = 42, .tid = 43, .cpu = 2, .time = 1000 };
static const uint8_t build_id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				      11, 12, 13, 14, 15, 16 };

/* A file with one record of each kind the layer collects. */
static int sample_file(uint8_t **buf, size_t *len)
{
	static const uint64_t priv[3] = { 1, 0x4040404040404040ull, 7 };
	struct pw_file f = { 0 };
	int err;

	pw_auxtrace_info(&f, AUXTRACE_TYPE_CS_ETM, priv, 3);
	pw_time_conv(&f, 10, 3 << 10, 5000, 0x100, 0xff, 1);
	pw_mmap2(&f, &sid, 0x400000, 0x1000, 0, PROT_READ | PROT_EXEC, "/bin/prog", build_id, 20);
	pw_mmap2(&f, &sid, 0x600000, 0x1000, 0x2000, PROT_READ, "/bin/prog", NULL, 0);
	pw_mmap(&f, &sid, 0x7000, 0x1000, 0, "//anon");
	pw_itrace_start(&f, &sid);
	pw_aux(&f, &sid, 0, 24, 1);
	/* Out of order in the file: the queue puts idx 1's buffers by offset. */
	pw_auxtrace(&f, 16, 1, UINT32_MAX, 1, "later", 5);
	pw_auxtrace(&f, 0, 0, UINT32_MAX, 0, "cpu zero, sixteen", 17);
	pw_auxtrace(&f, 0, 1, UINT32_MAX, 1, "first16bytes....", 16);
	err = pw_finish(&f, buf, len);
	pw_free(&f);
	return err;
}

TEST(auxtrace_collects_every_record)
{
	struct auxtrace_data d;
	const struct auxtrace_queue *q;
	uint8_t *buf;
	size_t len;

	ASSERT_EQ(0, sample_file(&buf, &len));
	ASSERT_EQ(0, auxtrace_parse(&d, buf, len)) TH_LOG("%s", d.error);
	ASSERT_TRUE(d.info.present);
	EXPECT_EQ(AUXTRACE_TYPE_CS_ETM, d.info.type);
	ASSERT_EQ(3, d.info.nr_priv);
	EXPECT_EQ(0x4040404040404040ull, d.info.priv[1]);

	ASSERT_EQ(3, d.nr_buffers);
	ASSERT_EQ(2, d.nr_queues);
	q = auxtrace_queue_of(&d, 1);
	ASSERT_TRUE(q != NULL);
	ASSERT_EQ(2, q->nr_buffers);
	EXPECT_EQ(0, d.buffers[q->buffers[0]].offset);
	EXPECT_EQ(16, d.buffers[q->buffers[0]].size);
	EXPECT_EQ(0, memcmp(d.buffers[q->buffers[0]].data, "first16bytes....", 16));
	EXPECT_EQ(16, d.buffers[q->buffers[1]].offset);
	EXPECT_EQ(8, d.buffers[q->buffers[1]].size);	/* padded to 8 as perf writes it */
	EXPECT_EQ(0, memcmp(d.buffers[q->buffers[1]].data, "later", 5));
	EXPECT_EQ(1, d.buffers[q->buffers[1]].cpu);
	EXPECT_EQ(AUXTRACE_NONE, d.buffers[q->buffers[1]].tid);
	q = auxtrace_queue_of(&d, 0);
	ASSERT_TRUE(q != NULL);
	EXPECT_EQ(24, d.buffers[q->buffers[0]].size);
	EXPECT_TRUE(auxtrace_queue_of(&d, 2) == NULL);

	ASSERT_EQ(3, d.nr_mmaps);
	EXPECT_STREQ("/bin/prog", d.mmaps[0].filename);
	EXPECT_EQ(0x400000, d.mmaps[0].addr);
	EXPECT_TRUE(d.mmaps[0].exec);
	EXPECT_EQ(20, d.mmaps[0].build_id_size);
	EXPECT_EQ(0, memcmp(build_id, d.mmaps[0].build_id, 20));
	EXPECT_EQ(1000, d.mmaps[0].time);
	EXPECT_FALSE(d.mmaps[1].exec);
	EXPECT_EQ(0x2000, d.mmaps[1].pgoff);
	EXPECT_EQ(0, d.mmaps[1].build_id_size);
	EXPECT_TRUE(d.mmaps[2].exec);	/* MMAP without the DATA bit */

	ASSERT_TRUE(d.time_conv.present);
	EXPECT_EQ(10, d.time_conv.time_shift);
	EXPECT_TRUE(d.time_conv.cap_user_time_short);
	ASSERT_EQ(1, d.nr_starts);
	EXPECT_EQ(43, d.starts[0].tid);
	EXPECT_EQ(2, d.starts[0].cpu);
	EXPECT_EQ(1000, d.starts[0].time);
	ASSERT_EQ(1, d.nr_aux);
	EXPECT_EQ(1, d.aux[0].flags);
	EXPECT_EQ(24, d.aux[0].size);
	auxtrace_close(&d);
	free(buf);
}

TEST(auxtrace_time_conv_as_perf_converts)
{
	struct auxtrace_time_conv tc = {
		.present = true, .time_shift = 10, .time_mult = 3 << 10, .time_zero = 5000,
	};

	/* mult / 2^shift = 3 ns per cycle, from time_zero. */
	EXPECT_EQ(5000 + 3 * 1000, auxtrace_cycles_to_time(&tc, 1000));
	/* A 64-bit product would overflow: the split keeps it exact. */
	EXPECT_EQ(5000 + 3 * (1ull << 60), auxtrace_cycles_to_time(&tc, 1ull << 60));
	/* A short counter (8 bits here) extended from time_cycles. */
	tc.cap_user_time_short = true;
	tc.time_cycles = 0x1000;
	tc.time_mask = 0xff;
	EXPECT_EQ(5000 + 3 * 0x1010, auxtrace_cycles_to_time(&tc, 0x10));
	tc.present = false;
	EXPECT_EQ(77, auxtrace_cycles_to_time(&tc, 77));
}

TEST(auxtrace_refuses_bad_records)
{
	uint8_t body[96] = { 0 };
	struct auxtrace_data d;
	struct pw_file f = { 0 };
	uint8_t *buf;
	size_t len;

	/* An AUXTRACE_INFO without its type word. */
	pw_raw(&f, 70, 0, body, 0);
	ASSERT_EQ(0, pw_finish(&f, &buf, &len));
	EXPECT_EQ(-EINVAL, auxtrace_parse(&d, buf, len));
	EXPECT_NE(NULL, strstr(d.error, "AUXTRACE_INFO")) TH_LOG("%s", d.error);
	free(buf);
	pw_free(&f);

	/* An MMAP2 whose name runs to the end of the record. */
	memset(body, 'x', sizeof(body));
	pw_raw(&f, PERF_RECORD_MMAP2, 0, body, 96);
	ASSERT_EQ(0, pw_finish(&f, &buf, &len));
	EXPECT_EQ(-EINVAL, auxtrace_parse(&d, buf, len));
	EXPECT_NE(NULL, strstr(d.error, "not terminated")) TH_LOG("%s", d.error);
	free(buf);
	pw_free(&f);

	/* An AUXTRACE whose payload runs past the data. */
	memset(body, 0, sizeof(body));
	body[0] = 0xff;
	pw_raw(&f, 71, 0, body, 40);
	ASSERT_EQ(0, pw_finish(&f, &buf, &len));
	EXPECT_EQ(-EINVAL, auxtrace_parse(&d, buf, len));
	EXPECT_NE(NULL, strstr(d.error, "payload")) TH_LOG("%s", d.error);
	free(buf);
	pw_free(&f);
}

/* Every truncation of a good file: an error or a file read, never a read outside it. */
TEST(auxtrace_truncations)
{
	struct auxtrace_data d;
	uint8_t *buf, *cut;
	size_t len, n, good = 0;

	ASSERT_EQ(0, sample_file(&buf, &len));
	for (n = 0; n <= len; n++) {
		/* Its own allocation, so that a sanitizer sees a read past it. */
		cut = malloc(n ? n : 1);
		ASSERT_TRUE(cut != NULL);
		memcpy(cut, buf, n);
		if (!auxtrace_parse(&d, cut, n)) {
			good++;
			auxtrace_close(&d);
		} else {
			EXPECT_NE('\0', d.error[0]);
		}
		free(cut);
	}
	EXPECT_EQ(1, good);	/* the data section's size says where the end is */
	free(buf);
}

/* The mapped file, by -b override or under --symfs, at the bias its segments give. */
TEST(auxtrace_mmap_file_overrides)
{
	struct auxtrace_mmap m = { .addr = 0x5000, .pgoff = 0, .filename = "/usr/bin/true",
				   .exec = true };
	struct auxtrace_binary bin = { .path = "some/dir/true", .bias = 0x1234 };
	struct auxtrace_image_options o = { 0 };
	char path[PATH_MAX];
	uint64_t bias;

	o.symfs = "/nonexistent-symfs";
	EXPECT_EQ(-ENOENT, auxtrace_mmap_file(&o, &m, path, sizeof(path), &bias));
	o.binaries = &bin;
	o.nr_binaries = 1;
	ASSERT_EQ(0, auxtrace_mmap_file(&o, &m, path, sizeof(path), &bias));
	EXPECT_STREQ("some/dir/true", path);
	EXPECT_EQ(0x1234, bias);
	m.filename = "[vdso]";
	EXPECT_EQ(-ENOENT, auxtrace_mmap_file(&o, &m, path, sizeof(path), &bias));
}

/* simpleperf's cs_etm recording: its ETM registers, trace and mappings. */
TEST(auxtrace_real_cs_etm_recording)
{
	const char *data = traces_path("perf/perf_etm.data");
	struct auxtrace_image_options o = { 0 };
	struct auxtrace_binary bin;
	struct auxtrace_data d;
	struct code_image img;
	size_t i, traced = 0;
	bool loop = false;

	if (!data)
		SKIP(return, "no %s/coresight/perf/perf_etm.data", TRACES_DIR);
	ASSERT_EQ(0, auxtrace_open(&d, data)) TH_LOG("%s", d.error);
	ASSERT_TRUE(d.info.present);
	EXPECT_EQ(AUXTRACE_TYPE_CS_ETM, d.info.type);
	EXPECT_LT(8, d.info.nr_priv);
	ASSERT_LT(0, d.nr_queues);
	for (i = 0; i < d.nr_buffers; i++)
		traced += d.buffers[i].size;
	EXPECT_LT(0, traced);
	for (i = 0; i < d.nr_mmaps; i++)
		loop |= strstr(d.mmaps[i].filename, "etm_test_loop") != NULL;
	EXPECT_TRUE(loop);

	/* The traced program, given with -b at the bias its mapping says. */
	bin.path = traces_path("perf/etm_test_loop");
	ASSERT_TRUE(bin.path != NULL);
	bin.path = strdup(bin.path);
	for (i = 0; i < d.nr_mmaps; i++)
		if (strstr(d.mmaps[i].filename, "etm_test_loop") && d.mmaps[i].exec)
			break;
	ASSERT_LT(i, d.nr_mmaps);
	bin.bias = UINT64_MAX;
	o.binaries = &bin;
	o.nr_binaries = 1;
	code_image_init(&img);
	ASSERT_EQ(0, code_image_elf_bias(&img, bin.path, d.mmaps[i].addr, d.mmaps[i].pgoff,
					 &bin.bias)) TH_LOG("%s", img.error);
	ASSERT_EQ(0, auxtrace_load_image(&d, &o, &img)) TH_LOG("%s", d.error);
	EXPECT_LT(0, code_image_extent(&img, d.mmaps[i].addr));
	code_image_free(&img);
	free((char *)bin.path);
	auxtrace_close(&d);
}

TEST_HARNESS_MAIN
