// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * textpoke-attach: load the tracing agent into a program that is already
 * running and start its control server, so that textpoke-ctl works on it
 * as on a program run by `textpoke live` (docs/textpoke-attach.1).
 *
 * One thread of the program calls dlopen() on the agent through the
 * program's own libc, then the agent's textpoke_agent_attach(); the
 * thread is then put back as it was.  Everything that can refuse is
 * checked before the program is touched, and every failure after that
 * puts the thread back too (and unloads the agent if it was loaded).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "ctl_proto.h"
#include "client.h"
#include "inject.h"
#include "target_libc.h"

#define AGENT_NAME	"libtextpoke-agent.so"
#define ATTACH_ENTRY	"textpoke_agent_attach"

static void usage(FILE *f)
{
	fputs("usage: textpoke-attach [--agent PATH] [--tid TID] [--timeout SECONDS]\n"
	      "                       [--trace GLOB]... PID\n"
	      "       textpoke-attach --help | --version\n"
	      "Load the tracing agent into running process PID and start its control\n"
	      "socket: then textpoke ctl PID trace|untrace GLOB|status|stop.\n", f);
}

static int die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die(const char *fmt, ...)
{
	va_list ap;

	fputs("textpoke-attach: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/*
 * The agent: --agent, $TEXTPOKE_AGENT, beside this command, in the build
 * tree ($(O)/ARCH/tools/agent/), or where make install puts it (the
 * Makefile's AGENTDIR: lib/TRIPLE/textpoke or lib/textpoke beside bin).
 */
static int find_agent(const char *given, char *path)
{
	static const char *const rel[] = {
		"/" AGENT_NAME, "/../agent/" AGENT_NAME,
		"/../lib/" TP_TRIPLE "/textpoke/" AGENT_NAME, "/../lib/textpoke/" AGENT_NAME,
	};
	char self[PATH_MAX], try[PATH_MAX + 64];
	ssize_t n;

	if (!given)
		given = getenv("TEXTPOKE_AGENT");
	if (given)
		return realpath(given, path) ? 0 : -errno;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(try, sizeof(try), "%s%s", self, rel[i]);
		if (realpath(try, path))
			return 0;
	}
	return -ENOENT;
}

static int status_field(pid_t pid, const char *key, unsigned long vals[4])
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			found = sscanf(line + klen + 1, "%lu %lu %lu %lu", &vals[0], &vals[1],
				       &vals[2], &vals[3]);
			break;
		}
	fclose(f);
	return found > 0 ? found : -ENOENT;
}

static int read_int_file(const char *path)
{
	FILE *f = fopen(path, "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* The state letter of /proc/PID/status ("R", "S", "T", ...), or 0. */
static int process_state(pid_t pid)
{
	char path[64], line[256], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "State:", 6)) {
			if (sscanf(line + 6, " %c", &state) != 1)
				state = 0;
			break;
		}
	fclose(f);
	return state;
}

/* Everything that refuses, before the process is touched. */
static int check_allowed(pid_t pid)
{
	unsigned long v[4];
	int scope, n, state, root = geteuid() == 0;

	if (pid == getpid())
		return die("%d is this command itself", (int)pid);
	n = status_field(pid, "Uid", v);
	if (n == -ENOENT || n == -ESRCH)
		return die("%d: no such process", (int)pid);
	if (n < 4)
		return die("%d: cannot read its status: %s", (int)pid, strerror(-n));
	if (!root && (v[0] != geteuid() || v[1] != geteuid() || v[2] != geteuid()))
		return die("%d belongs to user %lu: only that user or root may attach to it",
			   (int)pid, v[1]);
	if (status_field(pid, "TracerPid", v) > 0 && v[0] != 0)
		return die("%d is traced already, by process %lu (a debugger?): not attaching",
			   (int)pid, v[0]);
	state = process_state(pid);
	if (state == 'T' || state == 't')
		return die("%d is stopped: continue it first (kill -CONT %d)", (int)pid, (int)pid);
	if (state == 'Z' || state == 'X')
		return die("%d has exited", (int)pid);
	if (status_field(pid, "Seccomp", v) > 0 && v[0] != 0)
		return die("%d runs under seccomp (mode %lu): the system calls that load "
			   "code into it may be refused or kill it; not attaching", (int)pid, v[0]);
	scope = read_int_file("/proc/sys/kernel/yama/ptrace_scope");
	if (scope == 3)
		return die("ptrace is disabled on this system (kernel.yama.ptrace_scope=3)");
	if (scope == 2 && !root)
		return die("only root may ptrace here (kernel.yama.ptrace_scope=2)");
	return 0;
}

static const char *explain_seize(int err)
{
	int scope = read_int_file("/proc/sys/kernel/yama/ptrace_scope");

	if (err == -EPERM && scope == 1)
		return "ptrace refused: kernel.yama.ptrace_scope=1 lets a process trace only "
		       "its descendants (run as root, or set kernel.yama.ptrace_scope=0)";
	if (err == -EPERM)
		return "ptrace refused (another tracer, a debugger, or a process that is not dumpable)";
	return strerror(-err);
}

/*
 * The thread that makes the calls: one asleep in a system call other than
 * futex if there is one (the least likely to hold a lock dlopen() needs),
 * else one waiting on a futex, else the main thread.
 */
static pid_t choose_thread(pid_t pid)
{
	pid_t best = pid;
	int best_rank = 0;
	char path[96];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return pid;
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);
		long nr;
		int rank;
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
		f = fopen(path, "re");
		if (!f)
			continue;
		rank = fscanf(f, "%ld", &nr) == 1 && nr >= 0 ? (nr == SYS_futex ? 1 : 2) : 0;
		fclose(f);
		if (rank > best_rank) {
			best = tid;
			best_rank = rank;
		}
	}
	closedir(d);
	return best;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 + (t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * The agent reads its environment when it loads: TEXTPOKE_LIVE=1 (nothing
 * traced) and TEXTPOKE_CTL=1 (the control server) are set in the process
 * around the dlopen(), then each put back as it was (or unset).
 */
static const char *const live_env[] = { "TEXTPOKE_LIVE", "TEXTPOKE_CTL" };
#define NR_LIVE_ENV	(sizeof(live_env) / sizeof(live_env[0]))

struct saved_env {
	int was_set[NR_LIVE_ENV];
	char value[NR_LIVE_ENV][256];
};

static int set_live_env(struct inject *in, const struct target_libc *libc,
			struct saved_env *saved, int timeout_ms)
{
	unsigned long args[3], ret, name, one;
	int err;

	one = inject_push(in, "1", 2);
	for (size_t i = 0; i < NR_LIVE_ENV; i++) {
		name = inject_push(in, live_env[i], strlen(live_env[i]) + 1);
		if (!name || !one)
			return -ENOMEM;
		args[0] = name;
		err = inject_call(in, libc->getenv, args, 1, &ret, timeout_ms);
		if (err)
			return err;
		saved->was_set[i] = ret && !inject_read_string(in, ret, saved->value[i],
							       sizeof(saved->value[i]));
		args[1] = one;
		args[2] = 1;
		err = inject_call(in, libc->setenv, args, 3, &ret, timeout_ms);
		if (err || (int)ret)
			return err ?: -ENOMEM;
	}
	return 0;
}

static void restore_env(struct inject *in, const struct target_libc *libc,
			const struct saved_env *saved, int timeout_ms)
{
	unsigned long args[3], ret;

	for (size_t i = 0; i < NR_LIVE_ENV; i++) {
		args[0] = inject_push(in, live_env[i], strlen(live_env[i]) + 1);
		if (!args[0])
			continue;
		if (saved->was_set[i]) {
			args[1] = inject_push(in, saved->value[i], strlen(saved->value[i]) + 1);
			args[2] = 1;
			if (args[1])
				inject_call(in, libc->setenv, args, 3, &ret, timeout_ms);
		} else {
			inject_call(in, libc->unsetenv, args, 1, &ret, timeout_ms);
		}
	}
}

/* The calls, on a stopped thread; *@why on failure. */
static int load_agent(struct inject *in, const struct target_libc *libc, const char *agent,
		      int timeout_ms, char *why, size_t whylen)
{
	static struct saved_env saved;
	unsigned long args[2], handle, fn, ret, at;
	int err;

	at = inject_push(in, agent, strlen(agent) + 1);
	if (!at)
		return snprintf(why, whylen, "no room on the thread's stack"), -ENOMEM;
	err = set_live_env(in, libc, &saved, timeout_ms);
	if (err) {
		restore_env(in, libc, &saved, timeout_ms);
		return snprintf(why, whylen, "setting the agent's environment: %s",
				strerror(-err)), err;
	}
	args[0] = at;
	args[1] = RTLD_NOW;
	err = inject_call(in, libc->dlopen, args, 2, &handle, timeout_ms);
	restore_env(in, libc, &saved, timeout_ms);
	if (err)
		return snprintf(why, whylen, "dlopen: %s", strerror(-err)), err;
	if (!handle) {
		int len = snprintf(why, whylen, "dlopen refused the agent: ");

		if (!inject_call(in, libc->dlerror, NULL, 0, &ret, timeout_ms) && ret)
			inject_read_string(in, ret, why + len, whylen - len);
		return -ENOEXEC;
	}
	at = inject_push(in, ATTACH_ENTRY, sizeof(ATTACH_ENTRY));
	args[0] = handle;
	args[1] = at;
	err = at ? inject_call(in, libc->dlsym, args, 2, &fn, timeout_ms) : -ENOMEM;
	if (!err && !fn) {
		snprintf(why, whylen, "%s has no %s()", agent, ATTACH_ENTRY);
		err = -ENOEXEC;
	} else if (!err) {
		err = inject_call(in, fn, NULL, 0, &ret, timeout_ms);
		if (!err && (int)ret) {
			err = (int)ret;
			snprintf(why, whylen, "the agent could not start its control server: %s",
				 strerror(-err));
		} else if (err) {
			snprintf(why, whylen, "%s(): %s", ATTACH_ENTRY, strerror(-err));
		}
	} else {
		snprintf(why, whylen, "dlsym: %s", strerror(-err));
	}
	if (err && err != -EFAULT && err != -ESRCH) {
		/* Unloaded again: the process as it was. */
		args[0] = handle;
		inject_call(in, libc->dlclose, args, 1, &ret, timeout_ms);
	}
	return err;
}

/* --trace: one request each, as textpoke-ctl PID trace GLOB makes it. */
static int trace_globs(pid_t pid, const char *const *globs, int n)
{
	static char reply[CTL_REPLY_MAX + 1];
	char request[CTL_REQUEST_MAX + 1];
	int err;

	for (int i = 0; i < n; i++) {
		if (ctl_format(request, sizeof(request), CTL_TRACE, globs[i]) < 0)
			return 2;
		err = ctl_client_request(pid, request, reply, sizeof(reply), 60000);
		if (err)
			return die("%d: trace %s: %s", (int)pid, globs[i], strerror(-err));
		if (strncmp(reply, "ok\n", 3)) {
			reply[strcspn(reply, "\n")] = '\0';
			return die("%d: trace %s: %s", (int)pid, globs[i], reply);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, 'a' },
		{ "tid", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "trace", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *agent_arg = NULL, *why = NULL, *globs[16];
	int nglobs = 0;
	char agent[PATH_MAX], sock[CTL_PATH_MAX], fail[1024] = "";
	static struct target_libc libc;
	int timeout_ms = 10000, opt, err, end_err;
	struct timespec t0;
	sigset_t block, old;
	struct inject *in;
	pid_t pid, tid = 0;

	while ((opt = getopt_long(argc, argv, "a:t:T:g:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			agent_arg = optarg;
			break;
		case 'g':
			if (nglobs == (int)(sizeof(globs) / sizeof(globs[0])) ||
			    ctl_format(sock, sizeof(sock), CTL_TRACE, optarg) < 0) {
				fprintf(stderr, "textpoke-attach: bad or too many --trace '%s'\n",
					optarg);
				return 2;
			}
			globs[nglobs++] = optarg;
			break;
		case 't':
			if (ctl_parse_pid(optarg, &tid)) {
				fprintf(stderr, "textpoke-attach: bad --tid '%s'\n", optarg);
				return 2;
			}
			break;
		case 'T':
			timeout_ms = ctl_parse_seconds(optarg);
			if (timeout_ms <= 0) {
				fprintf(stderr, "textpoke-attach: bad --timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("textpoke-attach (textpoke) %s\n", TP_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || ctl_parse_pid(argv[optind], &pid)) {
		usage(stderr);
		return 2;
	}
	if (check_allowed(pid))
		return 1;
	if (find_agent(agent_arg, agent))
		return die("no agent %s%s (give it with --agent PATH)",
			   agent_arg ? agent_arg : AGENT_NAME, agent_arg ? "" : " found");
	/* a stale socket of this pid is no server: the agent replaces it */
	if (!ctl_client_probe(pid, sock, sizeof(sock))) {
		printf("%d already serves %s: use textpoke ctl %d\n", (int)pid, sock, (int)pid);
		return trace_globs(pid, globs, nglobs);
	}
	err = target_libc_find(pid, &libc, &why);
	if (err)
		return die("%d: %s", (int)pid, why);
	if (!tid) {
		tid = choose_thread(pid);
	} else {
		char task[64];

		snprintf(task, sizeof(task), "/proc/%d/task/%d", (int)pid, (int)tid);
		if (access(task, F_OK))
			return die("%d is not a thread of %d", (int)tid, (int)pid);
	}

	/* Not interrupted half-way: the thread must be put back. */
	sigfillset(&block);
	sigprocmask(SIG_BLOCK, &block, &old);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = inject_begin(pid, tid, &in);
	if (err) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return die("%d: %s", (int)pid, explain_seize(err));
	}
	err = load_agent(in, &libc, agent, timeout_ms, fail, sizeof(fail));
	end_err = inject_end(in);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (err)
		return die("%d: %s", (int)pid, fail);
	if (end_err)
		return die("%d: putting thread %d back: %s", (int)pid, (int)tid,
			   strerror(-end_err));
	if (ctl_client_find(pid, sock, sizeof(sock)))
		return die("%d: the agent is loaded but serves no control socket", (int)pid);
	fprintf(stderr, "textpoke-attach: %d: agent loaded by thread %d in %.3f ms\n",
		(int)pid, (int)tid, ms_since(&t0));
	printf("%s\n", sock);
	return trace_globs(pid, globs, nglobs);
}
