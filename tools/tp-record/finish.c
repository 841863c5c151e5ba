// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What textpoke record writes once the program and its children have
 * ended: the symbol files of every object of every session, and the info
 * file uftrace opens first.  info is a 40-byte header (magic "Ftrace!",
 * version 4, its own size, byte order and ELF class, the features the
 * data has, which info lines follow, the deepest stack) and then text
 * lines, one group per bit of the info mask, in the bits' order.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "record.h"

/* The data's features: sessions in task.txt, symbols relative to their map. */
#define FEAT_TASK_SESSION	(1ull << 1)
#define FEAT_SYM_REL_ADDR	(1ull << 5)
#define FEAT_MAX_STACK		(1ull << 6)

/* The info lines written, by their bit in the mask. */
#define INFO_EXE_NAME		(1ull << 0)
#define INFO_EXE_BUILD_ID	(1ull << 1)
#define INFO_EXIT_STATUS	(1ull << 2)
#define INFO_CMDLINE		(1ull << 3)
#define INFO_CPUINFO		(1ull << 4)
#define INFO_MEMINFO		(1ull << 5)
#define INFO_OSINFO		(1ull << 6)
#define INFO_TASKINFO		(1ull << 7)
#define INFO_USAGEINFO		(1ull << 8)
#define INFO_RECORD_DATE	(1ull << 11)
#define INFO_PATTERN_TYPE	(1ull << 12)

#define MAX_STACK		1024

struct info_header {
	char magic[8];
	uint32_t version;
	uint16_t header_size;
	uint8_t endian;			/* 1: little */
	uint8_t elf_class;		/* 2: 64-bit */
	uint64_t features;
	uint64_t info_mask;
	uint16_t max_stack;
	uint16_t unused1;
	uint32_t unused2;
};
_Static_assert(sizeof(struct info_header) == 40, "info header layout");

struct tids {
	long *tid;
	size_t nr, cap;
};

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* The threads that recorded something: DIR/<tid>.dat. */
static int read_tids(const char *dir, struct tids *t)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		long tid = strtol(e->d_name, &end, 10);

		if (end == e->d_name || strcmp(end, ".dat") || tid <= 0)
			continue;
		if (t->nr == t->cap) {
			long *p = realloc(t->tid, (t->cap = t->cap * 2 + 16) * sizeof(*p));

			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			t->tid = p;
		}
		t->tid[t->nr++] = tid;
	}
	closedir(d);
	qsort(t->tid, t->nr, sizeof(*t->tid), compare_long);
	return 0;
}

/* Symbol files for the objects of every sid-*.map; the executable's build-id. */
static int write_symbols(const char *dir, const char *exename, char *exe_build_id, bool quiet)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *path = NULL, line[8192];

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		FILE *f;

		if (strncmp(e->d_name, "sid-", 4) || !strstr(e->d_name, ".map"))
			continue;
		free(path);
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			path = NULL;
			break;
		}
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char file[4096], *bid;
			int err;

			if (sscanf(line, "%*x-%*x %*s %*x %*s %*u %4095s", file) != 1 || file[0] != '/')
				continue;
			bid = strstr(line, "build-id:");
			if (bid) {
				bid += 9;
				bid[strcspn(bid, " \n")] = '\0';
			}
			if (bid && exename && !strcmp(file, exename))
				snprintf(exe_build_id, 41, "%s", bid);
			err = write_symfile(dir, file, bid);
			if (err && !quiet)
				fprintf(stderr, "textpoke record: %s: no symbols: %s\n", file,
					strerror(-err));
		}
		fclose(f);
	}
	free(path);
	closedir(d);
	return 0;
}

/* The executable of the first session of task.txt (malloc'ed), or NULL. */
static char *first_exename(const char *dir)
{
	char *path = NULL, line[8192], *name = NULL;
	FILE *f;

	if (asprintf(&path, "%s/task.txt", dir) < 0)
		return NULL;
	f = fopen(path, "r");
	free(path);
	if (!f)
		return NULL;
	while (!name && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " exename=\"");

		if (strncmp(line, "SESS ", 5) || !p)
			continue;
		p += 10;
		p[strcspn(p, "\"\n")] = '\0';
		name = strdup(p);
	}
	fclose(f);
	return name;
}

static void cpu_lines(FILE *f)
{
	char line[512], desc[256] = "unknown";
	FILE *c = fopen("/proc/cpuinfo", "r");
	long online = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);

	while (c && fgets(line, sizeof(line), c)) {
		char *v = strchr(line, ':');

		if (v && (!strncmp(line, "model name", 10) || !strncmp(line, "uarch", 5) ||
			  !strncmp(line, "CPU part", 8))) {
			v++;
			while (isspace((unsigned char)*v))
				v++;
			v[strcspn(v, "\n")] = '\0';
			snprintf(desc, sizeof(desc), "%s", v);
			break;
		}
	}
	if (c)
		fclose(c);
	fprintf(f, "cpuinfo:lines=2\ncpuinfo:nr_cpus=%ld / %ld (online/possible)\n"
		"cpuinfo:desc=%s\n", online, conf, desc);
}

static void mem_line(FILE *f)
{
	long pages = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
	double gb = sysconf(_SC_PAGESIZE) / 1073741824.0;

	fprintf(f, "meminfo:%.1f / %.1f GB (free / total)\n", avail * gb, pages * gb);
}

static void os_lines(FILE *f)
{
	struct utsname u;
	char line[256], distro[256] = "\"Linux\"";
	FILE *o = fopen("/etc/os-release", "r");

	while (o && fgets(line, sizeof(line), o)) {
		if (!strncmp(line, "PRETTY_NAME=", 12)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(distro, sizeof(distro), "%s", line + 12);
		}
	}
	if (o)
		fclose(o);
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	fprintf(f, "osinfo:lines=3\nosinfo:kernel=%s %s\nosinfo:hostname=%s\n"
		"osinfo:distro=%s\n", u.sysname, u.release, u.nodename, distro);
}

static double seconds(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static int write_info(const char *dir, const char *exename, const char *build_id,
		      const struct tids *t, const struct run_result *run)
{
	struct info_header h = {
		.magic = "Ftrace!",
		.version = 4,
		.header_size = sizeof(h),
		.endian = 1,
		.elf_class = 2,
		.features = FEAT_TASK_SESSION | FEAT_SYM_REL_ADDR | FEAT_MAX_STACK,
		.info_mask = INFO_EXE_NAME | INFO_EXE_BUILD_ID | INFO_EXIT_STATUS |
			     INFO_CMDLINE | INFO_CPUINFO | INFO_MEMINFO | INFO_OSINFO |
			     INFO_TASKINFO | INFO_USAGEINFO | INFO_RECORD_DATE |
			     INFO_PATTERN_TYPE,
		.max_stack = MAX_STACK,
	};
	const struct rusage *u = &run->usage;
	char *path = NULL, date[64];
	time_t now = time(NULL);
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/info", dir) < 0)
		return -ENOMEM;
	f = fopen(path, "w");
	free(path);
	if (!f)
		return -errno;
	fwrite(&h, sizeof(h), 1, f);
	fprintf(f, "exename:%s\n", exename);
	fprintf(f, "build_id:%s\n", build_id[0] ? build_id : "0000000000000000000000000000000000000000");
	fprintf(f, "exit_status:%d\n", run->status);
	fprintf(f, "cmdline:%s\n", run->cmdline);
	cpu_lines(f);
	mem_line(f);
	os_lines(f);
	fprintf(f, "taskinfo:lines=2\ntaskinfo:nr_tid=%zu\ntaskinfo:tids=", t->nr);
	for (size_t i = 0; i < t->nr; i++)
		fprintf(f, "%s%ld", i ? "," : "", t->tid[i]);
	fprintf(f, "\nusageinfo:lines=6\nusageinfo:systime=%f\nusageinfo:usrtime=%f\n"
		"usageinfo:ctxsw=%ld / %ld (voluntary / involuntary)\nusageinfo:maxrss=%ld\n"
		"usageinfo:pagefault=%ld / %ld (major / minor)\n"
		"usageinfo:iops=%ld / %ld (read / write)\n",
		seconds(u->ru_stime), seconds(u->ru_utime), u->ru_nvcsw, u->ru_nivcsw,
		u->ru_maxrss, u->ru_majflt, u->ru_minflt, u->ru_inblock, u->ru_oublock);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", localtime(&now));
	fprintf(f, "record_date:%s\nelapsed_time:%.9f sec\n", date, run->elapsed);
	fprintf(f, "pattern_type:glob\n");
	if (fclose(f))
		err = -EIO;
	return err;
}

int finish_data(const char *dir, const struct run_result *run, bool quiet)
{
	struct tids t = { 0 };
	char build_id[41] = "";
	char *exename;
	int err;

	err = read_tids(dir, &t);
	if (err)
		return err;
	exename = first_exename(dir);
	if (!exename || !t.nr) {
		free(exename);
		free(t.tid);
		return -ENODATA;
	}
	err = write_symbols(dir, exename, build_id, quiet);
	if (!err)
		err = write_info(dir, exename, build_id, &t, run);
	if (!err && !quiet)
		fprintf(stderr, "textpoke record: %zu thread%s recorded in %s\n", t.nr,
			t.nr == 1 ? "" : "s", dir);
	free(exename);
	free(t.tid);
	return err;
}
