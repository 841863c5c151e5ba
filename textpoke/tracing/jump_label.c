// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Static keys on the engine: the registry of loaded jump tables, the
 * reference counts of keys, and turning a key change into one batch.
 *
 * Each loaded object registers its __tp_jump_table.  Registration
 * resolves the relative entries once into a private array sorted by key,
 * so a change looks a key up in each object with a binary search instead
 * of writing to the (possibly read-only, possibly shared) table.  The
 * arch layer only says which bytes are a jump and which a NOP at a site;
 * when and how they change is decided here and by the engine.
 */
#define TP_NO_JUMP_TABLE_CONSTRUCTOR
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <textpoke/static_key.h>

#include "../arch.h"
#include "../internal.h"

/* One site of a registered table, resolved to absolute addresses. */
struct jump_site {
	struct tp_static_key *key;
	uintptr_t code;
	uintptr_t target;
	unsigned int len;		/* the same in both states */
	bool branch;			/* jumps when the key is off */
	bool assembled_jump;		/* the bytes the object was built with */
};

/* The table of one loaded object. */
struct jump_module {
	struct jump_module *next;
	const struct tp_jump_entry *start;
	unsigned int users;
	int err;			/* registration failed: see keys_blocked() */
	size_t nr;
	struct jump_site *sites;	/* sorted by key, then address */
};

/*
 * Held for every key change and every (un)registration.  Taken before
 * the engine's text mutex, never after it; the fork handlers keep that
 * order (internal.h).
 */
static pthread_mutex_t jump_label_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct jump_module *modules;
static int fork_handlers_err;

static void fork_prepare(void)
{
	pthread_mutex_lock(&jump_label_mutex);
}

static void fork_release(void)
{
	pthread_mutex_unlock(&jump_label_mutex);
}

/* After the engine's, before any call (internal.h): this mutex is taken first. */
__attribute__((constructor(FORK_HANDLERS_CLIENT)))
static void fork_handlers_register(void)
{
	fork_handlers_err = -pthread_atfork(fork_prepare, fork_release, fork_release);
}

/*
 * A callback of the library must not wait for this mutex: an event
 * callback of a key change holds it already, and one of any other
 * change holds the text mutex, which comes after it.
 */
static int jump_label_lock(void)
{
	if (in_library_callback())
		return -EDEADLK;
	pthread_mutex_lock(&jump_label_mutex);
	return 0;
}

static void jump_label_unlock(void)
{
	pthread_mutex_unlock(&jump_label_mutex);
}

/* --- resolving and checking entries ------------------------------------ */

static uintptr_t entry_field(const void *field, int64_t offset)
{
	return (uintptr_t)field + (uintptr_t)offset;
}

/*
 * Bytes that may be read at @addr to decode one instruction: up to the
 * longest instruction, but not past the code it is in (a site can be the
 * last instruction of a mapping); 0 when @addr is not code at all.
 */
static size_t readable_at(const struct mem_area *areas, size_t nr, uintptr_t addr)
{
	size_t span = maps_areas_span(areas, nr, addr, PROT_READ | PROT_EXEC);

	return span < TP_MAX_INSN_LEN ? span : TP_MAX_INSN_LEN;
}

/* The bytes of @site in the jump or the NOP state; its length or -errno. */
static int site_encode(const struct jump_site *site, bool jump, uint8_t *buf)
{
	if (jump)
		return arch_encode_jump(buf, site->code, site->target, site->len);
	return arch_encode_nop(buf, site->len);
}

/*
 * A word the mappings say is readable.  Not checked by AddressSanitizer:
 * where the word is ASan's own shadow memory (mapped, readable), the
 * shadow of that address is the unmapped gap, and ASan's check of the
 * read would fault where the read itself cannot.
 */
__attribute__((no_sanitize_address))
static uintptr_t read_checked_word(uintptr_t addr)
{
	return *(const volatile uintptr_t *)addr;
}

/*
 * The key of an entry, through its slot, when both are memory a key can
 * be in; NULL otherwise.  A table built at run time may point anywhere.
 */
static struct tp_static_key *entry_key(const struct tp_jump_entry *entry,
				       const struct mem_area *areas, size_t nr)
{
	uintptr_t slot = entry_field(&entry->key,
				     entry->key & ~(int64_t)TP_JUMP_ENTRY_FLAGS);
	struct tp_static_key *key;

	if (slot % sizeof(void *) || maps_areas_span(areas, nr, slot, PROT_READ) < sizeof(key))
		return NULL;
	key = (struct tp_static_key *)read_checked_word(slot);
	if ((uintptr_t)key % _Alignof(struct tp_static_key) ||
	    maps_areas_span(areas, nr, (uintptr_t)key, PROT_READ | PROT_WRITE) < sizeof(*key))
		return NULL;
	return key;
}

/*
 * Resolve one entry and check that the site holds what the entry says it
 * was built as, and that the other state can be encoded in its place.
 * -EILSEQ when the bytes disagree with the table, -EFAULT when the entry
 * points at no key or at no code.
 */
static int site_resolve(const struct tp_jump_entry *entry, struct jump_site *site,
			const struct mem_area *areas, size_t nr)
{
	uint8_t buf[TP_MAX_INSN_LEN];
	struct insn insn;
	size_t avail;
	int err;

	site->code = entry_field(&entry->code, entry->code);
	site->target = entry_field(&entry->target, entry->target);
	site->key = entry_key(entry, areas, nr);
	site->branch = entry->key & TP_JUMP_ENTRY_BRANCH;
	site->assembled_jump = entry->key & TP_JUMP_ENTRY_ASSEMBLED_JUMP;

	avail = readable_at(areas, nr, site->code);
	if (!site->key || !avail)
		return -EFAULT;
	if (arch_insn_decode((const void *)site->code, avail, site->code, &insn) < 0)
		return -EILSEQ;
	if (site->assembled_jump ? insn.kind != INSN_JUMP || insn.target != site->target
				 : insn.kind != INSN_NOP)
		return -EILSEQ;
	site->len = insn.len;

	err = site_encode(site, !site->assembled_jump, buf);
	return err < 0 ? err : 0;
}

static int compare_sites(const void *a, const void *b)
{
	const struct jump_site *x = a, *y = b;

	if (x->key != y->key)
		return (uintptr_t)x->key < (uintptr_t)y->key ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return 0;
}

/* The first site of @key in @module, or the end of its array. */
static const struct jump_site *key_sites(const struct jump_module *module,
					 const struct tp_static_key *key)
{
	size_t lo = 0, hi = module->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)module->sites[mid].key < (uintptr_t)key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return module->sites + lo;
}

static bool module_has_key(const struct jump_module *module,
			   const struct tp_static_key *key)
{
	const struct jump_site *site = key_sites(module, key);

	return site < module->sites + module->nr && site->key == key;
}

static bool site_jumps(const struct jump_site *site, bool key_on)
{
	return key_on != site->branch;
}

/* Queue @site's change from the @was_jump state to the other one. */
static int batch_add_site(struct tp_batch *batch, const struct jump_site *site,
			  bool was_jump)
{
	uint8_t old[TP_MAX_INSN_LEN], new[TP_MAX_INSN_LEN];
	int err;

	err = site_encode(site, was_jump, old);
	if (err >= 0)
		err = site_encode(site, !was_jump, new);
	if (err < 0)
		return err;
	return tp_batch_add(batch, (void *)site->code, old, new, site->len);
}

/* Commit @batch if it has anything to do.  Frees it. */
static int batch_finish(struct tp_batch *batch, bool empty, int err)
{
	if (!err && !empty)
		err = tp_batch_commit(batch, TP_BACKEND_AUTO);
	tp_batch_free(batch);
	return err;
}

/* --- registration ------------------------------------------------------ */

static struct jump_module *module_find(const struct tp_jump_entry *start)
{
	struct jump_module *module;

	for (module = modules; module; module = module->next)
		if (module->start == start)
			return module;
	return NULL;
}

/*
 * Resolve and sort every entry.  A site its entry misdescribes makes the
 * table broken (-EILSEQ), but every entry is still resolved and sorted so
 * that the keys it blocks are known.
 */
static int module_resolve(struct jump_module *module, size_t entries,
			  const struct mem_area *areas, size_t nr)
{
	size_t i;
	int err = 0;

	module->nr = entries;
	module->sites = calloc(module->nr ? module->nr : 1, sizeof(*module->sites));
	if (!module->sites)
		return -ENOMEM;
	for (i = 0; i < module->nr; i++) {
		int bad = site_resolve(module->start + i, module->sites + i, areas, nr);

		if (!err)
			err = bad;
	}
	qsort(module->sites, module->nr, sizeof(*module->sites), compare_sites);
	return err;
}

/*
 * The number of entries in [@start, @stop), or -EINVAL where no table can
 * be: NULL, misaligned, reversed, or not a whole number of entries.
 * Computed on the addresses, so that no pointer arithmetic is made on
 * what may not be an array.
 */
static ssize_t table_entries(const struct tp_jump_entry *start,
			     const struct tp_jump_entry *stop)
{
	uintptr_t first = (uintptr_t)start, end = (uintptr_t)stop;

	if (!start || !stop || end < first)
		return -EINVAL;
	if (first % _Alignof(struct tp_jump_entry) ||
	    (end - first) % sizeof(struct tp_jump_entry))
		return -EINVAL;
	return (end - first) / sizeof(struct tp_jump_entry);
}

/*
 * Keys may change before an object that uses them is loaded: bring each
 * site whose key is not in the state the object was built for to the
 * key's current state, in one batch.
 */
static int module_sync_keys(const struct jump_module *module)
{
	struct tp_batch *batch = tp_batch_new();
	bool empty = true;
	size_t i;
	int err = 0;

	if (!batch)
		return -ENOMEM;
	for (i = 0; i < module->nr && !err; i++) {
		const struct jump_site *site = module->sites + i;
		bool on = __tp_static_key_enabled(site->key);

		if (site_jumps(site, on) == site->assembled_jump)
			continue;
		err = batch_add_site(batch, site, site->assembled_jump);
		empty = false;
	}
	return batch_finish(batch, empty, err);
}

/*
 * A new table: -EFAULT, and not registered, unless all of it is readable
 * memory (nothing of it is read before); then resolved against the same
 * view of the mappings, and registered even if broken, but for -ENOMEM,
 * met before anything was written: then no key is blocked by it.
 */
static int module_add(const struct tp_jump_entry *start, size_t entries)
{
	struct jump_module *module;
	struct mem_area *areas;
	size_t nr;
	int err = fork_handlers_err;

	if (!err)
		err = maps_read_areas(&areas, &nr);
	if (err)
		return err;
	if (entries && maps_areas_span(areas, nr, (uintptr_t)start, PROT_READ) <
		       entries * sizeof(*start)) {
		free(areas);
		return -EFAULT;
	}
	module = calloc(1, sizeof(*module));
	if (!module) {
		free(areas);
		return -ENOMEM;
	}
	module->start = start;
	module->users = 1;
	err = module_resolve(module, entries, areas, nr);
	free(areas);
	if (!err)
		err = module_sync_keys(module);
	if (err == -ENOMEM) {
		free(module->sites);
		free(module);
		return err;
	}
	module->err = err;
	module->next = modules;
	modules = module;
	return err;
}

int tp_jump_table_register(const struct tp_jump_entry *start,
			   const struct tp_jump_entry *stop)
{
	struct jump_module *module;
	ssize_t entries = table_entries(start, stop);
	int err;

	if (entries < 0)
		return entries;

	err = jump_label_lock();
	if (err)
		return err;
	module = module_find(start);
	if (module) {
		module->users++;
		err = module->err;
	} else {
		err = module_add(start, entries);
	}
	jump_label_unlock();
	return err;
}

int tp_jump_table_unregister(const struct tp_jump_entry *start)
{
	struct jump_module **link, *module;
	int err = jump_label_lock();

	if (err)
		return err;
	for (link = &modules; (module = *link); link = &module->next) {
		if (module->start != start)
			continue;
		if (--module->users == 0) {
			*link = module->next;
			free(module->sites);
			free(module);
		}
		break;
	}
	jump_label_unlock();
	return 0;
}

/* --- changing a key ---------------------------------------------------- */

/*
 * A table that failed to register cannot say whether its sites of @key
 * are in the state the key claims: changing the key could leave them
 * inconsistent, so the change is refused with the registration's error.
 */
static int keys_blocked(const struct tp_static_key *key)
{
	const struct jump_module *module;

	for (module = modules; module; module = module->next)
		if (module->err && (!module->sites || module_has_key(module, key)))
			return module->err;
	return 0;
}

/* Rewrite every site of @key, in every object, for the state @on. */
static int key_update(struct tp_static_key *key, bool on)
{
	const struct jump_module *module;
	struct tp_batch *batch;
	bool empty = true;
	int err = fork_handlers_err ?: keys_blocked(key);

	if (err)
		return err;
	batch = tp_batch_new();
	if (!batch)
		return -ENOMEM;
	for (module = modules; module && !err; module = module->next) {
		const struct jump_site *site = key_sites(module, key);
		const struct jump_site *end = module->sites + module->nr;

		for (; site < end && site->key == key && !err; site++) {
			err = batch_add_site(batch, site, site_jumps(site, !on));
			empty = false;
		}
	}
	return batch_finish(batch, empty, err);
}

static int count_load(const struct tp_static_key *key)
{
	return __atomic_load_n(&key->enabled, __ATOMIC_ACQUIRE);
}

/* Replace the count @old by @new unless another thread changed it. */
static bool count_swap(struct tp_static_key *key, int *old, int new)
{
	return __atomic_compare_exchange_n(&key->enabled, old, new, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * Add @delta (+1 or -1) to the count as long as it stays above @floor
 * and below INT_MAX: the changes that touch no site, which need no mutex.
 * Returns 0 when done, -EOVERFLOW at INT_MAX, 1 when the caller must take
 * the slow path.
 */
static int count_add_above(struct tp_static_key *key, int delta, int floor)
{
	int count = count_load(key);

	for (;;) {
		if (delta > 0 && count == INT_MAX)
			return -EOVERFLOW;
		if (count + delta <= floor)
			return 1;
		if (count_swap(key, &count, count + delta))
			return 0;
	}
}

/* Turn the key on from a count of zero; the mutex is held. */
static int key_turn_on(struct tp_static_key *key)
{
	int err = key_update(key, true);

	if (!err)
		__atomic_store_n(&key->enabled, 1, __ATOMIC_RELEASE);
	return err;
}

/*
 * Turn the key off from a count of one; the mutex is held.  The count
 * drops first so that a concurrent slow_inc, which only trusts counts
 * above zero, waits for the mutex instead of counting on a key that is
 * being turned off.
 */
static int key_turn_off(struct tp_static_key *key)
{
	int one = 1;
	int err;

	if (!count_swap(key, &one, 0))
		return 1;
	err = key_update(key, false);
	if (err)
		__atomic_store_n(&key->enabled, 1, __ATOMIC_RELEASE);
	return err;
}

int (tp_static_key_slow_inc)(struct tp_static_key *key)
{
	int err;

	if (!key)
		return -EINVAL;
	if (in_library_callback())	/* even where no site would change */
		return -EDEADLK;
	err = count_add_above(key, 1, 1);
	if (err <= 0)
		return err;

	err = jump_label_lock();
	if (err)
		return err;
	err = count_add_above(key, 1, 1);
	if (err > 0)
		err = key_turn_on(key);
	jump_label_unlock();
	return err;
}

int (tp_static_key_slow_dec)(struct tp_static_key *key)
{
	int err;

	if (!key)
		return -EINVAL;
	if (in_library_callback())
		return -EDEADLK;
	err = count_add_above(key, -1, 0);
	if (err <= 0)
		return err;

	err = jump_label_lock();
	if (err)
		return err;
	do {
		if (count_load(key) <= 0)
			err = -EINVAL;
		else
			err = key_turn_off(key);
		/* A concurrent slow_inc raised the count: drop one without the sites. */
		if (err > 0)
			err = count_add_above(key, -1, 0);
	} while (err > 0);
	jump_label_unlock();
	return err;
}

int (tp_static_key_enable)(struct tp_static_key *key)
{
	int err;

	if (!key)
		return -EINVAL;
	err = jump_label_lock();
	if (err)
		return err;
	if (count_load(key) <= 0)
		err = key_turn_on(key);
	jump_label_unlock();
	return err;
}

int (tp_static_key_disable)(struct tp_static_key *key)
{
	int err;

	if (!key)
		return -EINVAL;
	err = jump_label_lock();
	if (err)
		return err;
	if (count_load(key) > 0)
		err = key_turn_off(key);
	if (err > 0)
		err = -EBUSY;
	jump_label_unlock();
	return err;
}
