// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-record (textpoke record): run a program with the tracing agent
 * preloaded and leave a data directory uftrace reads
 * (docs/textpoke-record.1).  The agent does the tracing; this program
 * sets its environment, runs the program, waits for it, and then writes
 * the files that need the whole run: the info file and symbol files.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record.h"

#define AGENT_NAME	"libtextpoke-agent.so"

static void usage(FILE *f)
{
	fputs("usage: tp-record [OPTION...] [--] PROG [ARG...]   (textpoke record)\n"
	      "Run PROG with the tracing agent and record its calls into a data\n"
	      "directory that uftrace and textpoke replay read.\n"
	      "  -d, --data=DIR          the data directory (default uftrace.data)\n"
	      "  -F, -P, --filter=GLOB   trace the functions matching GLOB (repeatable;\n"
	      "                          default every traceable function)\n"
	      "  -N, --notrace=GLOB      never trace the functions matching GLOB\n"
	      "  -D, --depth=N           only calls less than N traced frames deep\n"
	      "  -t, --time-filter=TIME  only calls that take TIME or more (ns, us, ms, s)\n"
	      "      --tid=TID[,TID...]  only these threads\n"
	      "      --no-libcall, --no-plt\n"
	      "                          not the calls into shared objects through the\n"
	      "                          PLT (traced by default, as uftrace does; --plt)\n"
	      "      --agent=PATH        the agent to preload (default: beside this\n"
	      "                          program, else lib[/TRIPLE]/textpoke/ beside its bin/)\n"
	      "      --force             run PROG even if it has no patchable functions\n"
	      "  -q, --quiet             say nothing but errors\n"
	      "  -h, --help, -V, --version\n", f);
}

/* TIME with an optional unit: nanoseconds, or 0 when bad. */
static unsigned long long parse_time(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return 0;
	if (!*end || !strcmp(end, "ns"))
		return v;
	if (!strcmp(end, "us"))
		return v * 1e3;
	if (!strcmp(end, "ms"))
		return v * 1e6;
	if (!strcmp(end, "s"))
		return v * 1e9;
	return 0;
}

static int append_glob(char **list, const char *glob)
{
	char *n;

	if (asprintf(&n, "%s%s%s", *list ? *list : "", *list ? "," : "", glob) < 0)
		return -ENOMEM;
	free(*list);
	*list = n;
	return 0;
}

/* The agent in the directory of @self (a program path), or NULL. */
static char *agent_beside(const char *self)
{
	const char *slash = strrchr(self, '/');
	char *path;

	if (!slash)
		return NULL;
	if (asprintf(&path, "%.*s/%s", (int)(slash - self), self, AGENT_NAME) < 0)
		return NULL;
	if (!access(path, R_OK))
		return path;
	free(path);
	return NULL;
}

/*
 * The agent relative to @bindir, the directory this program is in: in
 * the build tree ($(O)/host/tools/tp-record/ and $(O)/ARCH/tools/agent/),
 * or installed (bin/ and lib[/TRIPLE]/textpoke/, the Makefile's AGENTDIR).
 */
static char *agent_under(const char *bindir)
{
	static const char *const rel[] = {
		"/../../../" TP_HOSTARCH "/tools/agent/",
		"/../lib/" TP_TRIPLE "/textpoke/",
		"/../lib/textpoke/",
	};

	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *dir, *found;

		if (asprintf(&dir, "%s%s", bindir, rel[i]) < 0)
			return NULL;
		found = agent_beside(dir);
		free(dir);
		if (found)
			return found;
	}
	return NULL;
}

/*
 * $TEXTPOKE_AGENT, else the agent beside this program as it was called
 * (the build's bin/) or as it is, else where the build or make install
 * put it; NULL when there is none.
 */
static char *find_agent(const char *argv0)
{
	char self[PATH_MAX], *path;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (getenv("TEXTPOKE_AGENT"))
		return strdup(getenv("TEXTPOKE_AGENT"));
	path = agent_beside(argv0);
	if (path)
		return path;
	if (n > 0) {
		self[n] = '\0';
		path = agent_beside(self);
		if (path)
			return path;
		*strrchr(self, '/') = '\0';
		path = agent_under(self);
		if (path)
			return path;
	}
	return NULL;
}

/* The file execvp() would run for @prog, or NULL. */
static char *find_program(const char *prog)
{
	const char *p = getenv("PATH");
	char *path;

	if (strchr(prog, '/'))
		return strdup(prog);
	while (p && *p) {
		size_t len = strcspn(p, ":");

		if (asprintf(&path, "%.*s/%s", (int)len, p, prog) < 0)
			return NULL;
		if (!access(path, X_OK))
			return path;
		free(path);
		p += len + (p[len] == ':');
	}
	return NULL;
}

/* Move an earlier recording aside, as DIR.old, and make DIR. */
static int make_data_dir(const char *dir)
{
	char *old = NULL, *info = NULL;
	struct stat st;
	int err = 0;

	if (!stat(dir, &st)) {
		if (asprintf(&info, "%s/info", dir) < 0 || asprintf(&old, "%s.old", dir) < 0)
			return -ENOMEM;
		if (!access(info, F_OK)) {
			char *cmd = NULL;

			/* a previous recording: DIR.old replaced by it */
			if (asprintf(&cmd, "rm -rf -- '%s'", old) >= 0 && !strchr(old, '\''))
				err = system(cmd) ? -EIO : 0;
			free(cmd);
			if (!err && rename(dir, old))
				err = -errno;
		} else if (rmdir(dir) && errno != ENOENT) {
			err = -ENOTEMPTY;	/* not ours: left alone */
		}
		free(info);
		free(old);
		if (err)
			return err;
	}
	return mkdir(dir, 0755) ? -errno : 0;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int set_preload(const char *agent)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;
	int ret;

	if (old && *old) {
		if (asprintf(&v, "%s:%s", agent, old) < 0)
			return -1;
	} else {
		v = strdup(agent);
	}
	ret = v ? setenv("LD_PRELOAD", v, 1) : -1;
	free(v);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "filter", required_argument, NULL, 'F' },
		{ "notrace", required_argument, NULL, 'N' },
		{ "depth", required_argument, NULL, 'D' },
		{ "time-filter", required_argument, NULL, 't' },
		{ "tid", required_argument, NULL, 'T' },
		{ "plt", no_argument, NULL, 'L' },
		{ "no-plt", no_argument, NULL, 'l' },
		{ "no-libcall", no_argument, NULL, 'l' },
		{ "agent", required_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *dir = "uftrace.data", *depth = NULL;
	char *filter = NULL, *notrace = NULL, *agent = NULL, *tids = NULL, *prog, *end;
	char abs_dir[PATH_MAX], ns[32];
	unsigned long long min_ns = 0;
	bool quiet = false, force = false, plt = true;
	struct run_result run = { 0 };
	struct timespec t0, t1;
	pid_t pid;
	int c, err;

	while ((c = getopt_long(argc, argv, "+d:F:P:N:D:t:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'F':
		case 'P':
			if (append_glob(&filter, optarg))
				return 1;
			break;
		case 'N':
			if (append_glob(&notrace, optarg))
				return 1;
			break;
		case 'D':
			if (strtol(optarg, &end, 10) <= 0 || *end) {
				fprintf(stderr, "textpoke record: bad depth '%s'\n", optarg);
				return 2;
			}
			depth = optarg;
			break;
		case 't':
			min_ns = parse_time(optarg);
			if (!min_ns) {
				fprintf(stderr, "textpoke record: bad time '%s'\n", optarg);
				return 2;
			}
			break;
		case 'T':
			if (strspn(optarg, "0123456789,") != strlen(optarg) || !*optarg) {
				fprintf(stderr, "textpoke record: bad thread list '%s'\n", optarg);
				return 2;
			}
			tids = optarg;
			break;
		case 'L':
		case 'l':
			plt = c == 'L';
			break;
		case 'A':
			agent = strdup(optarg);
			break;
		case 'f':
			force = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tp-record (textpoke) %s\n", TP_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	prog = find_program(argv[optind]);
	if (!prog) {
		fprintf(stderr, "textpoke record: %s: not found\n", argv[optind]);
		return 127;
	}
	err = has_patchable_entries(prog);
	if (err < 0 && err != -ENOEXEC && !force) {
		fprintf(stderr, "textpoke record: %s: %s\n", prog, strerror(-err));
		return 127;
	}
	if (!err && !force) {
		fprintf(stderr, "textpoke record: %s has no patchable function entries: build "
			"it with the flags\n  `pkg-config --variable=ftrace_cflags textpoke` "
			"prints (textpoke sites %s shows its sites),\n  or use --force when "
			"only its shared objects are traceable\n", prog, prog);
		return 2;
	}
	err = make_data_dir(dir);
	if (err || !realpath(dir, abs_dir)) {
		fprintf(stderr, "textpoke record: %s: %s\n", dir, strerror(err ? -err : errno));
		return 1;
	}
	if (!agent)
		agent = find_agent(argv[0]);
	if (!agent) {
		fprintf(stderr, "textpoke record: cannot find " AGENT_NAME
			" (set TEXTPOKE_AGENT or use --agent)\n");
		return 1;
	}
	snprintf(ns, sizeof(ns), "%llu", min_ns);
	if (!agent || set_preload(agent) || setenv("TEXTPOKE_DIR", abs_dir, 1) ||
	    (filter && setenv("TEXTPOKE_FILTER", filter, 1)) ||
	    (notrace && setenv("TEXTPOKE_NOTRACE", notrace, 1)) ||
	    (depth && setenv("TEXTPOKE_DEPTH", depth, 1)) ||
	    (min_ns && setenv("TEXTPOKE_TIME_FILTER", ns, 1)) ||
	    (tids && setenv("TEXTPOKE_TIDS", tids, 1)) ||
	    setenv("TEXTPOKE_PLT", plt ? "1" : "0", 1) ||
	    (!quiet && setenv("TEXTPOKE_VERBOSE", "1", 1))) {
		perror("textpoke record");
		return 1;
	}
	run.cmdline = join_args(argc - optind, argv + optind);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("textpoke record: fork");
		return 1;
	}
	if (!pid) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "textpoke record: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &run.status, 0) < 0 && errno == EINTR)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_CHILDREN, &run.usage);
	run.elapsed = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	err = finish_data(abs_dir, &run, quiet);
	if (err == -ENODATA) {
		fprintf(stderr, "textpoke record: nothing was recorded (was the agent %s "
			"loaded, and is anything traceable?)\n", agent);
		return 1;
	}
	if (err) {
		fprintf(stderr, "textpoke record: %s: %s\n", dir, strerror(-err));
		return 1;
	}
	free(run.cmdline);
	free(prog);
	free(agent);
	free(filter);
	free(notrace);
	/* The program's own status, as a shell would give it. */
	if (WIFEXITED(run.status))
		return WEXITSTATUS(run.status);
	return 128 + WTERMSIG(run.status);
}
