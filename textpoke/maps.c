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
#include <dlfcn.h>
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

/* The load base of the object that contains @addr, or 0. */
static uintptr_t object_base(const void *addr)
{
	Dl_info info;

	if (!dladdr(addr, &info))
		return 0;
	return (uintptr_t)info.dli_fbase;
}

struct denied_objects {
	uintptr_t base[3];
	uintptr_t exe_base;
};

static int exe_base_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = info->dlpi_addr;
	return 1;	/* the first object is the executable */
}

/*
 * libc and liburcu, when they are shared objects of their own.  Linked
 * statically they are part of the executable, which stays patchable.
 */
static void denied_objects_find(struct denied_objects *d)
{
	static const void *const probes[] = {
		(const void *)memcpy,
		(const void *)urcu_bp_synchronize_rcu,
		(const void *)cds_lfht_add_unique,
	};
	size_t i;

	d->exe_base = 0;
	dl_iterate_phdr(exe_base_cb, &d->exe_base);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		d->base[i] = object_base(probes[i]);
		if (d->base[i] == object_base((const void *)tp_poke))
			d->base[i] = 0;
	}
}

static bool map_denied(const struct denied_objects *d, uintptr_t start,
		       uintptr_t end)
{
	size_t i;

	(void)end;
	for (i = 0; i < sizeof(d->base) / sizeof(d->base[0]); i++) {
		uintptr_t base = d->base[i];

		if (!base || base == d->exe_base)
			continue;
		if (object_base((const void *)start) == base)
			return true;
	}
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

static bool in_loaded_object(uintptr_t addr)
{
	Dl_info info;

	return dladdr((const void *)addr, &info) != 0;
}

static int maps_snapshot_take(struct maps_snapshot *snap)
{
	struct denied_objects denied;
	size_t size, cap = 0;
	char *buf = read_self_maps(&size), *line, *save = NULL;

	snap->maps = NULL;
	snap->nr = 0;
	if (!buf)
		return -ENOMEM;
	denied_objects_find(&denied);
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
				maps_snapshot_release(snap);
				return -ENOMEM;
			}
			snap->maps = m;
		}
		m = &snap->maps[snap->nr++];
		m->start = start;
		m->end = end;
		m->prot = parse_prot(perms);
		m->denied = map_denied(&denied, start, end);
		m->in_object = in_loaded_object(start);
	}
	free(buf);
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
