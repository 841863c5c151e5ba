// SPDX-License-Identifier: GPL-2.0
/*
 * PRE and POST events on every arch: each backend emits exactly one PRE
 * and one POST per site, PRE while the site still holds its old bytes and
 * POST once it holds the new ones; a batch gets one id; the subscriber
 * contract and its errors; trace-exact routing; the perf.data writer's
 * file read back with the project's reader (perf itself reads it in the
 * native perf selftests), also after a crash mid-batch and through
 * TEXTPOKE_PERF_DATA; that the writer never destroys a file it did not
 * write, never shares one with another process, and reports a full disk
 * with its errno and a readable file; that every locking call of the
 * API made from a callback of the library gets -EDEADLK; and a bounded
 * fuzz of the reader.
 *
 * Each test runs in its own forked process (kselftest harness).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <textpoke/ftrace.h>

#include "kselftest_harness.h"
#include "callees.h"
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

/* --- the writer's file: never another's, never lost --------------------- */

/* A fresh directory for a test's files; its entries, and removing it. */
static char test_dir[64];

static const char *new_dir(void)
{
	strcpy(test_dir, "/tmp/textpoke-events-XXXXXX");
	return mkdtemp(test_dir);
}

static const char *in_dir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", test_dir, name);
	return buf;
}

static int dir_entries(void)
{
	DIR *d = opendir(test_dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void remove_dir(void)
{
	char path[PATH_MAX];
	DIR *d = opendir(test_dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(in_dir(path, sizeof(path), de->d_name));
	if (d)
		closedir(d);
	rmdir(test_dir);
}

static const char precious[] = "another program's data\n";

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Whether @path holds exactly @text. */
static bool holds_text(const char *path, const char *text)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) && !memcmp(buf, text, n);
}

/* Take every free subscriber slot; how many were taken. */
static int fill_subscribers(int *counts)
{
	int i;

	for (i = 0; i < TP_EVENTS_MAX_SUBSCRIBERS; i++)
		if (tp_events_subscribe(other_event, &counts[i], 0))
			break;
	return i;
}

TEST(failed_open_leaves_an_existing_file_alone)
{
	static int counts[TP_EVENTS_MAX_SUBSCRIBERS];
	char path[PATH_MAX], other[PATH_MAX];

	ASSERT_NE(NULL, new_dir());
	in_dir(path, sizeof(path), "perf.data");
	ASSERT_EQ(0, write_text(path, precious));
	/* No subscriber slot: refused before the path is touched. */
	ASSERT_EQ(TP_EVENTS_MAX_SUBSCRIBERS, fill_subscribers(counts));
	EXPECT_EQ(-ENOSPC, tp_perf_data_open(path));
	EXPECT_TRUE(holds_text(path, precious));
	EXPECT_EQ(1, dir_entries());
	ASSERT_EQ(0, tp_events_unsubscribe(other_event, &counts[0]));
	/* A writer open elsewhere. */
	ASSERT_EQ(0, tp_perf_data_open(in_dir(other, sizeof(other), "other.data")));
	EXPECT_EQ(-EALREADY, tp_perf_data_open(path));
	EXPECT_TRUE(holds_text(path, precious));
	ASSERT_EQ(0, tp_perf_data_close());
	/* Not a regular file: refused, nothing created beside it. */
	EXPECT_EQ(-EINVAL, tp_perf_data_open("/dev/null"));
	ASSERT_EQ(0, mkdir(in_dir(other, sizeof(other), "dir.data"), 0755));
	EXPECT_EQ(-EISDIR, tp_perf_data_open(other));
	EXPECT_EQ(0, rmdir(other));
	EXPECT_TRUE(holds_text(path, precious));
	EXPECT_EQ(2, dir_entries());
	remove_dir();
}

TEST(open_replaces_an_existing_file_whole)
{
	char path[PATH_MAX], link_path[PATH_MAX];
	struct poke_counts c;
	struct stat st;

	ASSERT_NE(NULL, new_dir());
	in_dir(path, sizeof(path), "perf.data");
	ASSERT_EQ(0, write_text(path, precious));
	/* Another name of the old file keeps its data: replaced, not truncated. */
	ASSERT_EQ(0, link(path, in_dir(link_path, sizeof(link_path), "old.data")));
	ASSERT_EQ(0, tp_perf_data_open(path));
	EXPECT_TRUE(holds_text(link_path, precious));
	ASSERT_EQ(0, poke_every_backend());
	ASSERT_EQ(0, tp_perf_data_close());
	EXPECT_EQ(0, check_perf_file(_metadata, path, getpid(), &c));
	EXPECT_EQ(2 * NR_BACKENDS, c.pre);
	EXPECT_EQ(0, stat(path, &st));
	EXPECT_EQ(0644, st.st_mode & 0777 & ~0022);
	EXPECT_TRUE(holds_text(link_path, precious));
	EXPECT_EQ(2, dir_entries());		/* no temporary file left */
	remove_dir();
}

/* A writer that another process holds: -EBUSY, the file intact. */
TEST(open_refuses_a_file_another_process_writes)
{
	char path[PATH_MAX];
	struct poke_counts c;
	int go[2], ready[2], status;
	pid_t pid;
	char byte;

	ASSERT_NE(NULL, new_dir());
	in_dir(path, sizeof(path), "perf.data");
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		int err = tp_perf_data_open(path);

		if (!err)
			err = poke_every_backend();
		if (write(ready[1], "r", 1) != 1 || read(go[0], &byte, 1) != 1)
			_exit(2);
		_exit(err || tp_perf_data_close() ? 1 : 0);
	}
	ASSERT_EQ(1, read(ready[0], &byte, 1));
	EXPECT_EQ(-EBUSY, tp_perf_data_open(path));
	EXPECT_EQ(0, check_perf_file(_metadata, path, pid, &c));
	EXPECT_EQ(2 * NR_BACKENDS, c.pre);
	EXPECT_EQ(1, dir_entries());
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Its writer gone, the file may be replaced. */
	EXPECT_EQ(0, tp_perf_data_open(path));
	EXPECT_EQ(0, tp_perf_data_close());
	remove_dir();
}

/*
 * Two processes with the same TEXTPOKE_PERF_DATA (a program and one it
 * runs): each writes a file of its own that reads whole.  With %p in
 * the variable each file is named by its pid; without, the first takes
 * the name and the second, finding it held, adds .PID to it.  The child
 * starts the library itself, after the parent, as a program it ran
 * would.
 */
static void environment_pair(struct __test_metadata *_metadata, const char *name,
			     bool pattern)
{
	char var[PATH_MAX], mine[PATH_MAX], theirs[PATH_MAX + 16], leaf[64];
	struct poke_counts c;
	int go[2], status;
	pid_t pid;
	char byte;

	ASSERT_NE(NULL, new_dir());
	setenv("TEXTPOKE_PERF_DATA", in_dir(var, sizeof(var), name), 1);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		if (read(go[0], &byte, 1) != 1)
			_exit(2);
		_exit(tp_init() || poke_every_backend() ? 1 : 0);
	}
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, poke_every_backend());
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, poke_every_backend());	/* after the child, still ours */
	ASSERT_EQ(0, tp_perf_data_close());

	if (pattern) {
		snprintf(leaf, sizeof(leaf), "tp-%d.data", getpid());
		in_dir(mine, sizeof(mine), leaf);
		snprintf(leaf, sizeof(leaf), "tp-%d.data", pid);
		in_dir(theirs, sizeof(theirs), leaf);
	} else {
		strcpy(mine, var);
		snprintf(theirs, sizeof(theirs), "%s.%d", var, pid);
	}
	ASSERT_EQ(0, check_perf_file(_metadata, mine, getpid(), &c));
	EXPECT_EQ(4 * NR_BACKENDS, c.pre);
	EXPECT_EQ(4 * NR_BACKENDS, c.post);
	EXPECT_EQ(0, c.bad);
	ASSERT_EQ(0, check_perf_file(_metadata, theirs, pid, &c));
	EXPECT_EQ(2 * NR_BACKENDS, c.pre);
	EXPECT_EQ(2 * NR_BACKENDS, c.post);
	EXPECT_EQ(0, c.bad);
	EXPECT_EQ(2, dir_entries());
	remove_dir();
}

TEST(environment_pid_pattern_gives_each_process_its_file)
{
	environment_pair(_metadata, "tp-%p.data", true);
}

TEST(environment_file_held_by_a_parent_gets_a_pid_suffix)
{
	environment_pair(_metadata, "tp.data", false);
}

TEST(environment_pattern_errors_fail_init)
{
	setenv("TEXTPOKE_PERF_DATA", "/tmp/tp-%q.data", 1);
	EXPECT_EQ(-EINVAL, tp_init());
}

/*
 * The file as it ends after each batch: where its data section ends, in
 * a complete run of poke_every_backend(); and the size of everything
 * else (the feature table after the data).
 */
struct file_ends {
	uint64_t open_end;			/* after open: prologue, COMM, table */
	uint64_t batch_end[4 * NR_BACKENDS];	/* after each batch */
	unsigned int nr;
};

static int measure_file(struct __test_metadata *_metadata, const char *path,
			struct file_ends *e)
{
	struct perf_file f;
	struct perf_record rec;
	uint64_t pos = 0, table;

	memset(e, 0, sizeof(*e));
	if (tp_perf_data_open(path) || poke_every_backend() || tp_perf_data_close() ||
	    perf_file_open(&f, path))
		return -1;
	table = f.size - f.header.data.offset - f.header.data.size;
	while (perf_file_next(&f, &pos, &rec) > 0) {
		struct text_poke poke;

		if (rec.type == PERF_RECORD_COMM)
			e->open_end = f.header.data.offset + pos + table;
		else if (!text_poke_parse(rec.data, rec.size, f.attrs[0].attr.sample_type, &poke) &&
			 poke.tail.phase == TP_EVENT_POST && e->nr < 4 * NR_BACKENDS)
			e->batch_end[e->nr++] = f.header.data.offset + pos + table;
	}
	perf_file_close(&f);
	return e->nr == 2 * NR_BACKENDS ? 0 : -1;
}

/* Open, poke and close under a file size limit; the first error. */
static int write_limited(const char *path, rlim_t limit, int *open_err)
{
	struct rlimit full, cut;
	int err;

	getrlimit(RLIMIT_FSIZE, &full);
	cut = (struct rlimit){ limit, full.rlim_max };
	setrlimit(RLIMIT_FSIZE, &cut);
	err = *open_err = tp_perf_data_open(path);
	if (!err) {
		poke_every_backend();
		err = tp_perf_data_close();
	}
	setrlimit(RLIMIT_FSIZE, &full);
	return err;
}

/*
 * A full disk, or a file size limit (SIGXFSZ ignored: EFBIG), at every
 * point of the file: the error that happened comes back, from open or
 * from close; a failed open leaves the old file and nothing else; what
 * was written reads whole, up to the last batch that fitted.
 */
TEST(short_writes_return_the_real_error_and_leave_a_readable_file)
{
	char path[PATH_MAX], ref[PATH_MAX];
	struct file_ends e;
	struct poke_counts c;
	uint64_t limit;
	unsigned int fits, runs = 0;

	ASSERT_NE(NULL, new_dir());
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, measure_file(_metadata, in_dir(ref, sizeof(ref), "ref.data"), &e));
	in_dir(path, sizeof(path), "perf.data");
	for (limit = e.open_end - 40; limit <= e.batch_end[e.nr - 1] + 5; limit += 5, runs++) {
		int open_err, err;

		ASSERT_EQ(0, write_text(path, precious));
		err = write_limited(path, limit, &open_err);
		for (fits = 0; fits < e.nr && e.batch_end[fits] <= limit; fits++)
			;
		if (limit < e.open_end) {
			EXPECT_EQ(-EFBIG, open_err) TH_LOG("limit %llu", (unsigned long long)limit);
			EXPECT_TRUE(holds_text(path, precious));
			EXPECT_EQ(2, dir_entries());
			continue;
		}
		ASSERT_EQ(0, open_err) TH_LOG("limit %llu", (unsigned long long)limit);
		EXPECT_EQ(fits < e.nr ? -EFBIG : 0, err) TH_LOG("limit %llu", (unsigned long long)limit);
		ASSERT_EQ(0, check_perf_file(_metadata, path, getpid(), &c))
			TH_LOG("limit %llu", (unsigned long long)limit);
		EXPECT_EQ(fits, c.pre) TH_LOG("limit %llu", (unsigned long long)limit);
		EXPECT_EQ(fits, c.post) TH_LOG("limit %llu", (unsigned long long)limit);
		EXPECT_EQ(0, c.bad);
		EXPECT_EQ(2, dir_entries());
	}
	TH_LOG("%u limits from %llu to %llu bytes", runs, (unsigned long long)e.open_end - 40,
	       (unsigned long long)e.batch_end[e.nr - 1] + 5);
	remove_dir();
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

/* --- re-entry: a callback that calls the API -------------------------------- */

/*
 * Every call of the API that takes one of the library's locks, made from
 * inside a callback, must return -EDEADLK at once and change nothing:
 * waiting there would wait for the caller itself (a mutex it holds, or
 * a grace period its own read section blocks), or for a thread that
 * waits for it.  The contexts: an event callback of a plain poke, of a
 * static key change and of an ftrace change (each holds the locks of its
 * own caller), and a function-tracing callback (inside its read section).
 */
#ifdef CONFIG_FTRACE
#define HAVE_FTRACE	1
#else
#define HAVE_FTRACE	0
#endif
#ifdef CONFIG_STATIC_KEYS
#define HAVE_STATIC_KEYS 1
#else
#define HAVE_STATIC_KEYS 0
#endif
#ifdef CONFIG_PERF_DATA_WRITER
#define HAVE_PERF_DATA	1
#else
#define HAVE_PERF_DATA	0
#endif

enum api_call {
	CALL_POKE, CALL_COMMIT, CALL_SUBSCRIBE, CALL_UNSUBSCRIBE,
	CALL_PERF_OPEN, CALL_PERF_CLOSE,
	CALL_REGISTER, CALL_UNREGISTER, CALL_SET_FILTER, CALL_SET_NOTRACE,
	CALL_FREE_FILTER, CALL_COUNT, CALL_UPDATE, CALL_SET_BACKEND,
	CALL_GRAPH, CALL_UNGRAPH, CALL_REDIRECT, CALL_UNREDIRECT,
	CALL_MODIFY_DIRECT, CALL_UNREGISTER_DIRECT, CALL_RECORD, CALL_RECORD_STOP,
	CALL_KEY_ENABLE, CALL_KEY_DISABLE, CALL_KEY_INC, CALL_KEY_DEC,
	CALL_TABLE_REGISTER, CALL_TABLE_UNREGISTER,
	NR_CALLS
};

static const char *const call_names[NR_CALLS] = {
	"tp_poke", "tp_batch_commit", "tp_events_subscribe", "tp_events_unsubscribe",
	"tp_perf_data_open", "tp_perf_data_close",
	"tp_register_ftrace_function", "tp_unregister_ftrace_function",
	"tp_ftrace_set_filter", "tp_ftrace_set_notrace", "tp_ftrace_free_filter",
	"tp_ftrace_count_functions", "tp_ftrace_update_objects", "tp_ftrace_set_backend",
	"tp_register_ftrace_graph", "tp_unregister_ftrace_graph", "tp_ftrace_redirect",
	"tp_ftrace_unredirect", "tp_modify_ftrace_direct", "tp_unregister_ftrace_direct",
	"tp_fgraph_record_start", "tp_fgraph_record_stop",
	"tp_static_key_enable", "tp_static_key_disable", "tp_static_key_slow_inc",
	"tp_static_key_slow_dec", "tp_jump_table_register", "tp_jump_table_unregister",
};
_Static_assert(sizeof(call_names) / sizeof(call_names[0]) == NR_CALLS, "a name per call");

static struct {
	int err[NR_CALLS];
	unsigned int rounds;		/* times the calls were made */
	struct tp_batch *batch;		/* one site, made outside */
	struct tp_ftrace_ops spare;	/* never registered */
	struct tp_fgraph_ops spare_graph;
	struct tp_ftrace_ops *running;	/* registered outside: may be running */
	char dir[64], perf_path[96], record_path[96];
} reentry;

static int noted_events;

/* Every locking call of the API; each result in reentry.err. */
static void call_the_api(void)
{
	int *err = reentry.err;

	err[CALL_POKE] = tp_poke(site_short, NULL, short_nop, SHORT_LEN, TP_BACKEND_AUTO);
	err[CALL_COMMIT] = tp_batch_commit(reentry.batch, TP_BACKEND_AUTO);
	err[CALL_SUBSCRIBE] = tp_events_subscribe(other_event, &noted_events, 0);
	err[CALL_UNSUBSCRIBE] = tp_events_unsubscribe(log_event, NULL);
	err[CALL_PERF_OPEN] = tp_perf_data_open(reentry.perf_path);
	err[CALL_PERF_CLOSE] = tp_perf_data_close();
	err[CALL_REGISTER] = tp_register_ftrace_function(&reentry.spare);
	err[CALL_UNREGISTER] = tp_unregister_ftrace_function(reentry.running);
	err[CALL_SET_FILTER] = tp_ftrace_set_filter(&reentry.spare, "callee_traced", 1);
	err[CALL_SET_NOTRACE] = tp_ftrace_set_notrace(&reentry.spare, "callee_traced", 1);
	err[CALL_FREE_FILTER] = tp_ftrace_free_filter(&reentry.spare);
	err[CALL_COUNT] = (int)tp_ftrace_count_functions("callee_*");
	err[CALL_UPDATE] = tp_ftrace_update_objects();
	err[CALL_SET_BACKEND] = tp_ftrace_set_backend(TP_BACKEND_AUTO);
	err[CALL_GRAPH] = tp_register_ftrace_graph(&reentry.spare_graph);
	err[CALL_UNGRAPH] = tp_unregister_ftrace_graph(&reentry.spare_graph);
	err[CALL_REDIRECT] = tp_ftrace_redirect((unsigned long)callee_traced,
						(unsigned long)callee_other);
	err[CALL_UNREDIRECT] = tp_ftrace_unredirect((unsigned long)callee_traced);
	err[CALL_MODIFY_DIRECT] = tp_modify_ftrace_direct((unsigned long)callee_traced, 1, 2);
	err[CALL_UNREGISTER_DIRECT] = tp_unregister_ftrace_direct((unsigned long)callee_traced, 1);
	err[CALL_RECORD] = tp_fgraph_record_start(reentry.record_path, "callee_traced");
	err[CALL_RECORD_STOP] = tp_fgraph_record_stop();
	err[CALL_KEY_ENABLE] = tp_static_key_enable(&callee_key_off);
	err[CALL_KEY_DISABLE] = tp_static_key_disable(&callee_key_on);
	err[CALL_KEY_INC] = tp_static_key_slow_inc(&callee_key_off);
	err[CALL_KEY_DEC] = tp_static_key_slow_dec(&callee_key_on);
	err[CALL_TABLE_REGISTER] = callees_table_register();
	err[CALL_TABLE_UNREGISTER] = callees_table_unregister();
	reentry.rounds++;
}

/* Once, on the first PRE: the calls need not be repeated per event. */
static void call_the_api_from_event(const struct tp_event *ev, void *arg)
{
	(void)arg;
	if (ev->phase == TP_EVENT_PRE && !reentry.rounds)
		call_the_api();
}

static void call_the_api_from_ftrace(unsigned long ip, unsigned long parent_ip,
				     struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	(void)ip, (void)parent_ip, (void)ops, (void)regs;
	if (!reentry.rounds)
		call_the_api();
}

static int call_the_api_from_graph(const struct tp_ftrace_graph_ent *trace,
				   struct tp_fgraph_ops *gops)
{
	(void)trace, (void)gops;
	if (!reentry.rounds)
		call_the_api();
	return 0;
}

static void count_calls(unsigned long ip, unsigned long parent_ip,
			struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	(void)ip, (void)parent_ip, (void)regs;
	__atomic_fetch_add((unsigned long *)ops->private, 1, __ATOMIC_RELAXED);
}

static unsigned long standing_calls;
static struct tp_ftrace_ops standing = { .func = count_calls, .private = &standing_calls };

/*
 * The state every test starts from: log_event subscribed, the standing
 * ops registered on callee_traced (what the callback tries to take
 * away), a one-site batch, paths in a fresh directory.  A deadlock ends
 * the test by SIGALRM instead of the harness's 30 s timeout.
 */
static void reentry_setup(struct __test_metadata *_metadata)
{
	alarm(10);
	memset(&reentry, 0, sizeof(reentry));
	strcpy(reentry.dir, "/tmp/textpoke-reentry-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(reentry.dir));
	snprintf(reentry.perf_path, sizeof(reentry.perf_path), "%s/perf.data", reentry.dir);
	snprintf(reentry.record_path, sizeof(reentry.record_path), "%s/graph", reentry.dir);
	reentry.spare.func = count_calls;
	reentry.spare.private = &standing_calls;
	reentry.spare_graph.entryfunc = call_the_api_from_graph;
	reentry.running = &standing;
	ASSERT_EQ(0, tp_events_subscribe(log_event, NULL, 0));
	if (HAVE_STATIC_KEYS)
		ASSERT_EQ(0, callees_table_register());
	if (HAVE_FTRACE) {
		ASSERT_EQ(0, tp_ftrace_set_filter(&standing, "callee_traced", 1));
		ASSERT_EQ(0, tp_register_ftrace_function(&standing));
	}
}

/* What a call built out of this configuration returns instead. */
static int expected(enum api_call call)
{
	if (call >= CALL_REGISTER && call <= CALL_RECORD_STOP && !HAVE_FTRACE)
		return -ENOSYS;
	if (call >= CALL_KEY_ENABLE && !HAVE_STATIC_KEYS)
		return -ENOSYS;
	if ((call == CALL_PERF_OPEN || call == CALL_PERF_CLOSE) && !HAVE_PERF_DATA)
		return -ENOSYS;
	return -EDEADLK;
}

/* A batch of one site for the callback to commit. */
static void new_round(struct __test_metadata *_metadata)
{
	reentry.rounds = 0;
	memset(reentry.err, 0, sizeof(reentry.err));
	reentry.batch = tp_batch_new();
	ASSERT_NE(NULL, reentry.batch);
	ASSERT_EQ(0, tp_batch_add(reentry.batch, site_short, NULL, short_nop, SHORT_LEN));
}

/* The calls were made once, and every one was refused. */
static void expect_refused(struct __test_metadata *_metadata)
{
	int i;

	ASSERT_EQ(1, reentry.rounds);
	/* Refused from a callback, the batch was not spent: it commits once now. */
	EXPECT_EQ(0, tp_batch_commit(reentry.batch, TP_BACKEND_AUTO));
	EXPECT_EQ(-EINVAL, tp_batch_commit(reentry.batch, TP_BACKEND_AUTO));
	tp_batch_free(reentry.batch);
	reentry.batch = NULL;
	for (i = 0; i < NR_CALLS; i++) {
		const char *name = call_names[i] ?: "?";	/* gcc cannot see none is NULL */

		EXPECT_EQ(expected(i), reentry.err[i]) TH_LOG("%s", name);
	}
}

/* Nothing a refused call would have done was done. */
static void expect_unchanged(struct __test_metadata *_metadata)
{
	struct stat st;

	alarm(0);
	EXPECT_NE(0, stat(reentry.perf_path, &st));
	EXPECT_NE(0, stat(reentry.record_path, &st));
	EXPECT_EQ(0, noted_events);
	EXPECT_EQ(-ENOENT, tp_perf_data_close());
	EXPECT_EQ(-EEXIST, tp_events_subscribe(log_event, NULL, 0));
	EXPECT_EQ(0, tp_events_unsubscribe(log_event, NULL));
	if (HAVE_FTRACE) {
		EXPECT_EQ(-ENOENT, tp_unregister_ftrace_function(&reentry.spare));
		EXPECT_EQ(0, tp_unregister_ftrace_function(&standing));
		EXPECT_EQ(-ENOENT, tp_ftrace_unredirect((unsigned long)callee_traced));
		EXPECT_EQ(1, callee_traced(0));
	}
	EXPECT_FALSE(tp_static_key_enabled(&callee_key_off));
	EXPECT_TRUE(tp_static_key_enabled(&callee_key_on));
	EXPECT_EQ(4, callee_branches() & 6);
	rmdir(reentry.dir);
}

TEST(event_callback_of_a_poke_gets_edeadlk_from_every_call)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];
	unsigned int b;

	reentry_setup(_metadata);
	ASSERT_EQ(0, tp_events_subscribe(call_the_api_from_event, NULL, 0));
	nopjmp_states(nop, jump);
	/* Every backend, stop_machine's parked threads included, and AUTO. */
	for (b = 0; b <= NR_BACKENDS; b++) {
		new_round(_metadata);
		ASSERT_EQ(0, tp_poke(site_nopjmp, NULL, b % 2 ? nop : jump, SITE_LEN,
				     b < NR_BACKENDS ? every_backend[b] : TP_BACKEND_AUTO));
		EXPECT_EQ(b % 2 ? 1 : 2, site_nopjmp_fn());
		expect_refused(_metadata);
	}
	expect_unchanged(_metadata);
}

TEST(event_callback_of_a_key_change_gets_edeadlk_from_every_call)
{
	if (!HAVE_STATIC_KEYS)
		SKIP(return, "static keys are built out");
	reentry_setup(_metadata);
	ASSERT_EQ(0, tp_events_subscribe(call_the_api_from_event, NULL, 0));
	new_round(_metadata);
	ASSERT_EQ(0, tp_static_key_enable(&callee_key));
	EXPECT_EQ(1, callee_branches() & 1);
	expect_refused(_metadata);
	expect_unchanged(_metadata);
}

TEST(event_callback_of_an_ftrace_change_gets_edeadlk_from_every_call)
{
	unsigned long calls = 0;
	struct tp_ftrace_ops ops = { .func = count_calls, .private = &calls };

	if (!HAVE_FTRACE)
		SKIP(return, "function tracing is built out");
	reentry_setup(_metadata);
	ASSERT_EQ(0, tp_ftrace_set_filter(&ops, "callee_other", 1));
	ASSERT_EQ(0, tp_events_subscribe(call_the_api_from_event, NULL, 0));
	new_round(_metadata);
	ASSERT_EQ(0, tp_register_ftrace_function(&ops));
	EXPECT_EQ(2, callee_other(0));
	EXPECT_EQ(1, calls);
	expect_refused(_metadata);
	expect_unchanged(_metadata);
	EXPECT_EQ(0, tp_unregister_ftrace_function(&ops));
	tp_ftrace_free_filter(&ops);
}

TEST(ftrace_callback_gets_edeadlk_from_every_call)
{
	struct tp_ftrace_ops ops = { .func = call_the_api_from_ftrace };

	if (!HAVE_FTRACE)
		SKIP(return, "function tracing is built out");
	reentry_setup(_metadata);
	ASSERT_EQ(0, tp_ftrace_set_filter(&ops, "callee_traced", 1));
	ASSERT_EQ(0, tp_register_ftrace_function(&ops));
	new_round(_metadata);
	reentry.running = &ops;
	EXPECT_EQ(1, callee_traced(0));
	reentry.running = &standing;
	expect_refused(_metadata);
	EXPECT_EQ(0, tp_unregister_ftrace_function(&ops));
	tp_ftrace_free_filter(&ops);
	expect_unchanged(_metadata);
}

TEST(graph_callback_gets_edeadlk_from_every_call)
{
	struct tp_fgraph_ops gops = { .entryfunc = call_the_api_from_graph };

	if (!HAVE_FTRACE)
		SKIP(return, "function tracing is built out");
	reentry_setup(_metadata);
	ASSERT_EQ(0, tp_ftrace_set_filter(&gops.ops, "callee_traced", 1));
	ASSERT_EQ(0, tp_register_ftrace_graph(&gops));
	new_round(_metadata);
	EXPECT_EQ(1, callee_traced(0));
	expect_refused(_metadata);
	EXPECT_EQ(0, tp_unregister_ftrace_graph(&gops));
	tp_ftrace_free_filter(&gops.ops);
	expect_unchanged(_metadata);
}

TEST_HARNESS_MAIN
