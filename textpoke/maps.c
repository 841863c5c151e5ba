// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which addresses may be patched: the executable mappings of this process
 * as /proc/self/maps shows them at commit time, less textpoke's own text
 * and the text of the code the engine runs on (libc, liburcu, the dynamic
 * linker, a sanitizer's runtime).  The trap and park handlers execute that
 * code; patching it could trap inside the handler that must resolve the
 * trap.
 *
 * Reading /proc/self/maps costs more than a whole nosync poke (and far
 * more under an emulator), so the view is kept between commits while it
 * is known to be current: the loader's dlopen/dlclose counters have not
 * moved, every site lies in the text of a loaded ELF object, and the
 * kernel still maps every byte of every site with the cached protection:
 * the application may have unmapped its text or changed its protection
 * since, which the loader never sees.  That last check asks the kernel
 * about the one mapping at an address (PROCMAP_QUERY, Linux 6.11); where
 * it cannot be asked (older kernels, user-mode emulators), every commit
 * reads /proc/self/maps again, though without classifying its mappings
 * again.  Other executable mappings (JIT buffers, anonymous pages) always
 * get a fresh view.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <urcu-bp.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "internal.h"

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

#define DENIED_PROBES	6

struct denied_objects {
	int object[DENIED_PROBES];
};

/*
 * The code the trap and park handlers run, where it is a shared object
 * of its own, each found by an address that only it holds:
 *  - libc, by gnu_get_libc_version(), which no sanitizer intercepts: one
 *    replaces memcpy, raise, signal..., and those then resolve to its
 *    runtime, not to libc;
 *  - whatever the library's own calls of memcpy and raise resolve to:
 *    libc, or that runtime, which the handlers then run too;
 *  - liburcu-bp and liburcu-cds;
 *  - the dynamic linker (AT_BASE): the lazy binding of a handler's first
 *    call, the TLS of liburcu-bp's readers.
 * Linked statically, libc and liburcu are part of the executable (or of
 * the object textpoke is linked into), which stays patchable.
 */
static void denied_objects_find(const struct loaded_objects *lo,
				struct denied_objects *d)
{
	const uintptr_t probes[DENIED_PROBES] = {
#ifdef __GLIBC__
		(uintptr_t)gnu_get_libc_version,
#endif
		(uintptr_t)memcpy,
		(uintptr_t)raise,
		(uintptr_t)urcu_bp_synchronize_rcu,
		(uintptr_t)cds_lfht_add_unique,
		(uintptr_t)getauxval(AT_BASE),
	};
	int own = object_of(lo, (uintptr_t)tp_poke);
	size_t i;

	for (i = 0; i < DENIED_PROBES; i++) {
		d->object[i] = probes[i] ? object_of(lo, probes[i]) : -1;
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

static const char *parse_hex(const char *p, uintptr_t *out)
{
	const char *first = p;
	uintptr_t v = 0;

	for (;; p++) {
		if (*p >= '0' && *p <= '9')
			v = v << 4 | (uintptr_t)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			v = v << 4 | (uintptr_t)(*p - 'a' + 10);
		else
			break;
	}
	*out = v;
	return p == first ? NULL : p;
}

/*
 * The mapping a line of /proc/self/maps describes ("start-end rwxp ...");
 * false for a line of any other shape.  By hand: sscanf() costs more than
 * the kernel's generating the file, and far more under an emulator.
 */
static bool parse_area(const char *line, struct mem_area *a)
{
	const char *p = parse_hex(line, &a->start);

	if (!p || *p++ != '-')
		return false;
	p = parse_hex(p, &a->end);
	if (!p || *p++ != ' ' || !p[0] || !p[1] || !p[2])
		return false;
	a->prot = parse_prot(p);
	return true;
}

static const char *next_line(const char *line)
{
	const char *nl = strchr(line, '\n');

	return nl && nl[1] ? nl + 1 : NULL;
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
	const char *line;
	char *buf;

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
	for (line = buf; line; line = next_line(line)) {
		struct mem_area a;
		struct exec_map *m;

		if (!parse_area(line, &a) || !(a.prot & PROT_EXEC))
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
		m->start = a.start;
		m->end = a.end;
		m->prot = a.prot;
		m->denied = map_denied(&objects, &denied, a.start);
		m->in_object = object_of(&objects, a.start) >= 0;
	}
	free(buf);
	free(objects.seg);
	return 0;
}

static struct maps_snapshot cached;	/* under the text mutex */
static bool cached_valid;
unsigned long tp_stat_maps_reads;

/* --- the kernel's mapping at one address --------------------------------- */

/*
 * ioctl(PROCMAP_QUERY) on /proc/self/maps (Linux 6.11): the mapping that
 * covers an address, without generating the whole file.  The UAPI
 * layout, declared here for headers older than the kernel.
 */
struct vma_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start, vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	uint32_t vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};

#define VMA_QUERY		_IOWR('f', 17, struct vma_query)
#define VMA_QUERY_READABLE	0x1
#define VMA_QUERY_WRITABLE	0x2
#define VMA_QUERY_EXECUTABLE	0x4

/*
 * Kept open between commits (a query then costs one system call), under
 * the text mutex.  The application may close it or reuse its number: a
 * query that fails on it forgets it without closing it, and a fresh one
 * is opened.  A child forgets the parent's (maps_after_fork_child()).
 */
static int query_fd = -1;
static bool query_unsupported;

/* 1 and *@m: the mapping at @addr; 0: none; -1 and errno: no answer. */
static int vma_query_fd(int fd, uintptr_t addr, struct exec_map *m)
{
	struct vma_query q;

	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = addr;
	if (ioctl(fd, VMA_QUERY, &q)) {
		if (errno == ENOENT)
			return 0;
		return -1;
	}
	m->start = q.vma_start;
	m->end = q.vma_end;
	m->prot = (q.vma_flags & VMA_QUERY_READABLE ? PROT_READ : 0) |
		  (q.vma_flags & VMA_QUERY_WRITABLE ? PROT_WRITE : 0) |
		  (q.vma_flags & VMA_QUERY_EXECUTABLE ? PROT_EXEC : 0);
	return 1;
}

/* As vma_query_fd(), on our descriptor; -ENOTSUP where it cannot be asked. */
static int vma_query(uintptr_t addr, struct exec_map *m)
{
	int ret, fd;

	if (query_fd >= 0) {
		ret = vma_query_fd(query_fd, addr, m);
		if (ret >= 0)
			return ret;
		query_fd = -1;		/* no longer ours: not ours to close */
	}
	if (query_unsupported)
		return -ENOTSUP;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOTSUP;
	ret = vma_query_fd(fd, addr, m);
	if (ret < 0) {
		/* ENOTTY, EINVAL: an older kernel; ENOSYS: an emulator. */
		query_unsupported = true;
		close(fd);
		return -ENOTSUP;
	}
	query_fd = fd;
	return ret;
}

void maps_after_fork_child(void)
{
	if (query_fd >= 0)
		close(query_fd);
	query_fd = -1;
}

/* The mapping that holds @addr; /proc/self/maps lists them in address order. */
static const struct exec_map *find_map(const struct maps_snapshot *snap,
				       uintptr_t addr)
{
	size_t lo = 0, hi = snap->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < snap->maps[mid].start)
			hi = mid;
		else if (addr >= snap->maps[mid].end)
			lo = mid + 1;
		else
			return &snap->maps[mid];
	}
	return NULL;
}

/*
 * The kernel's mappings now, asked about one address at a time: one ioctl
 * per mapping, the last answer reused while the addresses stay in it; or,
 * where the kernel cannot be asked, /proc/self/maps read once.
 */
struct maps_now {
	struct exec_map last;		/* the mapping last asked about */
	bool have_last;
	struct mem_area *areas;		/* every mapping, when read */
	size_t nr;
};

static int area_at(struct maps_now *now, uintptr_t addr, struct exec_map *out)
{
	size_t lo = 0, hi;

	if (!now->areas) {
		__atomic_add_fetch(&tp_stat_maps_reads, 1, __ATOMIC_RELAXED);
		if (maps_read_areas(&now->areas, &now->nr))
			return -ENOMEM;
	}
	for (hi = now->nr; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < now->areas[mid].start) {
			hi = mid;
		} else if (addr >= now->areas[mid].end) {
			lo = mid + 1;
		} else {
			out->start = now->areas[mid].start;
			out->end = now->areas[mid].end;
			out->prot = now->areas[mid].prot;
			return 1;
		}
	}
	return 0;
}

/* 1 and *@out: the mapping that holds @addr now; 0: none; < 0: no answer. */
static int mapping_now(struct maps_now *now, uintptr_t addr, struct exec_map *out)
{
	int ret;

	if (now->have_last && addr >= now->last.start && addr < now->last.end) {
		*out = now->last;
		return 1;
	}
	ret = vma_query(addr, out);
	if (ret == -ENOTSUP)
		ret = area_at(now, addr, out);
	if (ret == 1) {
		now->last = *out;
		now->have_last = true;
	}
	return ret;
}

/*
 * Whether every byte of [@addr, @addr + @len) is mapped now with exactly
 * @prot.  Only the protection of the bytes counts, not where the kernel
 * splits its mappings: an mprotect of a neighbouring page splits them, and
 * under an emulator the boundaries it shows move with its own bookkeeping.
 */
static bool mapped_now_with(struct maps_now *now, uintptr_t addr, size_t len, int prot)
{
	uintptr_t end = addr + len;
	struct exec_map m;

	while (addr < end) {
		if (mapping_now(now, addr, &m) != 1 || m.prot != prot)
			return false;
		addr = m.end;
	}
	return true;
}

/*
 * Ranges checked against the cached view, a run of them in one cached
 * mapping at a time: the run is checked as one range from its lowest
 * byte to its highest, which asks for at least what each range's own
 * check would.
 */
struct cover_walk {
	struct maps_now now;
	const struct exec_map *m;	/* the run's mapping; NULL before the first */
	uintptr_t start, end;		/* the run */
	bool covered;
};

static void cover_run_end(struct cover_walk *cw)
{
	if (cw->covered && cw->m)
		cw->covered = mapped_now_with(&cw->now, cw->start, cw->end - cw->start,
					      cw->m->prot);
}

static void cover_range(struct cover_walk *cw, uintptr_t start, size_t len)
{
	uintptr_t end = start + len;
	const struct exec_map *m = cw->m;

	if (!cw->covered)
		return;
	if (m && start >= m->start && end <= m->end && end > start) {
		cw->start = start < cw->start ? start : cw->start;
		cw->end = end > cw->end ? end : cw->end;
		return;
	}
	cover_run_end(cw);
	m = find_map(&cached, start);
	cw->covered = cw->covered && m && m->in_object && end <= m->end && end > start;
	cw->m = m;
	cw->start = start;
	cw->end = end;
}

/* cover_range(), its common case inline: the range in the run's mapping. */
static inline void cover_next(struct cover_walk *cw, uintptr_t start, size_t len)
{
	uintptr_t end = start + len;
	const struct exec_map *m = cw->m;

	if (m && start >= m->start && end <= m->end && end > start) {
		cw->start = start < cw->start ? start : cw->start;
		cw->end = end > cw->end ? end : cw->end;
		return;
	}
	cover_range(cw, start, len);
}

/*
 * The cached view may be trusted for @sites and @words: nothing was
 * loaded or unloaded since it was taken, each lies in the text of a
 * loaded object as cached, and the kernel maps every byte of each now
 * with the protection cached (the application may have unmapped it or
 * changed its protection since).
 */
static bool cache_covers(const struct dl_counters *dl, const struct insn_ranges *sites,
			 const struct word *words, size_t nr_words)
{
	struct cover_walk cw = { .now = { .have_last = false }, .covered = true };
	size_t i, nr = ranges_nr(sites);

	if (!cached_valid || dl->adds != cached.dl_adds || dl->subs != cached.dl_subs)
		return false;
	for (i = 0; i < nr; i++)
		cover_next(&cw, range_addr(sites, i), range_len(sites, i));
	for (i = 0; i < nr_words; i++)
		cover_next(&cw, words[i].addr, sizeof(words[i].new));
	cover_run_end(&cw);
	free(cw.now.areas);
	return cw.covered;
}

/*
 * The executable mappings to check @sites against: the cached view when
 * it is still current for them, else a fresh one.  Under the text mutex.
 */
int maps_for_sites(const struct maps_snapshot **snap, const struct insn_ranges *sites,
		   const struct word *words, size_t nr_words)
{
	struct dl_counters now = { 0, 0 };
	int err;

	dl_iterate_phdr(dl_counters_cb, &now);
	if (!cache_covers(&now, sites, words, nr_words)) {
		maps_snapshot_release(&cached);
		cached_valid = false;
		__atomic_add_fetch(&tp_stat_maps_reads, 1, __ATOMIC_RELAXED);
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
	const struct exec_map *m;

	if (addr + len < addr)
		return -EFAULT;
	if (maps_is_own_text(addr, len))
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

/*
 * The same for the next site of a walk over sites in address order,
 * @*map the mapping of the site before (NULL at first): a site inside it
 * needs no search, so a run of sites in one mapping costs one.  The
 * engine's own text may share the mapping (a static link).
 */
int maps_check_next(const struct maps_snapshot *snap, uintptr_t addr,
		    size_t len, const struct exec_map **map)
{
	uintptr_t own_start = (uintptr_t)__start_textpoke_text;
	uintptr_t own_end = (uintptr_t)__stop_textpoke_text;
	const struct exec_map *m = *map;

	if (m && addr >= m->start && addr + len >= addr && addr + len <= m->end)
		return addr < own_end && own_start < addr + len ? -EPERM : 0;
	return maps_check_range(snap, addr, len, map);
}

/* Whether the engine's own text lies (partly) in @m. */
bool maps_has_own_text(const struct exec_map *m)
{
	return maps_is_own_text(m->start, m->end - m->start);
}

/* --- any mapping, for checking tables built at run time ------------------ */

int maps_read_areas(struct mem_area **out, size_t *nr)
{
	struct mem_area *areas = NULL, *a;
	size_t size, cap = 0, n = 0;
	char *buf = read_self_maps(&size);
	const char *line;

	if (!buf)
		return -ENOMEM;
	for (line = buf; line; line = next_line(line)) {
		struct mem_area area;

		if (!parse_area(line, &area))
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
		areas[n++] = area;
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
