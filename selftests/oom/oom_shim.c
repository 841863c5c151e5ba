// SPDX-License-Identifier: GPL-2.0
/*
 * The allocation-failure shim.  The program defines malloc and its
 * relatives, so it comes first in the symbol lookup scope, as a preloaded
 * library would: libc's own allocations (fopen, opendir, strdup,
 * pthread_atfork) and those of liburcu come here too.  It is linked into
 * the test program instead of being preloaded because under
 * AddressSanitizer the sanitizer's runtime must be the first object
 * loaded; the real allocator behind these, found with RTLD_NEXT, is then
 * ASan's.  (ASan's own interceptors of strdup and the like allocate
 * without calling malloc: those few are not counted there.)
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "oom_shim.h"

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

static bool armed, from_then_on, injected;
static unsigned long calls, fail_at;

/*
 * dlsym() may allocate while the real functions are being looked up:
 * those few early blocks come from here, and are never freed for real.
 */
static _Alignas(64) char early[4096];
static size_t early_used;
static int resolving;

static void *early_alloc(size_t size)
{
	size_t at = __atomic_fetch_add(&early_used, (size + 63) & ~(size_t)63,
				       __ATOMIC_RELAXED);

	return at + size <= sizeof(early) ? early + at : NULL;
}

static bool is_early(const void *p)
{
	return (const char *)p >= early && (const char *)p < early + sizeof(early);
}

/*
 * The allocator behind this one: a sanitizer's interceptor when its
 * runtime is linked into the program (clang's ASan: the program's own
 * definitions here replace its weak ones), else the next definition in
 * the lookup scope (libasan.so with gcc, or libc).
 */
static void *real(const char *name)
{
	static const char *const prefixes[] = { "__interceptor_", "___interceptor_" };
	char sym[64];
	size_t i;
	void *fn;

	/* No snprintf: this may run before the sanitizer intercepting it is ready. */
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t plen = strlen(prefixes[i]), nlen = strlen(name);

		if (plen + nlen >= sizeof(sym))
			continue;
		memcpy(sym, prefixes[i], plen);
		memcpy(sym + plen, name, nlen + 1);
		fn = dlsym(RTLD_DEFAULT, sym);
		if (fn)
			return fn;
	}
	return dlsym(RTLD_NEXT, name);
}

static void resolve(void)
{
	if (__atomic_load_n(&real_free, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&resolving, __ATOMIC_ACQUIRE))
		return;
	__atomic_add_fetch(&resolving, 1, __ATOMIC_ACQ_REL);
	real_malloc = real("malloc");
	real_calloc = real("calloc");
	real_realloc = real("realloc");
	real_posix_memalign = real("posix_memalign");
	real_aligned_alloc = real("aligned_alloc");
	real_memalign = real("memalign");
	__atomic_store_n(&real_free, (void (*)(void *))real("free"), __ATOMIC_RELEASE);
	__atomic_sub_fetch(&resolving, 1, __ATOMIC_ACQ_REL);
}

/* Whether this allocation is the one (or one of those) to fail. */
static bool fail_now(void)
{
	unsigned long n;

	if (!__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
		return false;
	n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	if (!fail_at || n < fail_at || (n > fail_at && !from_then_on))
		return false;
	__atomic_store_n(&injected, true, __ATOMIC_RELAXED);
	errno = ENOMEM;
	return true;
}

void oom_arm(unsigned long n, bool persist)
{
	resolve();
	__atomic_store_n(&calls, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&injected, false, __ATOMIC_RELAXED);
	fail_at = n;
	from_then_on = persist;
	__atomic_store_n(&armed, true, __ATOMIC_RELEASE);
}

unsigned long oom_disarm(void)
{
	__atomic_store_n(&armed, false, __ATOMIC_RELEASE);
	return __atomic_load_n(&calls, __ATOMIC_RELAXED);
}

bool oom_injected(void)
{
	return __atomic_load_n(&injected, __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
	if (__atomic_load_n(&resolving, __ATOMIC_ACQUIRE))
		return early_alloc(size);
	resolve();
	return fail_now() ? NULL : real_malloc(size);
}

void *calloc(size_t nmemb, size_t size)
{
	if (__atomic_load_n(&resolving, __ATOMIC_ACQUIRE))
		return size && nmemb > SIZE_MAX / size ? NULL : early_alloc(nmemb * size);
	resolve();
	return fail_now() ? NULL : real_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	void *p;

	resolve();
	if (!is_early(ptr) && real_realloc)
		return fail_now() ? NULL : real_realloc(ptr, size);
	p = malloc(size);
	if (p && is_early(ptr)) {
		size_t left = early + sizeof(early) - (char *)ptr;

		memcpy(p, ptr, size < left ? size : left);
	}
	return p;
}

/* Blocks freed while the real functions are looked up are left alone. */
void free(void *ptr)
{
	if (is_early(ptr))
		return;
	resolve();
	if (real_free)
		real_free(ptr);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	resolve();
	if (!real_posix_memalign || fail_now())
		return ENOMEM;
	return real_posix_memalign(out, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	resolve();
	return !real_aligned_alloc || fail_now() ? NULL : real_aligned_alloc(align, size);
}

void *memalign(size_t align, size_t size)
{
	resolve();
	return !real_memalign || fail_now() ? NULL : real_memalign(align, size);
}
