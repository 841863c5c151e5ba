// SPDX-License-Identifier: GPL-2.0
/*
 * PRE and POST events on every arch: each backend emits exactly one PRE
 * and one POST per site, PRE while the site still holds its old bytes and
 * POST once it holds the new ones; a batch gets one id; the subscriber
 * contract and its errors; trace-exact routing; the perf.data writer's
 * file read back with the project's reader (perf itself reads it in the
 * native perf selftests), also after a crash mid-batch and through
 * TEXTPOKE_PERF_DATA; and a bounded fuzz of the reader.
 *
 * Each test runs in its own forked process (kselftest harness).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "events.h"

/* The harness compares int literals with the unsigned counts and enums. */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "perfdata/perf_read.h"

#define BATCH_SITES	64
#define FUZZ_ROUNDS	3000	/* TP_FUZZ_CASES overrides (make fuzz) */

static char tmp_path[64];

static const char *temp_file(void)
{
	int fd;

	strcpy(tmp_path, "/tmp/textpoke-events-XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd >= 0)
		close(fd);
	return tmp_path;
}

/* The engine's choice for site_nopjmp's NOP/jump flip without a decoder. */
#define AUTO_CHOICE	(HAVE_NOSYNC ? TP_BACKEND_NOSYNC : TP_BACKEND_BREAKPOINT)

TEST(every_backend_emits_pre_then_post)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];
	unsigned long long last_time = 0, last_batch = 0;
	unsigned int i;

	nopjmp_states(nop, jump);
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	ASSERT_EQ(0, poke_every_backend());
	ASSERT_EQ(4 * NR_BACKENDS, event_log.nr);
	for (i = 0; i < event_log.nr; i++) {
		const struct logged *l = &event_log.e[i];
		const struct tp_event *ev = &l->ev;
		bool to_jump = (i / 2) % 2 == 0;

		EXPECT_EQ(i % 2 ? TP_EVENT_POST : TP_EVENT_PRE, ev->phase);
		EXPECT_EQ(every_backend[i / 4], ev->backend);
		EXPECT_EQ((void *)site_nopjmp, ev->addr);
		EXPECT_EQ(SITE_LEN, ev->len);
		EXPECT_EQ(0, memcmp(ev->old, to_jump ? nop : jump, SITE_LEN));
		EXPECT_EQ(0, memcmp(ev->new, to_jump ? jump : nop, SITE_LEN));
		/* PRE before any write, POST after the last. */
		EXPECT_EQ(0, memcmp(l->at_site, i % 2 ? ev->new : ev->old, SITE_LEN));
		EXPECT_EQ(getpid(), ev->pid);
		EXPECT_EQ(gettid_(), ev->tid);
		EXPECT_GE(ev->cpu, 0);
		EXPECT_GE(ev->time_ns, last_time);
		if (i % 2) {
			EXPECT_EQ(last_batch, ev->batch);
		} else {
			EXPECT_LT(last_batch, ev->batch);
		}
		last_time = ev->time_ns;
		last_batch = ev->batch;
	}
}

TEST(auto_reports_the_backend_that_ran)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];

	nopjmp_states(nop, jump);
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	ASSERT_EQ(0, tp_poke(site_nopjmp, nop, jump, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(2, event_log.nr);
	EXPECT_EQ(AUTO_CHOICE, event_log.e[0].ev.backend);
	EXPECT_EQ(AUTO_CHOICE, event_log.e[1].ev.backend);
}

static int batch_of_nops(struct tp_batch *batch, uint8_t *jumps)
{
	size_t step = (site_many_end - site_many) / SITE_MANY_COUNT;
	unsigned int i;

	for (i = 0; i < BATCH_SITES; i++) {
		uint8_t *site = site_many + i * step;

		if (site_enc_jump(jumps + i * SITE_LEN, (uintptr_t)site,
				  (uintptr_t)site_many_end) != SITE_LEN ||
		    tp_batch_add(batch, site, NULL, jumps + i * SITE_LEN, SITE_LEN))
			return -1;
	}
	return 0;
}

TEST(batch_emits_one_pre_and_post_per_site)
{
	static uint8_t jumps[BATCH_SITES * SITE_LEN];
	unsigned int b, i;

	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	for (b = 0; b < NR_BACKENDS; b++) {
		struct tp_batch *batch = tp_batch_new();
		unsigned long long id;

		event_log.nr = 0;
		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, batch_of_nops(batch, jumps));
		ASSERT_EQ(0, tp_batch_commit(batch, every_backend[b]));
		tp_batch_free(batch);
		ASSERT_EQ(2 * BATCH_SITES, event_log.nr);
		id = event_log.e[0].ev.batch;
		for (i = 0; i < BATCH_SITES; i++) {
			const struct tp_event *pre = &event_log.e[i].ev;
			const struct tp_event *post = &event_log.e[BATCH_SITES + i].ev;

			/* Sites in address order, every PRE before every POST. */
			EXPECT_EQ(TP_EVENT_PRE, pre->phase);
			EXPECT_EQ(TP_EVENT_POST, post->phase);
			EXPECT_EQ(pre->addr, post->addr);
			EXPECT_EQ(id, pre->batch);
			EXPECT_EQ(id, post->batch);
			EXPECT_EQ(every_backend[b], post->backend);
			if (i) {
				EXPECT_LT((uintptr_t)event_log.e[i - 1].ev.addr,
					  (uintptr_t)pre->addr);
			}
		}
		/* Back to NOPs for the next backend, unobserved. */
		ASSERT_EQ(0, tp_events_unsubscribe(log_event, NULL));
		for (i = 0; i < BATCH_SITES; i++)
			ASSERT_EQ(0, tp_poke((void *)event_log.e[i].ev.addr, NULL,
					     event_log.e[i].ev.old, SITE_LEN,
					     TP_BACKEND_STOP_MACHINE));
		ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	}
}

TEST(refused_poke_emits_nothing)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];

	nopjmp_states(nop, jump);
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	EXPECT_EQ(-EILSEQ, tp_poke(site_nopjmp, jump, nop, SITE_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(-EINVAL, tp_poke(site_nopjmp, NULL, unknown_insn, SHORT_LEN,
				   TP_BACKEND_AUTO));
	EXPECT_EQ(0, event_log.nr);
}

static void other_event(const struct tp_event *ev, void *arg)
{
	(void)ev;
	++*(int *)arg;
}

TEST(subscribe_contract)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];
	static int counts[TP_EVENTS_MAX_SUBSCRIBERS];
	int i;

	nopjmp_states(nop, jump);
	EXPECT_EQ(-EINVAL, tp_events_subscribe(NULL, NULL, 0));
	EXPECT_EQ(-EINVAL, tp_events_subscribe(log_event, NULL, 0x80));
	EXPECT_EQ(-ENOENT, tp_events_unsubscribe(log_event, NULL));
	for (i = 0; i < TP_EVENTS_MAX_SUBSCRIBERS; i++)
		ASSERT_EQ(0, tp_events_subscribe(other_event, &counts[i], 0));
	EXPECT_EQ(-EEXIST, tp_events_subscribe(other_event, &counts[0], 0));
	EXPECT_EQ(-ENOSPC, tp_events_subscribe(log_event, NULL, 0));
	ASSERT_EQ(0, tp_poke(site_nopjmp, nop, jump, SITE_LEN, TP_BACKEND_AUTO));
	for (i = 0; i < TP_EVENTS_MAX_SUBSCRIBERS; i++)
		EXPECT_EQ(2, counts[i]);
	/* An unsubscribed callback is never called again. */
	ASSERT_EQ(0, tp_events_unsubscribe(other_event, &counts[3]));
	ASSERT_EQ(0, tp_poke(site_nopjmp, jump, nop, SITE_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(2, counts[3]);
	EXPECT_EQ(4, counts[4]);
	EXPECT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
}

static int nested_results[4];

static void nested_call(const struct tp_event *ev, void *arg)
{
	uint8_t nop[SITE_LEN];

	(void)arg;
	if (ev->phase != TP_EVENT_PRE)
		return;
	memcpy(nop, site_short, SHORT_LEN);
	nested_results[0] = tp_poke(site_short, NULL, nop, SHORT_LEN, TP_BACKEND_AUTO);
	nested_results[1] = tp_events_subscribe(log_event, NULL, 0);
	nested_results[2] = tp_events_unsubscribe(nested_call, NULL);
	nested_results[3] = tp_perf_data_open("/dev/null");
}

TEST(callback_that_pokes_gets_edeadlk)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];
	int i;

	nopjmp_states(nop, jump);
	ASSERT_EQ(0, tp_events_subscribe(nested_call, NULL, 0));
	ASSERT_EQ(0, tp_poke(site_nopjmp, nop, jump, SITE_LEN, TP_BACKEND_STOP_MACHINE));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(-EDEADLK, nested_results[i]);
	EXPECT_EQ(2, site_nopjmp_fn());
}

TEST(trace_exact_routes_auto_away_from_nosync)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];

	nopjmp_states(nop, jump);
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, TP_EVENTS_DECODER));
	ASSERT_EQ(0, tp_poke(site_nopjmp, nop, jump, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(0, tp_set_trace_exact(false));
	ASSERT_EQ(0, tp_poke(site_nopjmp, jump, nop, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(0, tp_set_trace_exact(true));
	/* An explicit nosync is obeyed even in trace-exact mode. */
	if (HAVE_NOSYNC)
		ASSERT_EQ(0, tp_poke(site_nopjmp, nop, jump, SITE_LEN, TP_BACKEND_NOSYNC));
	ASSERT_EQ(4 + 2 * HAVE_NOSYNC, event_log.nr);
	EXPECT_EQ(TP_BACKEND_BREAKPOINT, event_log.e[1].ev.backend);
	EXPECT_EQ(AUTO_CHOICE, event_log.e[3].ev.backend);
	if (HAVE_NOSYNC) {
		EXPECT_EQ(TP_BACKEND_NOSYNC, event_log.e[5].ev.backend);
	}
	/* Not a decoder: no routing. */
	ASSERT_EQ(0, tp_events_unsubscribe(log_event, NULL));
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	event_log.nr = 0;
	ASSERT_EQ(0, tp_poke(site_nopjmp, NULL, nop, SITE_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(AUTO_CHOICE, event_log.e[0].ev.backend);
}

/* --- the perf.data writer ------------------------------------------------ */

struct poke_counts {
	unsigned int comm, pre, post;
	unsigned long long last_time;
	int bad;
};

/* Walk a textpoke file: counts, and that every record is what it should be. */
static int check_perf_file(struct __test_metadata *_metadata, const char *path,
			   pid_t writer, struct poke_counts *c)
{
	struct perf_file f;
	struct perf_record rec;
	const struct perf_file_section *arch;
	struct utsname un;
	uint64_t pos = 0;
	int more;

	memset(c, 0, sizeof(*c));
	if (perf_file_open(&f, path)) {
		TH_LOG("%s: %s", path, f.error);
		perf_file_close(&f);
		return -1;
	}
	EXPECT_EQ(1, f.nr_attrs);
	EXPECT_EQ(1, (int)f.attrs[0].attr.text_poke);
	EXPECT_EQ(1, (int)f.attrs[0].attr.sample_id_all);
	EXPECT_EQ(1, (int)f.attrs[0].attr.use_clockid);
	EXPECT_NE(NULL, perf_file_feature(&f, PERF_FEAT_OSRELEASE));
	arch = perf_file_feature(&f, PERF_FEAT_ARCH);
	EXPECT_NE(NULL, arch);
	uname(&un);
	if (arch && arch->size > 4) {
		EXPECT_STREQ(un.machine, (const char *)f.buf + arch->offset + 4);
	}
	while ((more = perf_file_next(&f, &pos, &rec)) > 0) {
		struct text_poke poke;

		if (rec.type == PERF_RECORD_COMM) {
			c->comm++;
			continue;
		}
		EXPECT_EQ(PERF_RECORD_TEXT_POKE, rec.type);
		if (text_poke_parse(rec.data, rec.size, f.attrs[0].attr.sample_type, &poke) ||
		    !poke.has_tail) {
			c->bad++;
			continue;
		}
		EXPECT_EQ((uintptr_t)site_nopjmp, poke.addr);
		EXPECT_EQ(SITE_LEN, poke.new_len);
		EXPECT_EQ(poke.tail.phase == TP_EVENT_PRE ? SITE_LEN : 0, poke.old_len);
		EXPECT_EQ((uint32_t)writer, poke.sid.pid);
		EXPECT_GE(poke.sid.time, c->last_time);
		c->last_time = poke.sid.time;
		c->pre += poke.tail.phase == TP_EVENT_PRE;
		c->post += poke.tail.phase == TP_EVENT_POST;
	}
	if (more < 0)
		TH_LOG("%s: %s", path, f.error);
	perf_file_close(&f);
	return more;
}

TEST(perf_data_file_holds_every_event)
{
	const char *path = temp_file();
	struct poke_counts c;

	ASSERT_EQ(0, tp_perf_data_open(path));
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	ASSERT_EQ(0, poke_every_backend());
	ASSERT_EQ(0, tp_perf_data_close());
	ASSERT_EQ(0, check_perf_file(_metadata, path, getpid(), &c));
	EXPECT_EQ(1, c.comm);
	EXPECT_EQ(2 * NR_BACKENDS, c.pre);
	EXPECT_EQ(2 * NR_BACKENDS, c.post);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(event_log.e[event_log.nr - 1].ev.time_ns, c.last_time);
	unlink(path);
}

TEST(perf_data_open_errors)
{
	const char *path = temp_file();

	EXPECT_EQ(-EINVAL, tp_perf_data_open(NULL));
	EXPECT_EQ(-ENOENT, tp_perf_data_open("/nonexistent-dir/perf.data"));
	EXPECT_EQ(-ENOENT, tp_perf_data_close());
	ASSERT_EQ(0, tp_perf_data_open(path));
	EXPECT_EQ(-EALREADY, tp_perf_data_open(path));
	EXPECT_EQ(0, tp_perf_data_close());
	EXPECT_EQ(-ENOENT, tp_perf_data_close());
	unlink(path);
}

static int die_in_batch;

static void die_mid_batch(const struct tp_event *ev, void *arg)
{
	(void)arg;
	if (ev->phase == TP_EVENT_PRE && ev->batch == (unsigned long long)die_in_batch)
		_exit(0);	/* like a crash: no atexit, no flush */
}

TEST(crash_mid_batch_leaves_readable_file)
{
	const char *path = temp_file();
	struct poke_counts c;
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid) {
		/* The writer subscribes first, so it buffers the PRE we die in. */
		die_in_batch = 2 * NR_BACKENDS;
		if (tp_perf_data_open(path) ||
		    tp_events_subscribe(die_mid_batch, NULL, 0))
			_exit(3);
		poke_every_backend();
		_exit(4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, check_perf_file(_metadata, path, pid, &c));
	EXPECT_EQ(2 * NR_BACKENDS - 1, c.pre);
	EXPECT_EQ(2 * NR_BACKENDS - 1, c.post);
	EXPECT_EQ(0, c.bad);
	unlink(path);
}

TEST(environment_opens_writer_at_init)
{
	const char *path = temp_file();
	struct poke_counts c;

	setenv("TEXTPOKE_PERF_DATA", path, 1);
	ASSERT_EQ(0, tp_init());
	EXPECT_EQ(-EALREADY, tp_perf_data_open(path));
	ASSERT_EQ(0, poke_every_backend());
	/* No close: the writer flushed at every batch end. */
	ASSERT_EQ(0, check_perf_file(_metadata, path, getpid(), &c));
	EXPECT_EQ(2 * NR_BACKENDS, c.pre);
	EXPECT_EQ(2 * NR_BACKENDS, c.post);
	unlink(path);
}

TEST(environment_with_bad_path_fails_init)
{
	setenv("TEXTPOKE_PERF_DATA", "/nonexistent-dir/perf.data", 1);
	EXPECT_EQ(-ENOENT, tp_init());
}

TEST(forked_child_does_not_write_parent_file)
{
	const char *path = temp_file();
	struct poke_counts c;
	int status;
	pid_t pid;

	ASSERT_EQ(0, tp_perf_data_open(path));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(poke_every_backend() ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, check_perf_file(_metadata, path, getpid(), &c));
	EXPECT_EQ(0, c.pre + c.post);
	ASSERT_EQ(0, tp_perf_data_close());
	unlink(path);
}

/* Every truncation and many random corruptions: an error or a valid walk. */
static void read_all(const uint8_t *buf, size_t size)
{
	struct perf_file f;
	struct perf_record rec;
	uint64_t pos = 0;

	if (!perf_file_parse(&f, buf, size)) {
		while (perf_file_next(&f, &pos, &rec) > 0) {
			const struct perf_attr_info *a = perf_file_attr_of(&f, &rec);
			struct text_poke poke;
			struct sample_id sid;

			if (a && rec.type == PERF_RECORD_TEXT_POKE)
				text_poke_parse(rec.data, rec.size, a->attr.sample_type, &poke);
			perf_record_sample_id(&f, &rec, &sid);
		}
	}
	perf_file_close(&f);
}

TEST(reader_survives_truncated_and_corrupt_files)
{
	const char *path = temp_file();
	struct perf_file f, g;
	unsigned long rounds = getenv("TP_FUZZ_CASES") ?
			       strtoul(getenv("TP_FUZZ_CASES"), NULL, 0) : FUZZ_ROUNDS;
	uint8_t *copy;
	size_t size, i;

	ASSERT_EQ(0, tp_perf_data_open(path));
	ASSERT_EQ(0, poke_every_backend());
	ASSERT_EQ(0, tp_perf_data_close());
	ASSERT_EQ(0, perf_file_open(&f, path));
	size = f.size;
	copy = malloc(size);
	ASSERT_NE(NULL, copy);
	for (i = 0; i < size; i++) {
		/* An exact-size buffer, so that a read past it is a real overread. */
		uint8_t *cut = malloc(i ? i : 1);

		memcpy(cut, f.buf, i);
		read_all(cut, i);
		free(cut);
	}
	srandom(8);
	for (i = 0; i < rounds; i++) {
		int flips = 1 + random() % 4;

		memcpy(copy, f.buf, size);
		while (flips--)
			copy[random() % size] = random();
		read_all(copy, size);
	}
	TH_LOG("%zu truncations, %lu corrupted copies read", size, rounds);
	/* The classic corruptions get an error, not a guess. */
	memcpy(copy, f.buf, size);
	copy[0] ^= 1;
	EXPECT_EQ(-EINVAL, perf_file_parse(&g, copy, size));
	perf_file_close(&g);
	EXPECT_EQ(-EINVAL, perf_file_parse(&g, f.buf, size - 1));
	perf_file_close(&g);
	EXPECT_EQ(-EINVAL, perf_file_parse(&g, f.buf, 10));
	perf_file_close(&g);
	free(copy);
	perf_file_close(&f);
	unlink(path);
}

TEST(event_formats_describe_both_phases)
{
	const char *pre = tp_event_format(TP_EVENT_PRE);
	const char *post = tp_event_format(TP_EVENT_POST);

	ASSERT_NE(NULL, pre);
	ASSERT_NE(NULL, post);
	EXPECT_EQ(0, strncmp(pre, "name: poke_pre\n", 15));
	EXPECT_EQ(0, strncmp(post, "name: poke_post\n", 16));
	EXPECT_EQ(NULL, tp_event_format(0));
}

TEST_HARNESS_MAIN
