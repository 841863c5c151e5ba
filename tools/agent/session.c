// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process's part of the data directory besides its calls: lines of
 * task.txt (a session when a program image starts, a task for each
 * thread, a fork for each child) and the session's map of objects
 * (sid-<id>.map), in the forms uftrace reads.  Lines are appended with
 * one write(2) each to a file opened O_APPEND, so that the processes and
 * threads of one recording never interleave inside a line.
 *
 * The map lists every object loaded while the session ran (the program,
 * its shared objects, those loaded later), one line each: the range of
 * its loaded segments, its path and its build-id.  It is rewritten
 * whole (a temporary file renamed) whenever objects change.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agent_internal.h"

#define SID_LEN		16

struct object {
	uint64_t start, end;
	char build_id[41];
	char *path;
};

static int task_fd = -1;
static int dir_fd = -1;
static char sid[SID_LEN + 1];
static struct object *objects;
static size_t nr_objects;
/*
 * A page of the main thread's stack: uftrace takes every address above
 * the stack for the kernel's, so the map must say where it is.
 */
static uint64_t stack_page;

void text_append(char *buf, size_t len, const char *str, long long num)
{
	size_t at = strlen(buf);
	char digits[24];
	int n = 0;

	if (str)
		while (*str && at + 1 < len)
			buf[at++] = *str++;
	if (num >= 0) {
		do {
			digits[n++] = '0' + num % 10;
			num /= 10;
		} while (num);
		while (n && at + 1 < len)
			buf[at++] = digits[--n];
	}
	buf[at] = '\0';
}

uint64_t agent_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* "SECONDS.NANOSECONDS", nine digits after the point. */
void session_timestamp(char *buf, size_t len, uint64_t ns)
{
	char frac[16] = "";
	uint64_t rest = ns % 1000000000ull;
	uint64_t scale;

	text_append(buf, len, NULL, ns / 1000000000ull);
	text_append(buf, len, ".", -1);
	for (scale = 100000000ull; scale > rest && scale > 1; scale /= 10)
		text_append(frac, sizeof(frac), "0", -1);
	text_append(frac, sizeof(frac), NULL, rest);
	text_append(buf, len, frac, -1);
}

static void task_line(const char *line)
{
	if (task_fd >= 0 && write(task_fd, line, strlen(line)) < 0)
		return;
}

void session_task(pid_t tid, uint64_t now)
{
	char line[128] = "TASK timestamp=";

	session_timestamp(line, sizeof(line), now);
	text_append(line, sizeof(line), " tid=", tid);
	text_append(line, sizeof(line), " pid=", agent_pid);
	text_append(line, sizeof(line), "\n", -1);
	task_line(line);
}

void session_fork_child(pid_t ppid)
{
	char line[128] = "FORK timestamp=";

	session_timestamp(line, sizeof(line), agent_now());
	text_append(line, sizeof(line), " pid=", agent_pid);
	text_append(line, sizeof(line), " ppid=", ppid);
	text_append(line, sizeof(line), "\n", -1);
	task_line(line);
}

static void make_sid(void)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t seed = agent_now() ^ ((uint64_t)getpid() << 32);
	int i;

	/* splitmix64: distinct ids for distinct (time, pid) */
	seed += 0x9e3779b97f4a7c15ull;
	seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ull;
	seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebull;
	seed ^= seed >> 31;
	for (i = 0; i < SID_LEN; i++)
		sid[i] = hex[(seed >> (4 * i)) & 15];
	sid[SID_LEN] = '\0';
}

int session_start(const char *dir)
{
	char exe[4096], line[4200 + 64] = "SESS timestamp=";
	ssize_t n;

	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	task_fd = openat(dir_fd, "task.txt", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (task_fd < 0)
		return -errno;
	stack_page = (uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)0xfff;
	make_sid();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n < 0 ? 0 : n] = '\0';
	session_timestamp(line, sizeof(line), agent_now());
	text_append(line, sizeof(line), " pid=", agent_pid);
	text_append(line, sizeof(line), " sid=", -1);
	text_append(line, sizeof(line), sid, -1);
	text_append(line, sizeof(line), " exename=\"", -1);
	text_append(line, sizeof(line), exe, -1);
	text_append(line, sizeof(line), "\"\n", -1);
	task_line(line);
	return session_write_map();
}

static void note_build_id(const ElfW(Nhdr) *note, size_t size, char *out)
{
	static const char hex[] = "0123456789abcdef";

	while (size >= sizeof(*note)) {
		size_t name = (note->n_namesz + 3) & ~3u, desc = (note->n_descsz + 3) & ~3u;
		const unsigned char *p = (const unsigned char *)(note + 1);

		if (sizeof(*note) + name + desc > size)
			return;
		if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 &&
		    !memcmp(p, "GNU", 4) && note->n_descsz <= 20) {
			for (unsigned int i = 0; i < note->n_descsz; i++) {
				out[2 * i] = hex[p[name + i] >> 4];
				out[2 * i + 1] = hex[p[name + i] & 15];
			}
			out[2 * note->n_descsz] = '\0';
			return;
		}
		size -= sizeof(*note) + name + desc;
		note = (const ElfW(Nhdr) *)(p + name + desc);
	}
}

static bool known(uint64_t start, const char *path)
{
	for (size_t i = 0; i < nr_objects; i++)
		if (objects[i].start == start && !strcmp(objects[i].path, path))
			return true;
	return false;
}

static int add_object(struct dl_phdr_info *info, size_t size, void *data)
{
	char exe[4096];
	const char *path = info->dlpi_name;
	struct object o = { .start = UINT64_MAX };
	struct object *grown;
	ssize_t n;

	(void)size;
	(void)data;
	if (!path || !*path) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return 0;
		exe[n] = '\0';
		path = exe;
	}
	if (path[0] != '/')
		return 0;	/* the vDSO: no file to name its functions */
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD) {
			uint64_t lo = info->dlpi_addr + (ph->p_vaddr & ~(uint64_t)0xfff);
			uint64_t hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;

			if (lo < o.start)
				o.start = lo;
			if (hi > o.end)
				o.end = hi;
		} else if (ph->p_type == PT_NOTE) {
			note_build_id((const void *)(info->dlpi_addr + ph->p_vaddr),
				      ph->p_memsz, o.build_id);
		}
	}
	if (o.start >= o.end || known(o.start, path))
		return 0;
	o.path = strdup(path);
	grown = o.path ? realloc(objects, (nr_objects + 1) * sizeof(*objects)) : NULL;
	if (!grown) {
		free(o.path);
		return 0;
	}
	objects = grown;
	objects[nr_objects++] = o;
	return 0;
}

/*
 * Every object loaded now, with those seen before (unloaded since, their
 * calls are in the data too), to sid-<id>.map.  Not from a callback.
 */
int session_write_map(void)
{
	char tmp[64], name[64];
	FILE *f;
	int fd, err = 0;

	if (dir_fd < 0)
		return 0;
	dl_iterate_phdr(add_object, NULL);
	snprintf(name, sizeof(name), "sid-%s.map", sid);
	snprintf(tmp, sizeof(tmp), ".sid-%s.map.%ld", sid, (long)syscall(SYS_gettid));
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nr_objects; i++) {
		const struct object *o = &objects[i];

		fprintf(f, "%lx-%lx r-xp 00000000 00:00 0 %26s%s%s%s\n",
			(unsigned long)o->start, (unsigned long)o->end, "", o->path,
			o->build_id[0] ? " build-id:" : "", o->build_id);
	}
	fprintf(f, "%lx-%lx rw-p 00000000 00:00 0 %26s[stack]\n", (unsigned long)stack_page,
		(unsigned long)stack_page + 0x1000, "");
	if (fclose(f))
		err = -EIO;
	if (!err && renameat(dir_fd, tmp, dir_fd, name))
		err = -errno;
	if (err)
		unlinkat(dir_fd, tmp, 0);
	return err;
}
