// SPDX-License-Identifier: GPL-2.0
/*
 * The perf.data writer and tp-perf against the real tools (native only):
 * Debian's perf 6.1 reads a file written while every backend poked and
 * shows every PRE and POST with its address, bytes, pid/tid, cpu and
 * time; tp-perf inject merges it into a perf record -k CLOCK_MONOTONIC
 * file that perf still reads whole; libtraceevent parses the shipped
 * formats and prints both events; tp-perf turns bad files into one line
 * and exit status 1; a program and the programs it runs, all with one
 * TEXTPOKE_PERF_DATA, leave a readable file each; a file cut short by a
 * full disk still reads.
 *
 * The binary pokes for perf record when run as: perf_test --poke-into FILE,
 * and as the children of the TEXTPOKE_PERF_DATA tests: perf_test --poke.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <event-parse.h>
#include <trace-seq.h>

#include "kselftest_harness.h"
#include "../events/events.h"
#include "../../textpoke/events/event_format.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

#define LINE	1024

static char dir[PATH_MAX];

/* A fresh directory for this test's files, and a path in it. */
static const char *path_in(const char *name)
{
	static char path[PATH_MAX + 64];

	if (!dir[0]) {
		strcpy(dir, "/tmp/textpoke-perf-XXXXXX");
		if (!mkdtemp(dir))
			return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static void remove_dir(void)
{
	char cmd[PATH_MAX + 16];

	if (dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", dir);
	}
}

static bool have_perf(void)
{
	return system("perf --version >/dev/null 2>&1") == 0;
}

/* tp-perf beside the selftests: build/<arch>/tp-perf. */
static const char *tp_perf(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);

	if (n <= 0)
		return "tp-perf";
	path[n] = '\0';
	strcpy(strstr(path, "/selftests/perf/") ?: path, "/tp-perf");
	return path;
}

/* Write @path while every backend pokes; the events also go to event_log. */
static int write_poke_file(const char *path)
{
	event_log.nr = 0;
	if (tp_perf_data_open(path) || tp_events_subscribe(log_event, NULL, 0) ||
	    poke_every_backend())
		return -1;
	tp_events_unsubscribe(log_event, NULL);
	return tp_perf_data_close();
}

/* Run @cmd; its stdout in @out (malloc'd, NUL-terminated); exit status. */
static int run(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	size_t n;

	if (!p || !buf)
		return -1;
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	*out = buf;
	return pclose(p);
}

static void hex_bytes(char *dst, const uint8_t *bytes, unsigned int len)
{
	unsigned int i;

	*dst = '\0';
	for (i = 0; i < len; i++)
		sprintf(dst + strlen(dst), "%s%02x", i ? " " : "", bytes[i]);
}

/*
 * The next TEXT_POKE in perf's text: the header line's fields and the
 * two byte lines after it ("" when absent).  Returns the text after it.
 */
struct perf_poke {
	char line[LINE];		/* the header line, up to the record name */
	int cpu;
	unsigned long long addr;
	unsigned int old_len, new_len;
	char old[LINE], new[LINE];
};

static const char *next_poke(const char *text, struct perf_poke *p)
{
	const char *hit = strstr(text, "PERF_RECORD_TEXT_POKE");
	const char *line, *lens;

	if (!hit)
		return NULL;
	for (line = hit; line > text && line[-1] != '\n'; line--)
		;
	memset(p, 0, sizeof(*p));
	snprintf(p->line, sizeof(p->line), "%.*s", (int)(hit - line), line);
	sscanf(hit, "PERF_RECORD_TEXT_POKE %llx", &p->addr);
	lens = strstr(hit, "old len");
	if (lens)
		sscanf(lens, "old len %u new len %u", &p->old_len, &p->new_len);
	text = strchr(hit, '\n');
	while (text && (text[1] == ' ' || text[1] == '.')) {
		const char *l = text + 1;

		while (*l == ' ')
			l++;
		/*
		 * perf pads the pid to five columns: with a short pid the
		 * next record's line starts with a space too.
		 */
		if (!strncmp(l, "Old bytes: ", 11))
			sscanf(l + 11, "%[0-9a-f ]", p->old);
		else if (!strncmp(l, "New bytes: ", 11))
			sscanf(l + 11, "%[0-9a-f ]", p->new);
		else
			break;
		text = strchr(text + 1, '\n');
	}
	for (size_t n = strlen(p->old); n && p->old[n - 1] == ' '; n--)
		p->old[n - 1] = '\0';
	for (size_t n = strlen(p->new); n && p->new[n - 1] == ' '; n--)
		p->new[n - 1] = '\0';
	return text ? text : "";
}

/* Each logged event against the poke perf printed for it. */
static void expect_poke(struct __test_metadata *_metadata, const struct tp_event *ev,
			const struct perf_poke *p)
{
	char old[LINE], new[LINE];
	bool pre = ev->phase == TP_EVENT_PRE;

	hex_bytes(old, ev->old, ev->len);
	hex_bytes(new, ev->new, ev->len);
	EXPECT_EQ((uintptr_t)ev->addr, p->addr);
	EXPECT_EQ(pre ? ev->len : 0, p->old_len);
	EXPECT_EQ(ev->len, p->new_len);
	EXPECT_STREQ(pre ? old : "", p->old);
	EXPECT_STREQ(new, p->new);
}

TEST(perf_script_shows_every_pre_and_post)
{
	const char *path = path_in("tp.data");
	struct perf_poke p;
	char cmd[PATH_MAX + 128], *out;
	const char *at;
	unsigned int i;

	if (!have_perf())
		SKIP(return, "perf is not installed");
	ASSERT_EQ(0, write_poke_file(path));
	ASSERT_EQ(4 * NR_BACKENDS, event_log.nr);
	snprintf(cmd, sizeof(cmd),
		 "perf script --show-text-poke-events -F pid,tid,time,cpu -i %s 2>&1", path);
	ASSERT_EQ(0, run(cmd, &out));
	at = out;
	for (i = 0; i < event_log.nr; i++) {
		const struct tp_event *ev = &event_log.e[i].ev;
		unsigned long long sec = 0, usec = 0;
		int pid = 0, tid = 0, cpu = -1;

		at = next_poke(at, &p);
		ASSERT_NE(NULL, at) TH_LOG("event %u missing in:\n%s", i, out);
		expect_poke(_metadata, ev, &p);
		/* " PID/TID  [CPU] SEC.USEC: " */
		ASSERT_EQ(5, sscanf(p.line, "%d/%d [%d] %llu.%llu:", &pid, &tid, &cpu, &sec, &usec))
			TH_LOG("%s", p.line);
		EXPECT_EQ(ev->pid, pid);
		EXPECT_EQ(ev->tid, tid);
		EXPECT_EQ(ev->cpu, cpu);
		/* perf prints microseconds, truncated. */
		EXPECT_EQ(ev->time_ns / 1000000000, sec);
		EXPECT_EQ(ev->time_ns / 1000 % 1000000, usec);
	}
	EXPECT_EQ(NULL, next_poke(at, &p)) TH_LOG("more pokes than events:\n%s", out);
	free(out);
	remove_dir();
}

TEST(perf_report_dump_shows_every_pre_and_post)
{
	const char *path = path_in("tp.data");
	unsigned long long last = 0;
	struct perf_poke p;
	char cmd[PATH_MAX + 64], *out;
	const char *at;
	unsigned int i;

	if (!have_perf())
		SKIP(return, "perf is not installed");
	ASSERT_EQ(0, write_poke_file(path));
	snprintf(cmd, sizeof(cmd), "perf report -D -i %s 2>&1", path);
	ASSERT_EQ(0, run(cmd, &out));
	at = out;
	for (i = 0; i < event_log.nr; i++) {
		const struct tp_event *ev = &event_log.e[i].ev;
		unsigned long long time = 0;
		int cpu = -1;

		at = next_poke(at, &p);
		ASSERT_NE(NULL, at) TH_LOG("event %u missing in:\n%s", i, out);
		expect_poke(_metadata, ev, &p);
		/* "CPU TIME_NS OFFSET [SIZE]: " with nanoseconds */
		ASSERT_EQ(2, sscanf(p.line, "%d %llu", &cpu, &time)) TH_LOG("%s", p.line);
		EXPECT_EQ(ev->cpu, cpu);
		EXPECT_EQ(ev->time_ns, time);
		EXPECT_GE(time, last);
		last = time;
	}
	EXPECT_EQ(NULL, next_poke(at, &p));
	free(out);
	remove_dir();
}

/* Lines of @text that contain @what. */
static unsigned int count_lines(const char *text, const char *what)
{
	unsigned int n = 0;

	for (; (text = strstr(text, what)); text += strlen(what))
		n++;
	return n;
}

TEST(inject_merges_into_perf_record_file)
{
	char rec[PATH_MAX + 64], tp[PATH_MAX + 64], merged[PATH_MAX + 64];
	char cmd[4 * PATH_MAX], self[PATH_MAX];
	char *a, *b;
	ssize_t n;
	unsigned long long last = 0;
	const char *at;
	struct perf_poke p;
	unsigned int pokes = 0;

	if (!have_perf())
		SKIP(return, "perf is not installed");
	strcpy(rec, path_in("rec.data"));
	strcpy(tp, path_in("tp.data"));
	strcpy(merged, path_in("merged.data"));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	ASSERT_GT(n, 0);
	self[n] = '\0';
	snprintf(cmd, sizeof(cmd), "perf record -q -k CLOCK_MONOTONIC -e cpu-clock -c 100000 "
		 "-o %s -- %s --poke-into %s >/dev/null 2>&1", rec, self, tp);
	if (system(cmd))
		SKIP(goto out, "perf record cannot record here (perf_event_open refused?)");
	snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s", tp_perf(), rec, tp, merged);
	ASSERT_EQ(0, system(cmd));

	/* perf's own records, all kept: the same samples and side records. */
	snprintf(cmd, sizeof(cmd), "perf script -F comm,tid,time,ip -i %s 2>&1", rec);
	ASSERT_EQ(0, run(cmd, &a));
	snprintf(cmd, sizeof(cmd), "perf script -F comm,tid,time,ip -i %s 2>&1", merged);
	ASSERT_EQ(0, run(cmd, &b));
	EXPECT_STREQ(a, b);
	free(a);
	free(b);
	snprintf(cmd, sizeof(cmd), "perf report -D -i %s 2>&1 | grep -E '^(-?[0-9]+ )+0x[0-9a-f]+ \\[0x' | "
		 "grep -v TEXT_POKE | sed 's/ 0x[0-9a-f]* \\[/ [/'", rec);
	ASSERT_EQ(0, run(cmd, &a));
	snprintf(cmd, sizeof(cmd), "perf report -D -i %s 2>&1 | grep -E '^(-?[0-9]+ )+0x[0-9a-f]+ \\[0x' | "
		 "grep -v TEXT_POKE | sed 's/ 0x[0-9a-f]* \\[/ [/'", merged);
	ASSERT_EQ(0, run(cmd, &b));
	EXPECT_STREQ(a, b);
	EXPECT_LT(10, count_lines(a, "\n"));
	free(a);
	free(b);

	/* Every textpoke record, in time order with perf's. */
	snprintf(cmd, sizeof(cmd), "perf script --show-text-poke-events -F time -i %s 2>&1",
		 merged);
	ASSERT_EQ(0, run(cmd, &a));
	for (at = a; *at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : "") {
		unsigned long long sec, usec;

		if (sscanf(at, " %llu.%llu:", &sec, &usec) == 2) {
			EXPECT_GE(sec * 1000000 + usec, last) TH_LOG("%.80s", at);
			last = sec * 1000000 + usec;
		}
	}
	for (at = a; (at = next_poke(at, &p)); pokes++)
		;
	EXPECT_EQ(4 * NR_BACKENDS, pokes);
	free(a);
out:
	remove_dir();
}

TEST(tp_perf_script_prints_both_events)
{
	const char *path = path_in("tp.data");
	char cmd[2 * PATH_MAX], *out, want[LINE], old[LINE], new[LINE];
	static const char *names[] = { "", "nosync", "breakpoint", "stop_machine" };
	const char *at;
	unsigned int i;

	ASSERT_EQ(0, write_poke_file(path));
	snprintf(cmd, sizeof(cmd), "%s script %s", tp_perf(), path);
	ASSERT_EQ(0, run(cmd, &out));
	at = out;
	for (i = 0; i < event_log.nr; i++) {
		const struct tp_event *ev = &event_log.e[i].ev;

		hex_bytes(old, ev->old, ev->len);
		hex_bytes(new, ev->new, ev->len);
		if (ev->phase == TP_EVENT_PRE)
			snprintf(want, sizeof(want), "textpoke:poke_pre: addr=%p len=%u old=%s "
				 "new=%s backend=%s batch=%llu\n", ev->addr, ev->len, old, new,
				 names[ev->backend], ev->batch);
		else
			snprintf(want, sizeof(want), "textpoke:poke_post: addr=%p len=%u now=%s "
				 "backend=%s batch=%llu\n", ev->addr, ev->len, new,
				 names[ev->backend], ev->batch);
		at = strstr(at, want);
		ASSERT_NE(NULL, at) TH_LOG("no '%s' in order in:\n%s", want, out);
	}
	EXPECT_EQ(event_log.nr, count_lines(out, "textpoke:poke_"));
	free(out);
	remove_dir();
}

TEST(libtraceevent_parses_formats_and_prints_both)
{
	static const char *fields[] = { "addr", "batch", "pid", "cpu", "backend", "len",
					"old", "new" };
	static const size_t offsets[] = {
		offsetof(struct textpoke_raw_event, addr), offsetof(struct textpoke_raw_event, batch),
		offsetof(struct textpoke_raw_event, pid), offsetof(struct textpoke_raw_event, cpu),
		offsetof(struct textpoke_raw_event, backend), offsetof(struct textpoke_raw_event, len),
		offsetof(struct textpoke_raw_event, old), offsetof(struct textpoke_raw_event, new),
	};
	struct tep_handle *tep = tep_alloc();
	struct textpoke_raw_event raw = {
		.addr = 0x1234, .batch = 7, .pid = 42, .cpu = 1, .backend = TP_BACKEND_NOSYNC,
		.len = 4, .old = { 0x1f, 0x20, 0x03, 0xd5 }, .new = { 0x05, 0x00, 0x00, 0x94 },
	};
	struct tep_record record = { .size = sizeof(raw), .data = &raw };
	enum tp_event_phase phase;
	unsigned int i;

	ASSERT_NE(NULL, tep);
	tep_set_long_size(tep, 8);
	for (phase = TP_EVENT_PRE; phase <= TP_EVENT_POST; phase++) {
		const char *fmt = tp_event_format(phase);
		struct tep_event *event = NULL;
		struct trace_seq s;

		ASSERT_EQ(0, tep_parse_format(tep, &event, fmt, strlen(fmt), "textpoke"));
		EXPECT_STREQ(phase == TP_EVENT_PRE ? "poke_pre" : "poke_post", event->name);
		EXPECT_STREQ("textpoke", event->system);
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			struct tep_format_field *f = tep_find_field(event, fields[i]);

			ASSERT_NE(NULL, f) TH_LOG("no field %s", fields[i]);
			EXPECT_EQ(offsets[i], f->offset) TH_LOG("field %s", fields[i]);
		}
		raw.common_type = event->id;
		trace_seq_init(&s);
		tep_print_event(tep, &s, &record, "%s: %s", TEP_PRINT_NAME, TEP_PRINT_INFO);
		trace_seq_terminate(&s);
		EXPECT_STREQ(phase == TP_EVENT_PRE ?
			     "poke_pre: addr=0x1234 len=4 old=1f 20 03 d5 new=05 00 00 94 "
			     "backend=nosync batch=7" :
			     "poke_post: addr=0x1234 len=4 now=05 00 00 94 backend=nosync batch=7",
			     s.buffer);
		trace_seq_destroy(&s);
	}
	tep_free(tep);
}

/* tp-perf on @file: exit status 1 and one line naming it, never a signal. */
static void expect_refused(struct __test_metadata *_metadata, const char *args,
			   const char *file, const char *why)
{
	char cmd[4 * PATH_MAX], *out;
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/null", tp_perf(), args);
	status = run(cmd, &out);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("%s: killed by a signal", cmd);
	EXPECT_EQ(1, WEXITSTATUS(status)) TH_LOG("%s", cmd);
	EXPECT_NE(NULL, strstr(out, file)) TH_LOG("%s: %s", cmd, out);
	EXPECT_NE(NULL, strstr(out, why)) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(1, count_lines(out, "\n")) TH_LOG("%s: %s", cmd, out);
	free(out);
}

TEST(tp_perf_refuses_bad_files_with_one_line)
{
	char good[PATH_MAX + 64], cut[PATH_MAX + 64], junk[PATH_MAX + 64], args[4 * PATH_MAX];
	char out[PATH_MAX + 64];
	struct stat st;

	strcpy(good, path_in("tp.data"));
	strcpy(cut, path_in("cut.data"));
	strcpy(junk, path_in("junk.data"));
	strcpy(out, path_in("out.data"));
	ASSERT_EQ(0, write_poke_file(good));
	ASSERT_EQ(0, stat(good, &st));
	ASSERT_EQ(0, truncate(good, st.st_size));
	snprintf(args, sizeof(args), "head -c %lld %s > %s && head -c 3000 /dev/urandom > %s",
		 (long long)st.st_size - 100, good, cut, junk);
	ASSERT_EQ(0, system(args));

	snprintf(args, sizeof(args), "script %s", cut);
	expect_refused(_metadata, args, cut, "truncated");
	snprintf(args, sizeof(args), "script %s", junk);
	expect_refused(_metadata, args, junk, "not a perf.data file");
	snprintf(args, sizeof(args), "script %s/none.data", dir);
	expect_refused(_metadata, args, "none.data", "No such file");
	/* Our own file has CLOCK_MONOTONIC, but perf's side must too. */
	snprintf(args, sizeof(args), "inject -i %s -t %s -o %s", cut, good, out);
	expect_refused(_metadata, args, cut, "truncated");
	snprintf(args, sizeof(args), "inject -i %s -t %s -o %s", good, junk, out);
	expect_refused(_metadata, args, junk, "not a perf.data file");
	EXPECT_NE(0, access(out, F_OK));
	remove_dir();
}

/* --- one file per process, never cut short unreadably -------------------- */

/*
 * The TEXT_POKE records of @path as perf prints them (each with @pid),
 * and the events tp-perf prints: how many of each, -1 if a tool failed.
 */
static int perf_pokes(struct __test_metadata *_metadata, const char *path, pid_t pid)
{
	char cmd[3 * PATH_MAX], *out;
	struct perf_poke p;
	const char *at;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "perf script --show-text-poke-events -F pid -i %s 2>&1", path);
	if (run(cmd, &out))
		return -1;
	for (at = out; (at = next_poke(at, &p)); n++) {
		int seen = 0;

		EXPECT_EQ(1, sscanf(p.line, "%d", &seen)) TH_LOG("%s", p.line);
		EXPECT_EQ(pid, seen) TH_LOG("%s", path);
	}
	free(out);
	return n;
}

static int tp_perf_events(const char *path)
{
	char cmd[3 * PATH_MAX], *out;
	int n;

	snprintf(cmd, sizeof(cmd), "%s script %s", tp_perf(), path);
	if (run(cmd, &out))
		return -1;
	n = count_lines(out, "textpoke:poke_");
	free(out);
	return n;
}

static char self_exe[PATH_MAX];

static const char *self(void)
{
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);

	self_exe[n > 0 ? n : 0] = '\0';
	return self_exe;
}

/*
 * This program run three ways (system(), posix_spawn(), fork and exec)
 * while it writes the file TEXTPOKE_PERF_DATA names: each child pokes
 * and writes its own file, as any textpoke program that inherits the
 * variable would.  Returns how many children succeeded.
 */
static int run_children(void)
{
	char *argv[] = { self_exe, "--poke", NULL };
	char cmd[PATH_MAX + 16];
	int ok = 0, status;
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "%s --poke", self());
	ok += system(cmd) == 0;
	if (!posix_spawn(&pid, self_exe, NULL, NULL, argv, environ) &&
	    waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
		ok++;
	pid = fork();
	if (!pid) {
		execv(self_exe, argv);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    !WEXITSTATUS(status))
		ok++;
	return ok;
}

/* The files of the parent and its three children in dir, each read. */
static void expect_four_files(struct __test_metadata *_metadata, const char *prefix,
			      const char *suffix)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	unsigned int files = 0, parents = 0;

	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		char path[PATH_MAX + 300];
		size_t plen = strlen(prefix), slen = strlen(suffix);
		size_t len = strlen(de->d_name);
		int pid = getpid();

		if (de->d_name[0] == '.')
			continue;
		files++;
		ASSERT_EQ(0, strncmp(de->d_name, prefix, plen)) TH_LOG("%s", de->d_name);
		ASSERT_GE(len, plen + slen);
		ASSERT_EQ(0, strcmp(de->d_name + len - slen, suffix)) TH_LOG("%s", de->d_name);
		if (len > plen + slen)	/* NAME.PID or PREFIX PID SUFFIX */
			pid = atoi(de->d_name + plen + (de->d_name[plen] == '.'));
		parents += pid == getpid();
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		/* Everyone poked every backend once, the parent twice. */
		EXPECT_EQ((pid == getpid() ? 8 : 4) * NR_BACKENDS, perf_pokes(_metadata, path, pid))
			TH_LOG("%s", path);
		EXPECT_EQ((pid == getpid() ? 8 : 4) * NR_BACKENDS, tp_perf_events(path))
			TH_LOG("%s", path);
	}
	closedir(d);
	EXPECT_EQ(4, files);
	EXPECT_EQ(1, parents);
}

static void parent_and_children(struct __test_metadata *_metadata, const char *name)
{
	char var[PATH_MAX + 64];

	snprintf(var, sizeof(var), "%s", path_in(name));
	setenv("TEXTPOKE_PERF_DATA", var, 1);
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, poke_every_backend());
	EXPECT_EQ(3, run_children());
	ASSERT_EQ(0, poke_every_backend());
	ASSERT_EQ(0, tp_perf_data_close());
	unsetenv("TEXTPOKE_PERF_DATA");
}

TEST(children_inheriting_the_variable_write_files_of_their_own)
{
	if (!have_perf())
		SKIP(return, "perf is not installed");
	parent_and_children(_metadata, "tp.data");
	/* The parent has the name, each child NAME.PID. */
	expect_four_files(_metadata, "tp.data", "");
	remove_dir();
}

TEST(pid_pattern_names_every_process_file)
{
	if (!have_perf())
		SKIP(return, "perf is not installed");
	parent_and_children(_metadata, "tp-%p.data");
	expect_four_files(_metadata, "tp-", ".data");
	remove_dir();
}

/* The size of the file once open, and once every backend poked. */
static int file_sizes(const char *path, off_t *opened, off_t *full)
{
	struct stat st;

	if (tp_perf_data_open(path) || tp_perf_data_close() || stat(path, &st))
		return -1;
	*opened = st.st_size;
	if (write_poke_file(path) || stat(path, &st))
		return -1;
	*full = st.st_size;
	return 0;
}

/*
 * The disk full in the middle of the second batch (a file size limit,
 * SIGXFSZ ignored): close says EFBIG, and perf and tp-perf read the
 * first batch whole.
 */
TEST(perf_reads_what_a_full_disk_left)
{
	const char *path = path_in("tp.data");
	struct rlimit full, cut;
	off_t opened, done, batch;
	int err;

	if (!have_perf())
		SKIP(return, "perf is not installed");
	ASSERT_EQ(0, file_sizes(path, &opened, &done));
	batch = (done - opened) / (2 * NR_BACKENDS);
	signal(SIGXFSZ, SIG_IGN);
	ASSERT_EQ(0, getrlimit(RLIMIT_FSIZE, &full));
	cut = (struct rlimit){ opened + batch + batch / 2, full.rlim_max };
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &cut));
	err = write_poke_file(path);
	ASSERT_EQ(0, setrlimit(RLIMIT_FSIZE, &full));
	EXPECT_EQ(-EFBIG, err);
	EXPECT_EQ(2, perf_pokes(_metadata, path, getpid()));
	EXPECT_EQ(2, tp_perf_events(path));
	remove_dir();
}

/* perf record runs this binary: poke while it records. */
static int poke_into(const char *path)
{
	int err = tp_perf_data_open(path);

	if (!err)
		err = poke_every_backend();
	if (!err)
		err = tp_perf_data_close();
	if (err)
		fprintf(stderr, "--poke-into %s: %s\n", path, tp_strerror(err));
	return err ? 1 : 0;
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--poke-into"))
		return poke_into(argv[2]);
	/* A child of children_inheriting_...: TEXTPOKE_PERF_DATA opens the file. */
	if (argc == 2 && !strcmp(argv[1], "--poke"))
		return tp_init() || poke_every_backend() ? 1 : 0;
	return test_harness_run(argc, argv);
}
