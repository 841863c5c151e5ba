// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which addresses may be patched: the executable mappings of this process
 * as /proc/self/maps shows them at commit time, less textpoke's own text
 * and the text of the libraries the engine runs on (libc, liburcu).  The
 * trap and park handlers execute that code; patching it could trap inside
 * the handler that must resolve the trap.
 *
 * Reading /proc/self/maps costs more than a whole nosync poke (and far
 * more under an emulator), so the view is kept between commits while it
 * is known to be current: the loader's dlopen/dlclose counters have not
 * moved and every site lies in the text of a loaded ELF object.  Other
 * executable mappings (JIT buffers, anonymous pages) can come and go
 * unseen by the loader, and sites there always get a fresh read.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <urcu-bp.h>

#include "internal.h"

/* The library's objects have their .text renamed to this (Makefile). */
extern const char __start_textpoke_text[], __stop_textpoke_text[];

static char *read_self_maps(size_t *size)
{
	size_t cap = 16384, len = 0;
	char *buf = malloc(cap), *bigger;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf)
		goto fail;
	for (;;) {
		if (cap - len < 4096) {
			bigger = realloc(buf, cap * 2);
			if (!bigger)
				goto fail;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*size = len;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/*
 * The loaded ELF objects, as their PT_LOAD segments.  dl_iterate_phdr()
 * takes only the loader's list lock; dladdr() would take the lock that
 * dlopen() and dlclose() hold while they run constructors and
 * destructors, and a constructor may be waiting for a poke (a static key
 * table registering itself) that would then wait for it.
 */
struct segment {
	uintptr_t start, end;
	unsigned int object;		/* 0 is the executable */
};

struct loaded_objects {
	struct segment *seg;
	size_t nr, cap;
	unsigned int objects;
	bool failed;
};

static int collect_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	struct loaded_objects *lo = data;
	unsigned int i;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		struct segment *seg;

		if (ph->p_type != PT_LOAD)
			continue;
		if (lo->nr == lo->cap) {
			size_t cap = lo->cap ? lo->cap * 2 : 64;

			seg = realloc(lo->seg, cap * sizeof(*seg));
			if (!seg) {
				lo->failed = true;
				return 1;
			}
			lo->seg = seg;
			lo->cap = cap;
		}
		seg = &lo->seg[lo->nr++];
		seg->start = info->dlpi_addr + ph->p_vaddr;
		seg->end = seg->start + ph->p_memsz;
		seg->object = lo->objects;
	}
	lo->objects++;
	return 0;
}

static int loaded_objects_collect(struct loaded_objects *lo)
{
	*lo = (struct loaded_objects){ 0 };
	dl_iterate_phdr(collect_segments, lo);
	if (lo->failed) {
		free(lo->seg);
		return -ENOMEM;
	}
	return 0;
}

/* The object whose segment holds @addr, or -1. */
static int object_of(const struct loaded_objects *lo, uintptr_t addr)
{
	size_t i;

	for (i = 0; i < lo->nr; i++)
		if (addr >= lo->seg[i].start && addr < lo->seg[i].end)
			return lo->seg[i].object;
	return -1;
}

struct denied_objects {
	int object[3];
};

/*
 * libc and liburcu, when they are shared objects of their own.  Linked
 * statically they are part of the executable (or of the object textpoke
 * is linked into), which stays patchable.
 */
static void denied_objects_find(const struct loaded_objects *lo,
				struct denied_objects *d)
{
	static const void *const probes[] = {
		(const void *)memcpy,
		(const void *)urcu_bp_synchronize_rcu,
		(const void *)cds_lfht_add_unique,
	};
	int own = object_of(lo, (uintptr_t)tp_poke);
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		d->object[i] = object_of(lo, (uintptr_t)probes[i]);
		if (d->object[i] == own || d->object[i] == 0)
			d->object[i] = -1;
	}
}

static bool map_denied(const struct loaded_objects *lo,
		       const struct denied_objects *d, uintptr_t start)
{
	int object = object_of(lo, start);
	size_t i;

	for (i = 0; i < sizeof(d->object) / sizeof(d->object[0]); i++)
		if (object >= 0 && d->object[i] == object)
			return true;
	return false;
}

static int parse_prot(const char *perms)
{
	return (perms[0] == 'r' ? PROT_READ : 0) |
	       (perms[1] == 'w' ? PROT_WRITE : 0) |
	       (perms[2] == 'x' ? PROT_EXEC : 0);
}

static void maps_snapshot_release(struct maps_snapshot *snap)
{
	free(snap->maps);
	snap->maps = NULL;
	snap->nr = 0;
}

struct dl_counters {
	unsigned long long adds, subs;
};

static int dl_counters_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct dl_counters *c = data;

	if (size < offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
		return -1;
	c->adds = info->dlpi_adds;
	c->subs = info->dlpi_subs;
	return 1;
}

static int maps_snapshot_take(struct maps_snapshot *snap)
{
	struct loaded_objects objects;
	struct denied_objects denied;
	size_t size, cap = 0;
	char *buf, *line, *save = NULL;

	snap->maps = NULL;
	snap->nr = 0;
	if (loaded_objects_collect(&objects))
		return -ENOMEM;
	buf = read_self_maps(&size);
	if (!buf) {
		free(objects.seg);
		return -ENOMEM;
	}
	denied_objects_find(&objects, &denied);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end;
		char perms[5];
		struct exec_map *m;

		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3)
			continue;
		if (perms[2] != 'x')
			continue;
		if (snap->nr == cap) {
			cap = cap ? cap * 2 : 64;
			m = realloc(snap->maps, cap * sizeof(*m));
			if (!m) {
				free(buf);
				free(objects.seg);
				maps_snapshot_release(snap);
				return -ENOMEM;
			}
			snap->maps = m;
		}
		m = &snap->maps[snap->nr++];
		m->start = start;
		m->end = end;
		m->prot = parse_prot(perms);
		m->denied = map_denied(&objects, &denied, start);
		m->in_object = object_of(&objects, start) >= 0;
	}
	free(buf);
	free(objects.seg);
	return 0;
}

static struct maps_snapshot cached;	/* under the text mutex */
static bool cached_valid;

static const struct exec_map *find_map(const struct maps_snapshot *snap,
				       uintptr_t addr)
{
	size_t i;

	for (i = 0; i < snap->nr; i++)
		if (addr >= snap->maps[i].start && addr < snap->maps[i].end)
			return &snap->maps[i];
	return NULL;
}

static bool cache_covers(const struct dl_counters *now, const struct site *sites,
			 size_t nr)
{
	size_t i;

	if (!cached_valid || now->adds != cached.dl_adds || now->subs != cached.dl_subs)
		return false;
	for (i = 0; i < nr; i++) {
		const struct exec_map *m = find_map(&cached, sites[i].addr);

		if (!m || !m->in_object)
			return false;
	}
	return true;
}

/*
 * The executable mappings to check @sites against: the cached view when
 * it is still current for them, else a fresh one.  Under the text mutex.
 */
int maps_for_sites(const struct maps_snapshot **snap, const struct site *sites,
		   size_t nr)
{
	struct dl_counters now = { 0, 0 };
	int err;

	dl_iterate_phdr(dl_counters_cb, &now);
	if (!cache_covers(&now, sites, nr)) {
		maps_snapshot_release(&cached);
		cached_valid = false;
		err = maps_snapshot_take(&cached);
		if (err)
			return err;
		cached.dl_adds = now.adds;
		cached.dl_subs = now.subs;
		cached_valid = true;
	}
	*snap = &cached;
	return 0;
}

/*
 * 0 when [addr, addr + len) lies in one patchable executable mapping;
 * -EFAULT when it is not executable text of this process, -EPERM when it
 * is text the engine itself runs.
 */
int maps_check_range(const struct maps_snapshot *snap, uintptr_t addr,
		     size_t len, const struct exec_map **map)
{
	uintptr_t own_start = (uintptr_t)__start_textpoke_text;
	uintptr_t own_end = (uintptr_t)__stop_textpoke_text;
	const struct exec_map *m;

	if (addr + len < addr)
		return -EFAULT;
	if (addr < own_end && own_start < addr + len)
		return -EPERM;
	m = find_map(snap, addr);
	if (!m || addr + len > m->end)
		return -EFAULT;
	if (m->denied)
		return -EPERM;
	if (map)
		*map = m;
	return 0;
}

/* --- any mapping, for checking tables built at run time ------------------ */

int maps_read_areas(struct mem_area **out, size_t *nr)
{
	struct mem_area *areas = NULL, *a;
	size_t size, cap = 0, n = 0;
	char *buf = read_self_maps(&size), *line, *save = NULL;

	if (!buf)
		return -ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			a = realloc(areas, cap * sizeof(*a));
			if (!a) {
				free(areas);
				free(buf);
				return -ENOMEM;
			}
			areas = a;
		}
		areas[n++] = (struct mem_area){ start, end, parse_prot(perms) };
	}
	free(buf);
	*out = areas;
	*nr = n;
	return 0;
}

/*
 * /proc/self/maps lists mappings in address order, adjacent ones apart:
 * the span runs on through every next one that starts where the last
 * ended and has @prot too.
 */
size_t maps_areas_span(const struct mem_area *areas, size_t nr, uintptr_t addr, int prot)
{
	uintptr_t end = addr;
	size_t i;

	for (i = 0; i < nr && areas[i].start <= end; i++) {
		if (end >= areas[i].end)
			continue;
		if ((areas[i].prot & prot) != prot)
			break;
		end = areas[i].end;
	}
	return end - addr;
}
