// SPDX-License-Identifier: GPL-2.0
/*
 * CoreSight captures as recorded: the perf.data AUXTRACE layer on files
 * written here from perf's record layouts (perf_writer.c) and on a real
 * cs_etm recording, read from the shared traces beside the source tree
 * (TRACES_DIR, from the Makefile); a test SKIPs when they are absent.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "image/code_image.h"
#include "perfdata/auxtrace.h"
#include "perf_writer.h"
#include "compare.h"
#include "coresight/cs_etm_info.h"
#include "coresight/cs_snapshot.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

static const char *traces_path(const char *rel)
{
	static char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/coresight/%s", TRACES_DIR, rel);
	return stat(path, &st) ? NULL : path;
}

static int run(const char *cmd)
{
	int status = system(cmd);

	return status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
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
	pw_aux_output_hw_id(&f, &sid, (2ull << 56) | 0x2a);
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
	ASSERT_EQ(1, d.nr_hw_ids);
	EXPECT_EQ((2ull << 56) | 0x2a, d.hw_ids[0].hw_id);
	EXPECT_EQ(2, d.hw_ids[0].cpu);
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
	char path[PATH_MAX], cache[] = "/tmp/textpoke-buildid-XXXXXX", dir[PATH_MAX * 2];
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

	/* Not where the mapping says, but in perf's build-id cache. */
	o.nr_binaries = 0;
	m.filename = "/nonexistent/prog";
	m.build_id_size = 20;
	memcpy(m.build_id, build_id, 20);
	ASSERT_TRUE(mkdtemp(cache) != NULL);
	snprintf(dir, sizeof(dir), "mkdir -p %s/.build-id/de/adbeef0102030405060708090a0b0c0d0e0f10 "
		 "&& ln -s /usr/bin/true %s/.build-id/de/adbeef0102030405060708090a0b0c0d0e0f10/elf",
		 cache, cache);
	ASSERT_EQ(0, run(dir));
	EXPECT_EQ(-ENOENT, auxtrace_mmap_file(&o, &m, path, sizeof(path), &bias));
	o.buildid_dir = cache;
	ASSERT_EQ(0, auxtrace_mmap_file(&o, &m, path, sizeof(path), &bias));
	EXPECT_NE(NULL, strstr(path, "/.build-id/de/adbeef01")) TH_LOG("%s", path);
	EXPECT_EQ(UINT64_MAX, bias);
	snprintf(dir, sizeof(dir), "rm -rf %s", cache);
	run(dir);
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

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of @dir (no dot files), sorted; NULL-terminated, or NULL. */
static char **list_dir(const char *dir)
{
	struct dirent *e;
	char **names = NULL;
	size_t nr = 0;
	DIR *d = opendir(dir);

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char **grown;

		if (e->d_name[0] == '.')
			continue;
		grown = realloc(names, (nr + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[nr++] = strdup(e->d_name);
		names[nr] = NULL;
	}
	closedir(d);
	if (names)
		qsort(names, nr, sizeof(*names), by_name);
	return names;
}

static void free_list(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/*
 * A snapshot published without its snapshot.ini and trace.ini
 * (juno_r1_1): its files linked into @tmp with the two written from its
 * device files, the way its siblings have them: every ini file a device,
 * the ETMs ETM_<n> tracing cores cpu_<n> into cstrace.bin, frame-formatted.
 */
static int complete_snapshot(const char *dir, const char *tmp)
{
	char path[PATH_MAX * 2], **names = list_dir(dir);
	FILE *ss, *tr;
	size_t i;

	if (!names)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/snapshot.ini", tmp);
	ss = fopen(path, "we");
	snprintf(path, sizeof(path), "%s/trace.ini", tmp);
	tr = fopen(path, "we");
	if (!ss || !tr)
		return -errno;
	fprintf(ss, "[snapshot]\nversion=1.0\n\n[device_list]\n");
	fprintf(tr, "[trace_buffers]\nbuffers=buffer0\n\n[buffer0]\nname=ETB_0\n"
		"file=cstrace.bin\nformat=coresight\n\n[source_buffers]\n");
	for (i = 0; names[i]; i++) {
		char target[PATH_MAX * 2];

		snprintf(path, sizeof(path), "%s/%s", tmp, names[i]);
		snprintf(target, sizeof(target), "%s/%s", dir, names[i]);
		if (symlink(target, path))
			return -errno;
		if (strstr(names[i], ".ini"))
			fprintf(ss, "device%zu=%s\n", i, names[i]);
	}
	for (i = 0; i < 8; i++)
		fprintf(tr, "ETM_%zu=ETB_0\n", i);
	fprintf(tr, "\n[core_trace_sources]\n");
	for (i = 0; i < 8; i++)
		fprintf(tr, "cpu_%zu=ETM_%zu\n", i, i);
	fprintf(ss, "\n[trace]\nmetadata=trace.ini\n");
	fclose(ss);
	fclose(tr);
	free_list(names);
	return 0;
}

struct tally {
	unsigned int sources, agree;
};

/* Each trace ID of the snapshot in @dir, decoded by both; @tmp for trc_pkt_lister's log. */
static void compare_snapshot(struct __test_metadata *_metadata, const char *dir,
			     const char *tmp, struct tally *t)
{
	char cmd[PATH_MAX * 3], why[1024];
	const char *tool = build_file("tp-decode");
	struct elem_list theirs, ours;
	bool ids[128] = { false };
	unsigned int id;

	snprintf(cmd, sizeof(cmd), "cd %s && trc_pkt_lister -ss_dir %s -decode_only -logstdout "
		 "2>&1", tmp, dir);
	ASSERT_EQ(0, elem_list_run(cmd, &theirs));
	elem_list_ids(&theirs, ids);
	elem_list_free(&theirs);
	snprintf(cmd, sizeof(cmd), "%s --snapshot %s 2>/dev/null", tool, dir);
	ASSERT_EQ(0, elem_list_run(cmd, &ours));
	elem_list_ids(&ours, ids);
	elem_list_free(&ours);

	for (id = 0; id < 128; id++) {
		char idopt[16] = "";
		bool agree;

		if (!ids[id])
			continue;
		if (id)
			snprintf(idopt, sizeof(idopt), "-id 0x%x", id);
		/*
		 * trc_pkt_lister refuses "-id 0", the ID of an unformatted
		 * source (its only one): all of its output is that source's.
		 */
		snprintf(cmd, sizeof(cmd), "cd %s && trc_pkt_lister -ss_dir %s -decode_only "
			 "%s -logstdout 2>&1", tmp, dir, idopt);
		ASSERT_EQ(0, elem_list_run(cmd, &theirs));
		snprintf(cmd, sizeof(cmd), "%s --snapshot %s --id 0x%x 2>/dev/null", tool, dir,
			 id);
		ASSERT_EQ(0, elem_list_run(cmd, &ours));
		agree = elem_list_agree(&theirs, &ours, why, sizeof(why));
		/* Where OpenCSD's lister halts, tp-decode goes on and says so in its status. */
		if (agree && ours.status != (theirs.fatal ? 4 : 0)) {
			snprintf(why, sizeof(why), "exit status %d", ours.status);
			agree = false;
		}
		t->sources++;
		t->agree += agree;
		TH_LOG("%s ID 0x%x: %zu elements%s: %s", strrchr(dir, '/') + 1, id,
			       theirs.nr, theirs.fatal ? " until trc_pkt_lister's fatal error" : "",
			       agree ? "as recorded" : why);
		elem_list_free(&theirs);
		elem_list_free(&ours);
	}
}

/* Every ETMv4 source of every snapshot: tp-decode's elements are trc_pkt_lister's. */
TEST(snapshots_decode_as_recorded)
{
	const char *root = traces_path("snapshots");
	char **names, dir[PATH_MAX], tmp[] = "/tmp/textpoke-cs-XXXXXX", sub[PATH_MAX];
	struct tally t = { 0 };
	struct stat st;
	size_t i;

	if (!root)
		SKIP(return, "no %s/coresight/snapshots", TRACES_DIR);
	if (run("command -v trc_pkt_lister >/dev/null"))
		SKIP(return, "no trc_pkt_lister (Debian libopencsd-bin)");
	root = strdup(root);
	names = list_dir(root);
	ASSERT_TRUE(names != NULL);
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	for (i = 0; names[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/snapshot.ini", root, names[i]);
		if (stat(dir, &st)) {
			snprintf(sub, sizeof(sub), "%s/%s", tmp, names[i]);
			ASSERT_EQ(0, mkdir(sub, 0700));
			snprintf(dir, sizeof(dir), "%s/%s", root, names[i]);
			ASSERT_EQ(0, complete_snapshot(dir, sub));
			TH_LOG("%s has no snapshot.ini: written from its device files",
				       names[i]);
			compare_snapshot(_metadata, sub, tmp, &t);
		} else {
			snprintf(dir, sizeof(dir), "%s/%s", root, names[i]);
			compare_snapshot(_metadata, dir, tmp, &t);
		}
	}
	TH_LOG("%u of %u sources decode as recorded", t.agree, t.sources);
	EXPECT_LT(0, t.sources);
	EXPECT_EQ(t.sources, t.agree);
	snprintf(dir, sizeof(dir), "rm -rf %s", tmp);
	run(dir);
	free_list(names);
	free((char *)root);
}

/* The words of perf's cs_etm AUXTRACE_INFO a snapshot device file needs, per CPU. */
static const char *const etm4_regs[] = {
	"TRCCONFIGR", "TRCTRACEIDR", "TRCIDR0", "TRCIDR1", "TRCIDR2", "TRCIDR8",
};

/*
 * The simpleperf recording as an OpenCSD snapshot, for trc_pkt_lister:
 * a core and an ETMv4 device file per CPU from the AUXTRACE_INFO words
 * (header version 1: magic, CPU, number of registers, registers), the
 * AUXTRACE payload as a formatted buffer, the traced program's code
 * mapping as the memory dump.  Written here from the layouts, not by
 * tp-decode: the reference must not share its reading of the file.
 */
static int perf_snapshot(const char *data, const char *prog, const char *dir)
{
	struct auxtrace_data d;
	char path[PATH_MAX * 2];
	const struct auxtrace_mmap *code = NULL;
	size_t i, pos = 3, cpus;
	FILE *ss, *tr, *f;
	int err = -EINVAL;

	if (auxtrace_open(&d, data))
		return -EINVAL;
	for (i = 0; i < d.nr_mmaps; i++)
		if (d.mmaps[i].exec && strstr(d.mmaps[i].filename, "etm_test_loop"))
			code = &d.mmaps[i];
	if (!code || d.nr_buffers != 1 || d.info.nr_priv < 3 || d.info.priv[0] != 1)
		goto out;
	cpus = (uint32_t)d.info.priv[1];
	snprintf(path, sizeof(path), "%s/snapshot.ini", dir);
	ss = fopen(path, "we");
	snprintf(path, sizeof(path), "%s/trace.ini", dir);
	tr = fopen(path, "we");
	snprintf(path, sizeof(path), "%s/trace.bin", dir);
	f = fopen(path, "we");
	if (!ss || !tr || !f)
		goto out;
	fwrite(d.buffers[0].data, 1, d.buffers[0].size, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/etm_test_loop", dir);
	if (symlink(prog, path))
		goto out;
	fprintf(ss, "[snapshot]\nversion=1.0\n\n[device_list]\n");
	fprintf(tr, "[trace_buffers]\nbuffers=buffer0\n\n[buffer0]\nname=ETR_0\n"
		"file=trace.bin\nformat=coresight\n\n[source_buffers]\n");
	for (i = 0; i < cpus && pos + 3 <= d.info.nr_priv; i++) {
		const uint64_t *w = d.info.priv + pos;
		size_t r, nr = w[2];

		if (w[0] != 0x4040404040404040ull || nr < 6 || pos + 3 + nr > d.info.nr_priv)
			goto out;
		fprintf(ss, "device%zu=cpu_%zu.ini\ndevice%zu=etm_%zu.ini\n", 2 * i, i, 2 * i + 1, i);
		fprintf(tr, "ETM_%zu=ETR_0\n", i);
		snprintf(path, sizeof(path), "%s/cpu_%zu.ini", dir, i);
		f = fopen(path, "we");
		if (!f)
			goto out;
		/* perf decodes as an A-profile v8 core: a Cortex-A53 to OpenCSD. */
		fprintf(f, "[device]\nname=cpu_%zu\nclass=core\ntype=Cortex-A53\n", i);
		if (!i)
			fprintf(f, "\n[dump1]\nfile=etm_test_loop\naddress=0x%llx\noffset=0x%llx\n"
				"length=0x%llx\n", (unsigned long long)code->addr,
				(unsigned long long)code->pgoff, (unsigned long long)code->len);
		fclose(f);
		snprintf(path, sizeof(path), "%s/etm_%zu.ini", dir, i);
		f = fopen(path, "we");
		if (!f)
			goto out;
		fprintf(f, "[device]\nname=ETM_%zu\nclass=trace_source\ntype=ETM4\n\n[regs]\n", i);
		for (r = 0; r < 6; r++)
			fprintf(f, "%s=0x%llx\n", etm4_regs[r], (unsigned long long)w[3 + r]);
		fclose(f);
		pos += 3 + nr;
	}
	fprintf(tr, "\n[core_trace_sources]\n");
	for (i = 0; i < cpus; i++)
		fprintf(tr, "cpu_%zu=ETM_%zu\n", i, i);
	fprintf(ss, "\n[trace]\nmetadata=trace.ini\n");
	fclose(ss);
	fclose(tr);
	err = 0;
out:
	auxtrace_close(&d);
	return err;
}

/* The cs_etm perf.data: tp-decode -i against trc_pkt_lister on the same trace. */
TEST(perf_data_decodes_as_recorded)
{
	const char *data = traces_path("perf/perf_etm.data"), *prog;
	char tmp[] = "/tmp/textpoke-csperf-XXXXXX", dir[PATH_MAX], cmd[PATH_MAX * 4], why[1024];
	struct elem_list theirs, ours;
	bool ids[128] = { false };
	unsigned int id, sources = 0, agree = 0;

	if (!data)
		SKIP(return, "no %s/coresight/perf", TRACES_DIR);
	if (run("command -v trc_pkt_lister >/dev/null"))
		SKIP(return, "no trc_pkt_lister (Debian libopencsd-bin)");
	data = strdup(data);
	prog = strdup(traces_path("perf/etm_test_loop"));
	ASSERT_TRUE(mkdtemp(tmp) != NULL);
	snprintf(dir, sizeof(dir), "%s/ss", tmp);
	ASSERT_EQ(0, mkdir(dir, 0700));
	ASSERT_EQ(0, perf_snapshot(data, prog, dir));

	snprintf(cmd, sizeof(cmd), "%s -i %s -b %s 2>/dev/null", build_file("tp-decode"), data,
		 prog);
	ASSERT_EQ(0, elem_list_run(cmd, &ours));
	ASSERT_EQ(0, ours.status);
	elem_list_ids(&ours, ids);
	ASSERT_LT(100, ours.nr);
	elem_list_free(&ours);
	for (id = 0; id < 128; id++) {
		if (!ids[id])
			continue;
		snprintf(cmd, sizeof(cmd), "cd %s && trc_pkt_lister -ss_dir %s -decode_only -id 0x%x "
			 "-logstdout 2>&1", tmp, dir, id);
		ASSERT_EQ(0, elem_list_run(cmd, &theirs));
		snprintf(cmd, sizeof(cmd), "%s -i %s -b %s --id 0x%x 2>/dev/null",
			 build_file("tp-decode"), data, prog, id);
		ASSERT_EQ(0, elem_list_run(cmd, &ours));
		sources++;
		if (elem_list_agree(&theirs, &ours, why, sizeof(why)) && !theirs.fatal) {
			agree++;
			TH_LOG("perf_etm.data ID 0x%x: %zu elements: as recorded", id, theirs.nr);
		} else {
			TH_LOG("perf_etm.data ID 0x%x: %s", id, why);
		}
		elem_list_free(&theirs);
		elem_list_free(&ours);
	}
	TH_LOG("%u of %u sources decode as recorded", agree, sources);
	EXPECT_LT(0, sources);
	EXPECT_EQ(sources, agree);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	run(cmd);
	free((char *)data);
	free((char *)prog);
}

/* Truncation points of a capture of @len bytes: the first bytes, then spread evenly. */
#define CUTS_HEAD	24
#define CUTS_SPREAD	40

static size_t cut_at(size_t i, size_t len)
{
	return i < CUTS_HEAD ? (i < len ? i : len) : len * (i - CUTS_HEAD) / CUTS_SPREAD;
}

static bool count_element(void *arg, uint64_t index, uint8_t id,
			  const ocsd_generic_trace_elem *e)
{
	(void)index, (void)id, (void)e;
	++*(size_t *)arg;
	return true;
}

static int read_all(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	long size;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*len = size;
	*buf = malloc(size ? size : 1);
	if (!*buf || fread(*buf, 1, size, f) != (size_t)size) {
		free(*buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

/* A snapshot's first buffer cut short: decoded as far as it goes, or refused. */
static void truncate_snapshot(struct __test_metadata *_metadata, const char *dir,
			      unsigned int *cuts, unsigned int *partial)
{
	struct cs_snapshot ss;
	const struct cs_buffer *b;
	uint8_t *buf, *cut;
	size_t len, i;

	ASSERT_EQ(0, cs_snapshot_load(&ss, dir)) TH_LOG("%s: %s", dir, ss.error);
	b = cs_snapshot_buffer(&ss, NULL);
	ASSERT_TRUE(b != NULL);
	ASSERT_EQ(0, read_all(b->path, &buf, &len));
	for (i = 0; i < CUTS_HEAD + CUTS_SPREAD; i++) {
		size_t n = cut_at(i, len), elements = 0;
		struct cs_tree t;

		/* Its own allocation: a read past the cut is a read past the buffer. */
		cut = malloc(n ? n : 1);
		ASSERT_TRUE(cut != NULL);
		memcpy(cut, buf, n);
		ASSERT_EQ(0, cs_snapshot_tree(&ss, b, &t)) TH_LOG("%s", t.error);
		if (!cs_tree_decode(&t, cut, n, 0, CS_ALL_IDS, count_element, &elements))
			*partial += elements > 0;
		cs_tree_close(&t);
		free(cut);
		++*cuts;
	}
	free(buf);
	cs_snapshot_free(&ss);
}

/* The recording cut short: refused with a reason, or decoded as far as it goes. */
static void truncate_perf_data(struct __test_metadata *_metadata, const char *path,
			       unsigned int *cuts, unsigned int *partial)
{
	uint8_t *buf, *cut;
	size_t len, i, q, j;

	ASSERT_EQ(0, read_all(path, &buf, &len));
	for (i = 0; i < CUTS_HEAD + CUTS_SPREAD; i++) {
		size_t n = cut_at(i, len), elements = 0;
		struct auxtrace_data d;
		struct cs_etm_info info;
		char error[256];

		cut = malloc(n ? n : 1);
		ASSERT_TRUE(cut != NULL);
		memcpy(cut, buf, n);
		++*cuts;
		if (auxtrace_parse(&d, cut, n)) {
			EXPECT_NE('\0', d.error[0]);
			free(cut);
			continue;
		}
		if (!cs_etm_info_parse(&d.info, &info, error, sizeof(error))) {
			for (q = 0; q < d.nr_queues; q++)
				for (j = 0; j < d.queues[q].nr_buffers; j++) {
					const struct auxtrace_buffer *b =
						&d.buffers[d.queues[q].buffers[j]];
					struct cs_tree t;

					if (cs_etm_queue_tree(&info, &d, &d.queues[q], &t))
						continue;
					cs_tree_decode(&t, b->data, b->size, 0, CS_ALL_IDS,
						       count_element, &elements);
					cs_tree_close(&t);
				}
			cs_etm_info_free(&info);
		}
		*partial += elements > 0;
		auxtrace_close(&d);
		free(cut);
	}
	free(buf);
}

/* Every real capture cut short at sampled points: an error or a partial decode. */
TEST(truncated_captures)
{
	const char *root, *data;
	unsigned int cuts = 0, partial = 0;
	char **names, dir[PATH_MAX];
	struct stat st;
	size_t i;

	/* traces_path() answers in one buffer: a copy of each answer. */
	root = traces_path("snapshots") ? strdup(traces_path("snapshots")) : NULL;
	data = traces_path("perf/perf_etm.data") ? strdup(traces_path("perf/perf_etm.data")) : NULL;
	if (!root || !data)
		SKIP(return, "no %s/coresight", TRACES_DIR);
	names = list_dir(root);
	ASSERT_TRUE(names != NULL);
	for (i = 0; names[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/snapshot.ini", root, names[i]);
		if (stat(dir, &st))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, names[i]);
		truncate_snapshot(_metadata, dir, &cuts, &partial);
	}
	truncate_perf_data(_metadata, data, &cuts, &partial);
	TH_LOG("%u truncations, %u of them decoded in part, the others refused or empty",
	       cuts, partial);
	EXPECT_LT(0, partial);
	free_list(names);
	free((char *)root);
	free((char *)data);
}

/* perf's cs_etm AUXTRACE_INFO: the version 0 and 1 layouts, ETE, and what is refused. */
TEST(cs_etm_info_layouts)
{
	static const uint64_t v0[] = {
		0, (8ull << 32) | 2, 0,
		0x4040404040404040ull, 0, 0x800, 0x10, 0x28000ea1, 0x4100f424, 0x488, 0, 0xcc,
		0x3030303030303030ull, 1, 0x1, 0x12, 0, 0x4100f250,
	};
	static const uint64_t v1[] = {
		1, (8ull << 32) | 2, 0,
		0x4040404040404040ull, 3, 8, 0x800, 0x14, 0x28000ea1, 0x4100f424, 0x488, 4, 0xcc,
		0x1234,			/* a register newer perf appends: skipped */
		0x5050505050505050ull, 5, 8, 0x1, 0x16, 0x28000ea1, 0x4100fff3, 0x20001088, 0,
		0xcc, 0x47705a13,
	};
	struct auxtrace_info info = { .present = true, .type = AUXTRACE_TYPE_CS_ETM };
	struct auxtrace_hw_id ids[2] = { { .hw_id = (1ull << 56) | 0x30, .cpu = 5 },
					 { .hw_id = 0x31, .cpu = AUXTRACE_NONE } };
	struct auxtrace_data hw = { .hw_ids = ids, .nr_hw_ids = 2 };
	struct cs_etm_info ci;
	char error[256];

	info.priv = (uint64_t *)v0;
	info.nr_priv = sizeof(v0) / sizeof(v0[0]);
	ASSERT_EQ(0, cs_etm_info_parse(&info, &ci, error, sizeof(error))) TH_LOG("%s", error);
	EXPECT_EQ(2, ci.nr_cpus);
	EXPECT_EQ(8, ci.pmu_type);
	EXPECT_TRUE(ci.cpus[0].supported);
	EXPECT_EQ(CS_ETMV4, ci.cpus[0].cfg.protocol);
	EXPECT_EQ(0x10, ci.cpus[0].cfg.etm4.reg_traceidr);
	EXPECT_EQ(0x4100f424, ci.cpus[0].cfg.etm4.reg_idr1);
	EXPECT_FALSE(ci.cpus[1].supported);	/* ETMv3: read past, not decoded */
	EXPECT_TRUE(cs_etm_cpu_of_id(&ci, 0x10) == &ci.cpus[0]);
	cs_etm_info_free(&ci);

	info.priv = (uint64_t *)v1;
	info.nr_priv = sizeof(v1) / sizeof(v1[0]);
	ASSERT_EQ(0, cs_etm_info_parse(&info, &ci, error, sizeof(error))) TH_LOG("%s", error);
	EXPECT_EQ(3, ci.cpus[0].cpu);
	EXPECT_EQ(0x14, ci.cpus[0].cfg.etm4.reg_traceidr);
	EXPECT_EQ(CS_ETE, ci.cpus[1].cfg.protocol);
	EXPECT_EQ(5, ci.cpus[1].cpu);
	EXPECT_EQ(0x16, ci.cpus[1].cfg.ete.reg_traceidr);
	EXPECT_EQ(0x47705a13, ci.cpus[1].cfg.ete.reg_devarch);
	EXPECT_TRUE(cs_etm_cpu(&ci, 5) == &ci.cpus[1]);
	/* Trace IDs given at run time replace TRCTRACEIDR, by CPU. */
	cs_etm_info_apply_hw_ids(&ci, &hw);
	EXPECT_EQ(0x30, ci.cpus[1].cfg.ete.reg_traceidr);
	EXPECT_EQ(0x14, ci.cpus[0].cfg.etm4.reg_traceidr);
	EXPECT_TRUE(cs_etm_cpu_of_id(&ci, 0x30) == &ci.cpus[1]);
	cs_etm_info_free(&ci);

	/* Cut inside the second CPU's block; a wrong magic; another PMU's record. */
	info.nr_priv -= 3;
	EXPECT_EQ(-EINVAL, cs_etm_info_parse(&info, &ci, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "cut short")) TH_LOG("%s", error);
	info.nr_priv = sizeof(v0) / sizeof(v0[0]);
	info.priv = (uint64_t *)v0;
	{
		uint64_t bad[sizeof(v0) / sizeof(v0[0])];

		memcpy(bad, v0, sizeof(bad));
		bad[3] = 0x1234;
		info.priv = bad;
		EXPECT_EQ(-EINVAL, cs_etm_info_parse(&info, &ci, error, sizeof(error)));
		EXPECT_NE(NULL, strstr(error, "magic")) TH_LOG("%s", error);
	}
	info.type = AUXTRACE_TYPE_INTEL_PT;
	EXPECT_EQ(-EINVAL, cs_etm_info_parse(&info, &ci, error, sizeof(error)));
}

/* Snapshot device files: the decoder by protocol, the profile by core, bad files refused. */
TEST(snapshot_devices)
{
	static const char etm4[] = "[device]\nname=ETM_0\nclass=trace_source\ntype=ETM4.2\n"
				   "[regs]\nTRCCONFIGR(0x004)=0x1\ntrctraceidr(id:0x10)=0x10\n"
				   "TRCIDR0=0x28000ea1\nTRCIDR2=0x488\n";
	static const char ete[] = "[device]\nname=ETE_0\ntype=ETM4\n[regs]\nTRCCONFIGR=0x1\n"
				  "TRCTRACEIDR=0x12\nTRCIDR0=0x28000ea1\nTRCIDR2=0x488\n"
				  "TRCDEVARCH=0x47705a13\n";
	static const char stm[] = "[device]\nname=STM_0\ntype=STM\n[regs]\nSTMTCSR=0x1\n";
	struct cs_device dev = { 0 }, core = { .name = "cpu_0", .type = "Cortex-R52" };
	ocsd_arch_version_t arch;
	ocsd_core_profile_t profile;
	struct cs_source_config cfg;
	char error[256];
	struct cs_tree t;

	ASSERT_EQ(0, cs_ini_parse(&dev.ini, etm4, sizeof(etm4) - 1, error, sizeof(error)));
	dev.name = "ETM_0";
	dev.type = cs_ini_get(&dev.ini, "device", "type");
	ASSERT_EQ(0, cs_snapshot_source_config(&dev, &core, &cfg, error, sizeof(error)))
		TH_LOG("%s", error);
	EXPECT_EQ(CS_ETMV4, cfg.protocol);
	EXPECT_EQ(0x10, cfg.etm4.reg_traceidr);
	EXPECT_EQ(0x4100f403, cfg.etm4.reg_idr1);	/* OpenCSD's default when absent */
	EXPECT_EQ(profile_CortexR, cfg.etm4.core_prof);	/* from the core's type */
	EXPECT_EQ(-ENOENT, cs_snapshot_source_config(&dev, NULL, &cfg, error, sizeof(error)));
	cs_ini_free(&dev.ini);

	ASSERT_EQ(0, cs_ini_parse(&dev.ini, ete, sizeof(ete) - 1, error, sizeof(error)));
	dev.type = "ETM4";
	core.type = "ARMv9.2-A";
	ASSERT_EQ(0, cs_snapshot_source_config(&dev, &core, &cfg, error, sizeof(error)));
	EXPECT_EQ(CS_ETE, cfg.protocol);		/* by TRCDEVARCH */
	EXPECT_EQ(ARCH_AA64, cfg.ete.arch_ver);
	ASSERT_EQ(0, cs_tree_open(&t, CS_FRAMES));
	EXPECT_EQ(0, cs_tree_add_source(&t, &cfg)) TH_LOG("%s", t.error);	/* 1.3.3's ETE decoder */
	cs_tree_close(&t);
	core.type = "Cortex-X9000";
	EXPECT_EQ(-ENOENT, cs_snapshot_source_config(&dev, &core, &cfg, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "unknown type")) TH_LOG("%s", error);
	cs_ini_free(&dev.ini);

	ASSERT_EQ(0, cs_ini_parse(&dev.ini, stm, sizeof(stm) - 1, error, sizeof(error)));
	dev.type = "STM";
	EXPECT_EQ(-EOPNOTSUPP, cs_snapshot_source_config(&dev, &core, &cfg, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "STM")) TH_LOG("%s", error);
	cs_ini_free(&dev.ini);

	EXPECT_EQ(0, cs_core_profile("Cortex-M33", &arch, &profile));
	EXPECT_EQ(profile_CortexM, profile);
	EXPECT_EQ(0, cs_core_profile("ARMv8.3-A", &arch, &profile));
	EXPECT_EQ(ARCH_V8r3, arch);
	EXPECT_EQ(0, cs_core_profile("ARM-AA64-R", &arch, &profile));
	EXPECT_EQ(profile_CortexR, profile);
	EXPECT_EQ(-ENOENT, cs_core_profile("ARMv8-Q", &arch, &profile));

	EXPECT_EQ(-EINVAL, cs_ini_parse(&dev.ini, "key=value\n", 10, error, sizeof(error)));
	EXPECT_NE(NULL, strstr(error, "outside every section")) TH_LOG("%s", error);
	EXPECT_EQ(-EINVAL, cs_ini_parse(&dev.ini, "[open\n", 6, error, sizeof(error)));
	EXPECT_EQ(-EINVAL, cs_ini_parse(&dev.ini, "[s]\nnovalue\n", 12, error, sizeof(error)));
}

/*
 * A packet order OpenCSD 1.3.3's decoder crashes on (an exception before
 * any address, found by fuzzing): the decode stops before it, says so,
 * and keeps what came before.
 */
TEST(unsafe_packet_order_stops_the_decode)
{
	static const uint8_t trace[] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,	/* A-sync */
		0x01, 0x00,				/* trace info */
		0x06, 0x00,				/* exception, no address yet */
		0x06, 0x00,
	};
	struct cs_source_config cfg = { .protocol = CS_ETMV4 };
	size_t elements = 0;
	struct cs_tree t;

	cfg.etm4.reg_idr0 = 0x28000ea1;
	cfg.etm4.reg_idr1 = 0x4100f424;
	cfg.etm4.reg_idr2 = 0x00000488;
	cfg.etm4.reg_configr = 0x00000800;
	cfg.etm4.reg_traceidr = 0;
	cfg.etm4.arch_ver = ARCH_V8;
	cfg.etm4.core_prof = profile_CortexA;
	ASSERT_EQ(0, cs_tree_open(&t, CS_UNFORMATTED));
	ASSERT_EQ(0, cs_tree_add_source(&t, &cfg)) TH_LOG("%s", t.error);
	ASSERT_EQ(0, cs_tree_decode(&t, trace, sizeof(trace), 0, CS_ALL_IDS, count_element,
				    &elements));
	EXPECT_TRUE(t.stats.halted);
	EXPECT_EQ(1, t.stats.nr_errors);
	EXPECT_NE(NULL, strstr(t.stats.first_error, "an exception before any address at offset 14"))
		TH_LOG("%s", t.stats.first_error);
	cs_tree_close(&t);
}

/* juno-ret-stck: one stream ends inside a packet; said, and the rest decoded. */
TEST(cut_packet_is_reported)
{
	const char *dir = traces_path("snapshots/juno-ret-stck");
	char cmd[PATH_MAX * 3], line[1024];
	bool said = false;
	FILE *p;

	if (!dir)
		SKIP(return, "no %s/coresight/snapshots/juno-ret-stck", TRACES_DIR);
	snprintf(cmd, sizeof(cmd), "%s --snapshot %s 2>&1 >/dev/null; echo status=$?",
		 build_file("tp-decode"), dir);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	while (fgets(line, sizeof(line), p)) {
		said |= strstr(line, "trace ID 0x11: the buffer ends inside a packet") != NULL;
		if (!strncmp(line, "status=", 7))
			EXPECT_STREQ("status=0\n", line);
	}
	pclose(p);
	EXPECT_TRUE(said);
}

/* A recording's binaries not found are named, so that the user can give them. */
TEST(missing_binaries_are_named)
{
	const char *data = traces_path("perf/perf_etm.data"), *first;
	char cmd[PATH_MAX * 3], out[8192];
	FILE *p;
	size_t n;

	if (!data)
		SKIP(return, "no %s/coresight/perf", TRACES_DIR);
	snprintf(cmd, sizeof(cmd), "%s -i %s --ranges 2>&1 >/dev/null", build_file("tp-decode"),
		 data);
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	EXPECT_NE(NULL, strstr(out, "/data/local/tmp/etm_test_loop not found")) TH_LOG("%s", out);
	/* Once a file, though it is mapped several times. */
	first = strstr(out, "simpleperf64 not found");
	ASSERT_TRUE(first != NULL) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(first + 1, "simpleperf64 not found"));
}

TEST_HARNESS_MAIN
