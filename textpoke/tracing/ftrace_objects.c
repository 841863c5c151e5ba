// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The loaded objects and their traceable functions, as ftrace.c sees
 * them under its mutex: scanned again whenever the loader's counters
 * moved, one load of an object told from the next, and the veneer page
 * each traced object gets within reach of its functions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ftrace_internal.h"
#include "../internal.h"

struct ftrace_object *ftrace_objects;
bool ftrace_objects_unloaded;
unsigned long ftrace_objects_gen = 1;	/* 0 marks a set ops_resolve() did not make */
static unsigned long loads;
static unsigned long long scanned_adds = ~0ull, scanned_subs = ~0ull;

struct loaded {
	char *path;
	uintptr_t base;
	const ElfW(Phdr) *phdr;
	int phnum;
};

struct scan {
	struct loaded *objs;
	size_t nr, cap;
	unsigned long long adds, subs;
	int err;
};

static int collect_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *scan = data;
	const char *name = info->dlpi_name;
	struct loaded *l;

	(void)size;
	scan->adds = info->dlpi_adds;
	scan->subs = info->dlpi_subs;
	if (!name || !*name) {
		/* The executable comes first; an unnamed later one (vDSO) has no file. */
		if (scan->nr || scan->err)
			return 0;
		name = "/proc/self/exe";
	}
	if (scan->nr == scan->cap) {
		size_t cap = scan->cap ? scan->cap * 2 : 16;

		l = realloc(scan->objs, cap * sizeof(*l));
		if (!l) {
			scan->err = -ENOMEM;
			return 1;
		}
		scan->objs = l;
		scan->cap = cap;
	}
	l = &scan->objs[scan->nr];
	l->path = strdup(name);
	if (!l->path) {
		scan->err = -ENOMEM;
		return 1;
	}
	l->base = info->dlpi_addr;
	l->phdr = info->dlpi_phdr;
	l->phnum = info->dlpi_phnum;
	scan->nr++;
	return 0;
}

static struct ftrace_object *object_find(const struct loaded *l)
{
	struct ftrace_object *obj;

	for (obj = ftrace_objects; obj; obj = obj->next)
		if (obj->base == l->base && obj->phdr == l->phdr && !strcmp(obj->path, l->path))
			return obj;
	return NULL;
}

/* Whether @f's site holds what site init wrote, tracing on or off. */
static bool site_is_initialised(const struct ftrace_object *obj,
				const struct ftrace_func *f)
{
	uint8_t want[TP_MAX_INSN_LEN];
	size_t toggle_at = f->layout.toggle - f->layout.site;
	const void *site = (const void *)f->layout.site;

	if (arch_ftrace_init_insns(&f->layout, obj->veneer, want) < 0)
		return false;
	if (!memcmp(site, want, f->layout.site_len))
		return true;
	if (arch_ftrace_toggle_insn(&f->layout, obj->veneer,
				    f->target ? f->target : obj->veneer, want + toggle_at) < 0)
		return false;
	return !memcmp(site, want, f->layout.site_len);
}

/*
 * An object unloaded and loaded again at the same address between two
 * scans looks the same to the loader's list, but its sites are as the
 * compiler left them again: an initialised site that is not says so.
 * (arm64 must never get a BL without its MOV X9, X30.)
 */
static bool object_reloaded(const struct ftrace_object *obj)
{
	size_t i;

	for (i = 0; i < obj->nr; i++)
		if (obj->funcs[i].initialised)
			return !site_is_initialised(obj, &obj->funcs[i]);
	return false;
}

/*
 * A new object: its functions, or none when its file cannot be read (the
 * vDSO, a deleted file); it is remembered either way, so that it is read
 * once.
 */
static int object_add(const struct loaded *l)
{
	struct ftrace_object *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj)
		return -ENOMEM;
	obj->base = l->base;
	obj->phdr = l->phdr;
	obj->phnum = l->phnum;
	obj->load = ++loads;
	obj->seen = true;
	obj->path = strdup(l->path);
	if (!obj->path) {
		free(obj);
		return -ENOMEM;
	}
	err = ftrace_elf_load(obj, l->path, l->base, l->phdr, l->phnum);
	if (err == -ENOMEM) {
		ftrace_object_free(obj);
		return err;
	}
	obj->next = ftrace_objects;
	ftrace_objects = obj;
	ftrace_objects_gen++;
	return 0;
}

/*
 * Forget the objects that were unloaded: their text is gone and nothing
 * may touch it again.  Their veneer pages stay mapped: a thread
 * preempted inside one must not fault there.
 */
static void objects_prune(void)
{
	struct ftrace_object **link = &ftrace_objects, *obj;

	while ((obj = *link)) {
		if (obj->seen) {
			link = &obj->next;
			continue;
		}
		*link = obj->next;
		ftrace_object_free(obj);
		ftrace_objects_unloaded = true;
		ftrace_objects_gen++;
	}
}

/* Bring the object list up to date with the loader's, when it changed. */
int ftrace_objects_scan(void)
{
	struct scan scan = { 0 };
	struct ftrace_object *obj;
	size_t i;
	int err;

	dl_iterate_phdr(collect_loaded, &scan);
	err = scan.err;
	if (!err && scan.adds == scanned_adds && scan.subs == scanned_subs)
		goto out;
	for (obj = ftrace_objects; obj && !err; obj = obj->next)
		obj->seen = false;
	for (i = 0; i < scan.nr && !err; i++) {
		obj = object_find(&scan.objs[i]);
		if (obj && object_reloaded(obj))
			obj = NULL;	/* left unseen: pruned below */
		if (obj)
			obj->seen = true;
		else
			err = object_add(&scan.objs[i]);
	}
	if (!err) {
		ftrace_record_objects();
		objects_prune();
		scanned_adds = scan.adds;
		scanned_subs = scan.subs;
	}
out:
	for (i = 0; i < scan.nr; i++)
		free(scan.objs[i].path);
	free(scan.objs);
	return err;
}

/* The function @t names, if that load of its object is still there. */
struct ftrace_func *ftrace_func_find(const struct traced_func *t,
				     struct ftrace_object **owner)
{
	struct ftrace_object *obj;
	uintptr_t ip = t->ip;

	for (obj = ftrace_objects; obj; obj = obj->next) {
		if (obj->load != t->load)
			continue;
		size_t lo = 0, hi = obj->nr;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (obj->funcs[mid].layout.func < ip)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < obj->nr && obj->funcs[lo].layout.func == ip) {
			if (owner)
				*owner = obj;
			return &obj->funcs[lo];
		}
	}
	return NULL;
}

/* A few entries on from the last one found, else a search. */
#define CURSOR_STEPS	8

struct ftrace_func *ftrace_func_find_next(const struct traced_func *t,
					  struct ftrace_cursor *cursor)
{
	struct ftrace_object *obj = cursor->obj;
	struct ftrace_func *f;
	size_t i;

	if (obj && obj->load == t->load) {
		for (i = cursor->index; i < obj->nr && i < cursor->index + CURSOR_STEPS; i++) {
			if (obj->funcs[i].layout.func == t->ip) {
				cursor->index = i;
				return &obj->funcs[i];
			}
			if (obj->funcs[i].layout.func > t->ip)
				break;
		}
	}
	f = ftrace_func_find(t, &cursor->obj);
	if (f)
		cursor->index = f - cursor->obj->funcs;
	return f;
}

static bool veneer_reaches(const struct ftrace_object *obj, uintptr_t at, size_t len)
{
	uintptr_t reach = arch_ftrace_veneer_reach();
	uintptr_t lo = obj->funcs[0].layout.func;
	uintptr_t hi = obj->funcs[obj->nr - 1].layout.func;

	if (at < lo)
		return hi - at < reach;
	return at + len - lo < reach;
}

/*
 * Where a W^X policy refuses to make written memory executable
 * (systemd's MemoryDenyWriteExecute refuses any mprotect() to PROT_EXEC),
 * the page is mapped read-execute from the start and its code written
 * through /proc/self/mem, the writer such processes use for text; not
 * when the mprotect writer alone was chosen.
 */
static int veneer_write_proc_mem(uint8_t *p, size_t page, const uint8_t *code, size_t len)
{
	int fd, err;

	if (text_writer_setting() == TP_WRITER_MPROTECT)
		return -EACCES;
	if (mmap(p, page, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		return -EACCES;
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -EACCES;
	err = write_all_at(fd, code, len, (off_t)(uintptr_t)p);
	close(fd);
	return err ? -EACCES : 0;
}

static int veneer_try(struct ftrace_object *obj, uintptr_t hint, size_t page)
{
	uint8_t code[64];
	size_t len;
	uint8_t *p = mmap((void *)hint, page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = 0;

	if (p == MAP_FAILED)
		return -errno;
	if (!veneer_reaches(obj, (uintptr_t)p, page)) {
		munmap(p, page);
		return -ERANGE;
	}
	len = arch_ftrace_veneer(code, (uintptr_t)p, (uintptr_t)arch_ftrace_caller);
	memcpy(p, code, len);
	/* No thread runs it before a site is enabled: no flush race. */
	if (mprotect(p, page, PROT_READ | PROT_EXEC))
		err = errno == EACCES || errno == EPERM ?
		      veneer_write_proc_mem(p, page, code, len) : -EACCES;
	if (err) {
		munmap(p, page);
		return err;
	}
	arch_flush_icache((uintptr_t)p, page);
	obj->veneer = (uintptr_t)p;
	return 0;
}

/*
 * A page near the object's functions that jumps to the trampoline: the
 * one-instruction call of a site reaches only so far (arm64 BL 128 MiB,
 * x86 rel32 and riscv AUIPC 2 GiB), and the library may be loaded
 * anywhere.  Below the object first: above an executable lies its heap.
 */
static int object_veneer_map(struct ftrace_object *obj)
{
	size_t page = sysconf(_SC_PAGESIZE);
	uintptr_t reach = arch_ftrace_veneer_reach();
	uintptr_t lo = obj->funcs[0].layout.func & ~(uintptr_t)(page - 1);
	uintptr_t hi = (obj->funcs[obj->nr - 1].layout.func + page) & ~(uintptr_t)(page - 1);
	uintptr_t step = reach / 64 & ~(uintptr_t)(page - 1);
	unsigned int i;

	if (hi - lo >= reach)
		return -ERANGE;
	for (i = 1; i < 64; i++) {
		uintptr_t down = lo - i * step, up = hi + (i - 1) * step;

		if (down < lo && !veneer_try(obj, down, page))
			return 0;
		if (up > hi && !veneer_try(obj, up, page))
			return 0;
	}
	return -ERANGE;
}

/* Asked for every function a move initialises: mapped once. */
int ftrace_object_veneer(struct ftrace_object *obj)
{
	return obj->veneer ? 0 : object_veneer_map(obj);
}
