// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls into shared objects (libc's puts(), a library's function),
 * traced where the caller looks their address up: its GOT slot of the
 * PLT.  The callee's text is never written (the library refuses to patch
 * an object not built with its flags); instead each slot of a traced
 * caller is pointed at a stub of its own, in an executable page the
 * agent maps, that enters agent_plt_entry (arch/<arch>/plt_entry.S)
 * with the slot in hand.  agent_plt_enter() records the entry, swaps
 * the caller's return address for agent_plt_return and says where the
 * call goes; agent_plt_exit() records the return and gives the address
 * back.  A per-thread stack of the swapped return addresses, tagged with
 * the caller's stack pointer, matches each return with its call.
 *
 * An unwinder that meets agent_plt_return cannot go further (its frame
 * information says so: the return address is in the thread's stack, out
 * of the unwinder's reach).  So the agent comes before the unwinder's
 * _Unwind_RaiseException() (a C++ throw) and libc's pthread_exit(): the
 * thread's swapped return addresses are put back where they were, their
 * calls recorded as returned, before the unwinding starts.
 *
 * The callers are the program and every object with patchable function
 * entries (built with the library's flags), as uftrace traces the calls
 * of the objects it traces.  A slot is recorded under its GOT slot's
 * address, which tp-record's symbol files name after the slot's symbol.
 *
 * Lazy binding: a slot that has not been called yet holds the address of
 * the PLT's resolver stub, which the stub calls like any other target.
 * The resolver then writes the function's address over the slot (over
 * the stub's address): when that call returns, the slot is read, the
 * function's address kept as the slot's target and the stub put back.
 * Calls that other threads make in between go straight to the function
 * and are not seen.  With BIND_NOW and RELRO the GOT is read-only: it is
 * made writable for the stores and read-only again.  Every store to a
 * slot is one aligned word, atomic for the threads calling through it.
 */
#include <elf.h>
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_internal.h"
#include "plt.h"

#define PLT_FRAMES	256	/* calls through the PLT open in one thread */
#define PAGE		4096ul

struct plt_slot {
	uintptr_t *got;			/* the caller's GOT slot: first, the arch reads it */
	uintptr_t arch_word;		/* second: plt_arch_slot_word()'s */
	uintptr_t target;		/* where a call goes: resolver stub or function */
	uintptr_t first;		/* what the slot held when hooked */
	uintptr_t stub;			/* this slot's stub */
	bool settled;			/* target is the function: no resolver on the way */
	unsigned int pending;		/* unbound, called with no return to look
					   (a word: riscv64 has no byte CAS) */
	bool unhooked;			/* the slot is the program's again */
};

struct plt_object {
	struct plt_object *next;
	uintptr_t base;			/* load bias */
	uintptr_t start, end;		/* its loaded segments */
	uintptr_t relro_start, relro_end;	/* read-only after relocation */
	const ElfW(Phdr) *phdr;		/* its program headers, in memory */
	int phnum;
	char *path;			/* "" for the program */
	struct plt_slot *slots;
	size_t nr;
	long hooked;			/* of the slots */
	int flags;			/* built with the flags: 1, 0, -1 not known yet */
	bool program;
	bool fresh;			/* found by the last scan, not looked at yet */
	bool seen;			/* loaded at the last scan */
};

struct plt_frame {
	struct plt_slot *slot;
	uintptr_t *ret_loc;		/* where it was swapped */
	uintptr_t ret;			/* the caller's return address */
	uintptr_t sp;			/* the caller's stack pointer after the return */
	uint64_t calltime;
	bool recorded;
	bool lazy;			/* the call may have gone through the resolver */
};

struct plt_thread {
	unsigned int sp;
	bool busy;			/* in the code below: a signal's calls go by */
	struct plt_frame frames[PLT_FRAMES];
};

static struct plt_object *objects;
static long nr_hooked;
static unsigned int nr_pending;	/* slots pending */
static bool plt_on;
static __thread struct plt_thread *plt_self __attribute__((tls_model("initial-exec")));

/*
 * Functions whose call must not come back through a stub: they return
 * twice (setjmp, vfork), never return where they were called from
 * (longjmp, setcontext), or unwind through their callers' frames.
 */
static const char *const never[] = {
	"setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "savectx", "vfork", "__vfork",
	"longjmp", "_longjmp", "siglongjmp", "__longjmp_chk", "getcontext", "setcontext",
	"swapcontext", "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume",
	"_Unwind_RaiseException", "_Unwind_Resume_or_Rethrow", "_Unwind_ForcedUnwind",
	"__tls_get_addr", "__gmon_start__", "__libc_start_main", "mcount", "_mcount", "__fentry__",
	"__cyg_profile_func_enter", "__cyg_profile_func_exit",
};

static bool in_list(const char *globs, const char *name)
{
	const char *p = globs;
	char glob[512];

	while (p && *p) {
		size_t len = strcspn(p, ",");

		if (len && len < sizeof(glob)) {
			memcpy(glob, p, len);
			glob[len] = '\0';
			if (!fnmatch(glob, name, 0))
				return true;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Does the file at @path have patchable function entries? */
static bool built_with_flags(const char *path)
{
	static const char want[] = "__patchable_function_entries";
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh, *names;
	struct stat st;
	uint8_t *data;
	bool found = false;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return false;
	}
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (data == MAP_FAILED)
		return false;
	eh = (const void *)data;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum || eh->e_shoff > (uint64_t)st.st_size ||
	    (uint64_t)eh->e_shnum * sizeof(*sh) > st.st_size - eh->e_shoff)
		goto out;
	sh = (const void *)(data + eh->e_shoff);
	names = &sh[eh->e_shstrndx];
	if (names->sh_offset > (uint64_t)st.st_size ||
	    names->sh_size > st.st_size - names->sh_offset)
		goto out;
	for (unsigned int i = 0; i < eh->e_shnum && !found; i++)
		found = sh[i].sh_name < names->sh_size &&
			names->sh_size - sh[i].sh_name >= sizeof(want) &&
			!memcmp(data + names->sh_offset + sh[i].sh_name, want, sizeof(want));
out:
	munmap(data, st.st_size);
	return found;
}

/* Is @o built with the flags?  Read from its file once. */
static bool has_flags(struct plt_object *o)
{
	if (o->flags < 0)
		o->flags = built_with_flags(o->program ? "/proc/self/exe" : o->path);
	return o->flags > 0;
}

static bool in_object(const struct plt_object *o, uintptr_t addr, size_t len)
{
	return addr >= o->start && addr + len <= o->end;
}

/*
 * Is the function @name that the program's scope finds defined in an
 * object built with the flags, where the library traces it?  Not under
 * dl_iterate_phdr(): dlsym() takes the loader's other lock.
 */
static bool defined_with_flags(const char *name)
{
	uintptr_t addr = (uintptr_t)dlsym(RTLD_DEFAULT, name);
	struct plt_object *o;

	if (!addr)
		return false;
	for (o = objects; o; o = o->next)
		if (in_object(o, addr, 1))
			return (o->program || o->path[0] == '/') && has_flags(o);
	return false;
}

static const char *filter_globs, *notrace_globs;
static bool filter_set;

void plt_set_filter(const char *filter, const char *notrace)
{
	filter_globs = filter;
	notrace_globs = notrace;
	filter_set = true;
}

static bool slot_wanted(const char *name)
{
	const char *filter = filter_set ? filter_globs : agent_config.filter;
	const char *notrace = filter_set ? notrace_globs : agent_config.notrace;
	size_t i;

	if (!*name)
		return false;
	for (i = 0; i < sizeof(never) / sizeof(*never); i++)
		if (!strcmp(name, never[i]))
			return false;
	if (filter && !in_list(filter, name))
		return false;
	if (notrace && in_list(notrace, name))
		return false;
	/* a function the library traces is recorded at its entry already */
	return !defined_with_flags(name);
}

/* What the dynamic section says of the PLT's relocations. */
struct dyn_info {
	uintptr_t pltgot;
	const ElfW(Rela) *jmprel;
	size_t pltrelsz;
	const ElfW(Sym) *symtab;
	const char *strtab;
	size_t strsz;
	uintptr_t relro_start, relro_end;
};

/* Some loaders leave the dynamic section's addresses unrelocated. */
static uintptr_t dyn_addr(uintptr_t base, uintptr_t value)
{
	return value < base ? base + value : value;
}

static bool read_dynamic(const struct dl_phdr_info *info, struct dyn_info *d)
{
	const ElfW(Dyn) *dyn = NULL;
	bool rela = false;

	memset(d, 0, sizeof(*d));
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_DYNAMIC)
			dyn = (const void *)(info->dlpi_addr + ph->p_vaddr);
		if (ph->p_type == PT_GNU_RELRO) {
			d->relro_start = info->dlpi_addr + ph->p_vaddr;
			d->relro_end = d->relro_start + ph->p_memsz;
		}
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t v = dyn->d_un.d_ptr;

		switch (dyn->d_tag) {
		case DT_JMPREL:
			d->jmprel = (const void *)dyn_addr(info->dlpi_addr, v);
			break;
		case DT_PLTGOT:
			d->pltgot = dyn_addr(info->dlpi_addr, v);
			break;
		case DT_PLTRELSZ:
			d->pltrelsz = dyn->d_un.d_val;
			break;
		case DT_PLTREL:
			rela = dyn->d_un.d_val == DT_RELA;
			break;
		case DT_SYMTAB:
			d->symtab = (const void *)dyn_addr(info->dlpi_addr, v);
			break;
		case DT_STRTAB:
			d->strtab = (const void *)dyn_addr(info->dlpi_addr, v);
			break;
		case DT_STRSZ:
			d->strsz = dyn->d_un.d_val;
			break;
		}
	}
	return rela && d->jmprel && d->pltrelsz && d->symtab && d->strtab && d->strsz;
}

/*
 * Store @value into @got if it holds @expect (else -EAGAIN), making a
 * read-only GOT writable around it.
 */
static int got_store(const struct plt_object *o, uintptr_t *got, uintptr_t expect,
		     uintptr_t value)
{
	uintptr_t page = (uintptr_t)got & ~(PAGE - 1);
	/* the loader makes read-only the whole pages of RELRO, no more */
	bool relro = page >= (o->relro_start & ~(PAGE - 1)) &&
		     page < (o->relro_end & ~(PAGE - 1));
	bool stored;

	if (relro && mprotect((void *)page, PAGE, PROT_READ | PROT_WRITE))
		return -errno;
	stored = __atomic_compare_exchange_n(got, &expect, value, false, __ATOMIC_RELEASE,
					     __ATOMIC_RELAXED);
	if (relro)
		mprotect((void *)page, PAGE, PROT_READ);
	return stored ? 0 : -EAGAIN;
}

/* The stubs of @o's slots, in a page of their own, then the GOT pointed at them. */
static int hook_slots(struct plt_object *o)
{
	size_t len = (o->nr * PLT_STUB_SIZE + PAGE - 1) & ~(PAGE - 1);
	uint8_t *page;
	size_t i;
	int err = 0;

	for (i = 0; i < o->nr; i++)
		o->slots[i].unhooked = true;	/* until it is */
	page = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return -errno;
	for (i = 0; i < o->nr && !err; i++) {
		o->slots[i].stub = (uintptr_t)(page + i * PLT_STUB_SIZE);
		err = plt_arch_write_stub(page + i * PLT_STUB_SIZE, &o->slots[i]);
	}
	if (!err && mprotect(page, len, PROT_READ | PROT_EXEC))
		err = -errno;
	if (err) {
		munmap(page, len);
		return err;
	}
	__builtin___clear_cache((char *)page, (char *)page + len);
	/* The page stays mapped for good: a thread may be in a stub. */
	for (i = 0; i < o->nr && !err; i++) {
		struct plt_slot *s = &o->slots[i];
		int tries = 8;

		s->unhooked = false;	/* before a call can come through the stub */
		do {	/* another thread's resolver may store in between */
			s->first = s->target = __atomic_load_n(s->got, __ATOMIC_ACQUIRE);
			/* outside the caller: a function, not its resolver stub */
			s->settled = !in_object(o, s->target, 1);
			err = s->first ? got_store(o, s->got, s->first, s->stub) : -ENOENT;
		} while (err == -EAGAIN && --tries);
		if (!err) {
			o->hooked++;
			nr_hooked++;
			continue;
		}
		s->unhooked = true;
		if (err == -EAGAIN || err == -ENOENT)
			err = 0;	/* a weak function not there, or always moving */
	}
	return err;
}

/* The slots of @info's PLT that are traced, hooked. */
static int hook_object(struct plt_object *o)
{
	struct dl_phdr_info info = {
		.dlpi_addr = o->base, .dlpi_phdr = o->phdr, .dlpi_phnum = o->phnum,
	};
	struct dyn_info d;
	size_t n, i;

	if (!read_dynamic(&info, &d))
		return 0;	/* no PLT */
	n = d.pltrelsz / sizeof(ElfW(Rela));
	o->slots = calloc(n, sizeof(*o->slots));
	if (!o->slots)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const ElfW(Rela) *r = &d.jmprel[i];
		const ElfW(Sym) *sym = &d.symtab[ELF64_R_SYM(r->r_info)];
		uintptr_t got = o->base + r->r_offset;

		if (ELF64_R_TYPE(r->r_info) != plt_arch_jump_slot || !ELF64_R_SYM(r->r_info) ||
		    sym->st_name >= d.strsz || got % sizeof(uintptr_t) ||
		    !in_object(o, got, sizeof(uintptr_t)) || !slot_wanted(d.strtab + sym->st_name))
			continue;
		o->slots[o->nr].got = (uintptr_t *)got;
		o->slots[o->nr++].arch_word = plt_arch_slot_word(got, d.pltgot);
	}
	o->relro_start = d.relro_start;
	o->relro_end = d.relro_end;
	return o->nr ? hook_slots(o) : 0;
}

static struct plt_object *known_object(uintptr_t base, const char *path)
{
	struct plt_object *o;

	for (o = objects; o; o = o->next)
		if (o->base == base && !strcmp(o->path, path))
			return o;
	return NULL;
}

/* Under dl_iterate_phdr(): each object loaded, known or new (fresh). */
static int scan_object(struct dl_phdr_info *info, size_t size, void *data)
{
	bool *first = data;
	bool program = *first;
	struct plt_object *o;
	const char *path = info->dlpi_name;

	(void)size;
	*first = false;
	if (!path)
		return 0;
	o = known_object(info->dlpi_addr, path);
	if (o) {
		o->seen = true;
		return 0;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return 0;
	o->path = strdup(path);
	if (!o->path) {
		free(o);
		return 0;
	}
	o->base = info->dlpi_addr;
	o->phdr = info->dlpi_phdr;
	o->phnum = info->dlpi_phnum;
	o->start = UINTPTR_MAX;
	o->flags = -1;
	o->program = program;
	o->fresh = o->seen = true;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (info->dlpi_addr + ph->p_vaddr < o->start)
			o->start = info->dlpi_addr + ph->p_vaddr;
		if (info->dlpi_addr + ph->p_vaddr + ph->p_memsz > o->end)
			o->end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	o->next = objects;
	/* complete before the calls that look for pending slots see it */
	__atomic_store_n(&objects, o, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The program, and the objects built with the flags; never the agent,
 * whose own calls (clock_gettime()...) would come back here.
 */
static void hook_fresh(struct plt_object *o)
{
	int err;

	o->fresh = false;
	if (in_object(o, (uintptr_t)agent_plt_enter, 1) ||
	    !(o->program || (o->path[0] == '/' && has_flags(o))))
		return;
	err = hook_object(o);
	if (err && agent_config.verbose)
		fprintf(stderr, "textpoke: pid %d: calls of %s not traced: %s\n", agent_pid,
			o->program ? "the program" : o->path, strerror(-err));
}

/*
 * Where the swapped return address cannot be put back for an unwinder,
 * a program with the C++ runtime (whose exceptions would stop at the
 * trampoline) gets no new hooks.
 */
static bool can_unwind(void)
{
	static bool said;

	if (plt_arch_ret_in_place || !dlsym(RTLD_DEFAULT, "__cxa_throw"))
		return true;
	if (agent_config.verbose && !said)
		fprintf(stderr, "textpoke: pid %d: calls through the PLT of a C++ program "
			"are traced on x86-64 only\n", agent_pid);
	said = true;
	return false;
}

int plt_hook_objects(void)
{
	struct plt_object *o, **link;
	bool first = true;

	if (!can_unwind())
		return 0;
	for (o = objects; o; o = o->next)
		o->seen = false;
	dl_iterate_phdr(scan_object, &first);
	/*
	 * An object unloaded since: forgotten (its stubs stay, unused), so
	 * that one loaded at its place is hooked afresh.
	 */
	for (link = &objects; (o = *link);) {
		if (o->seen) {
			link = &o->next;
			continue;
		}
		*link = o->next;
		nr_hooked -= o->hooked;
		/*
		 * The object and its slots stay too: a return in flight may
		 * still read its slot, a thread looking for pending slots
		 * may be at it.
		 */
	}
	for (o = objects; o; o = o->next)
		if (o->fresh)
			hook_fresh(o);
	return 0;
}

/*
 * Every slot back to where it went (the function, or the resolver's stub
 * while unbound) and every object forgotten, so that a later
 * plt_hook_objects() starts afresh.  Stubs, slots and objects stay in
 * memory: threads may be in a stub, or return through a frame.
 */
void plt_unhook_all(void)
{
	struct plt_object *o = __atomic_exchange_n(&objects, NULL, __ATOMIC_ACQ_REL);

	for (; o; o = o->next)
		for (size_t i = 0; i < o->nr; i++) {
			struct plt_slot *s = &o->slots[i];

			if (__atomic_load_n(&s->unhooked, __ATOMIC_ACQUIRE))
				continue;
			__atomic_store_n(&s->unhooked, true, __ATOMIC_RELEASE);
			got_store(o, s->got, s->stub, __atomic_load_n(&s->target, __ATOMIC_ACQUIRE));
		}
	nr_hooked = 0;
	__atomic_store_n(&nr_pending, 0, __ATOMIC_RELAXED);
}

void plt_enable(bool on)
{
	__atomic_store_n(&plt_on, on, __ATOMIC_RELEASE);
}

long plt_hooked(void)
{
	return nr_hooked;
}

static struct plt_thread *thread_state(void)
{
	struct plt_thread *t = plt_self;

	if (t)
		return t;
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	plt_self = t;
	return t;
}

/*
 * After a call that may have gone through the resolver: the function's
 * address it wrote over the stub's becomes the target, and the stub goes
 * back.  The GOT is only writable here when lazy binding writes it too.
 */
static void follow_binding(struct plt_slot *s)
{
	uintptr_t now = __atomic_load_n(s->got, __ATOMIC_ACQUIRE);

	if (now == s->stub) {
		if (__atomic_load_n(&s->target, __ATOMIC_RELAXED) != s->first)
			__atomic_store_n(&s->settled, true, __ATOMIC_RELAXED);
		return;
	}
	__atomic_store_n(&s->target, now, __ATOMIC_RELEASE);
	if (!__atomic_load_n(&s->unhooked, __ATOMIC_ACQUIRE))
		__atomic_compare_exchange_n(s->got, &now, s->stub, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
	__atomic_store_n(&s->settled, true, __ATOMIC_RELAXED);
}

/*
 * A call of an unbound slot that could not hook its return (a signal
 * handler's, while the thread was in the code below; a stack full)
 * leaves the resolver's store over the stub for good: the slot is
 * marked, and the next calls traced at the PLT put the stub back.
 */
static void note_pending(struct plt_slot *s)
{
	unsigned int no = 0;

	if (__atomic_compare_exchange_n(&s->pending, &no, 1, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		__atomic_fetch_add(&nr_pending, 1, __ATOMIC_RELEASE);
}

static void look_pending(void)
{
	struct plt_object *o;
	unsigned int yes;
	size_t i;

	for (o = __atomic_load_n(&objects, __ATOMIC_ACQUIRE); o; o = o->next)
		for (i = 0; i < o->nr; i++) {
			struct plt_slot *s = &o->slots[i];

			if (!__atomic_load_n(&s->pending, __ATOMIC_RELAXED) ||
			    __atomic_load_n(s->got, __ATOMIC_ACQUIRE) == s->stub)
				continue;	/* not resolved yet */
			follow_binding(s);
			yes = 1;
			if (__atomic_compare_exchange_n(&s->pending, &yes, 0, false,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				__atomic_fetch_sub(&nr_pending, 1, __ATOMIC_RELAXED);
		}
}

/* The thread's frames, not to be touched by a signal handler's calls. */
static bool claim(struct plt_thread *t)
{
	if (t->busy)
		return false;
	t->busy = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return true;
}

static void release(struct plt_thread *t)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = false;
}

/* @f returned (or was left by longjmp() or an unwinder). */
static void frame_done(struct plt_frame *f)
{
	if (f->recorded)
		writer_plt_return((uintptr_t)f->slot->got, f->calltime);
	/*
	 * Each call that entered before the slot settled may have gone
	 * through the resolver, which rewrote the slot: each looks.
	 */
	if (f->lazy)
		follow_binding(f->slot);
}

uintptr_t agent_plt_enter(struct plt_slot *s, uintptr_t *ret, uintptr_t sp)
{
	uintptr_t target = __atomic_load_n(&s->target, __ATOMIC_ACQUIRE);
	bool on = __atomic_load_n(&plt_on, __ATOMIC_ACQUIRE);
	bool settled = __atomic_load_n(&s->settled, __ATOMIC_RELAXED);
	struct plt_thread *t;
	struct plt_frame *f;

	if (!on && settled)
		return target;
	t = thread_state();
	if (!t || !claim(t)) {
		if (!settled)
			note_pending(s);
		return target;
	}
	if (__atomic_load_n(&nr_pending, __ATOMIC_ACQUIRE))
		look_pending();
	/* a frame left by a longjmp() over it: its place is taken */
	while (t->sp && t->frames[t->sp - 1].sp == sp)
		frame_done(&t->frames[--t->sp]);
	if (t->sp == PLT_FRAMES) {
		if (!settled)
			note_pending(s);
		goto out;
	}
	f = &t->frames[t->sp];
	f->slot = s;
	f->ret_loc = ret;
	f->ret = *ret;
	f->sp = sp;
	f->lazy = !settled;
	f->recorded = on && writer_plt_entry((uintptr_t)s->got, &f->calltime) > 0;
	if (f->recorded || !settled) {
		t->sp++;
		*ret = (uintptr_t)agent_plt_return;
	}
out:
	release(t);
	return target;
}

uintptr_t agent_plt_exit(uintptr_t sp)
{
	struct plt_thread *t = plt_self;
	bool was = t->busy;
	unsigned int i;
	uintptr_t ret;

	t->busy = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	/* the frame of this return; those above it were left by longjmp() */
	for (i = t->sp; i > 1 && t->frames[i - 1].sp != sp; i--)
		;
	while (t->sp > i)
		frame_done(&t->frames[--t->sp]);
	frame_done(&t->frames[t->sp - 1]);
	ret = t->frames[--t->sp].ret;
	if (__atomic_load_n(&nr_pending, __ATOMIC_ACQUIRE))
		look_pending();
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->busy = was;
	return ret;
}

/*
 * Before the thread's stack is unwound: every return address swapped on
 * it back in place (where it still is: not on an arch that swaps a saved
 * link register, nor in a frame longjmp() left), every call returned.
 */
static void unwind_frames(void)
{
	struct plt_thread *t = plt_self;
	struct plt_frame *f;

	if (!t || !t->sp || !claim(t))
		return;
	while (t->sp) {
		f = &t->frames[--t->sp];
		if (plt_arch_ret_in_place && *f->ret_loc == (uintptr_t)agent_plt_return)
			*f->ret_loc = f->ret;
		frame_done(f);
	}
	release(t);
}

/* The unwinder's, as <unwind.h> declares them (not included: types differ). */
typedef int (*raise_fn)(void *exception);

static int unwind_with(raise_fn *real, const char *name, void *exception)
{
	raise_fn fn = __atomic_load_n(real, __ATOMIC_RELAXED);

	if (!fn) {
		fn = (raise_fn)dlsym(RTLD_NEXT, name);
		__atomic_store_n(real, fn, __ATOMIC_RELAXED);
	}
	if (!fn)
		return 5;	/* _URC_END_OF_STACK: no handler, as without it */
	unwind_frames();
	return fn(exception);
}

AGENT_API int _Unwind_RaiseException(void *exception)
{
	static raise_fn real;

	return unwind_with(&real, "_Unwind_RaiseException", exception);
}

AGENT_API int _Unwind_Resume_or_Rethrow(void *exception)
{
	static raise_fn real;

	return unwind_with(&real, "_Unwind_Resume_or_Rethrow", exception);
}

AGENT_API __attribute__((noreturn)) void pthread_exit(void *value)
{
	void (*real)(void *) = (void (*)(void *))dlsym(RTLD_NEXT, "pthread_exit");

	unwind_frames();
	if (real)
		real(value);
	for (;;)
		pause();	/* libc without pthread_exit(): cannot be */
}
