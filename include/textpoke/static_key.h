/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Static keys: "is this feature on?" at the cost of one NOP while it is
 * off, and of one jump while it is on.
 *
 *	TP_DEFINE_STATIC_KEY_FALSE(tracing);
 *
 *	if (tp_static_branch_unlikely(&tracing))
 *		trace_request(req);
 *
 *	tp_static_key_enable(&tracing);
 *
 * Every tp_static_branch_*() of a key is a patch site, recorded in the
 * __tp_jump_table section of the object it is compiled into.  Each object
 * (the executable, every shared object) registers its own table when it
 * is loaded and unregisters it when it is unloaded; keys may be defined
 * in one object and used in others.  Changing a key rewrites every site
 * of that key in all registered objects in one batch of the poke engine
 * (TP_BACKEND_AUTO: breakpoint on x86-64, one store per site on arm64 and
 * riscv64), while other threads run through them.
 *
 * The contract:
 * - When a change returns 0, every thread takes the new branch at every
 *   site of the key.  While it runs, a thread may take either branch;
 *   never anything else.  On error nothing changed: no site and not the
 *   key's count.
 * - Changes of keys are serialised by one mutex; the enable count is
 *   exact under any number of concurrent callers.
 * - tp_static_branch_*() and tp_static_key_enabled() may be used
 *   anywhere, signal handlers included.  The change functions may not be
 *   called from a signal handler; from a callback of the library (events,
 *   function tracing) they and the table calls return -EDEADLK.
 * - A TRUE key starts enabled (count 1), a FALSE key disabled (count 0).
 *
 * Errors: the poke engine's (see textpoke.h), and -EINVAL when a count
 * would go below zero, -EOVERFLOW above INT_MAX, -EBUSY when
 * tp_static_key_disable() meets a count above one (references taken with
 * tp_static_key_slow_inc() are still held), -EILSEQ when a site of the key
 * does not hold what its table says (a table that failed to register).
 *
 * The branch macros need GNU C (asm goto) and a compiler that optimises
 * (-O1 or more), as the kernel's do.
 */
#ifndef TEXTPOKE_STATIC_KEY_H
#define TEXTPOKE_STATIC_KEY_H

#include <stdbool.h>
#include <stdint.h>

#include <textpoke/textpoke.h>
#include <textpoke/asm/jump_label.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tp_static_key {
	int enabled;		/* count of enables; read it with the API */
};

struct tp_static_key_true {
	struct tp_static_key key;
};

struct tp_static_key_false {
	struct tp_static_key key;
};

#ifdef __cplusplus
#define TP_STATIC_KEY_TRUE_INIT		{ { 1 } }
#define TP_STATIC_KEY_FALSE_INIT	{ { 0 } }
#else
#define TP_STATIC_KEY_TRUE_INIT		{ .key = { .enabled = 1 } }
#define TP_STATIC_KEY_FALSE_INIT	{ .key = { .enabled = 0 } }
#endif

#define TP_DEFINE_STATIC_KEY_TRUE(name)					\
	struct tp_static_key_true name = TP_STATIC_KEY_TRUE_INIT
#define TP_DEFINE_STATIC_KEY_FALSE(name)				\
	struct tp_static_key_false name = TP_STATIC_KEY_FALSE_INIT
#define TP_DECLARE_STATIC_KEY_TRUE(name)				\
	extern struct tp_static_key_true name
#define TP_DECLARE_STATIC_KEY_FALSE(name)				\
	extern struct tp_static_key_false name

/*
 * One entry of __tp_jump_table, 16 bytes, every field relative to its own
 * address so that the table needs no relocation:
 *   code    the site
 *   target  the branch's label
 *   key     an 8-byte slot holding the key's address, plus flags in the
 *           two low bits.  The slot is a per-site constant the compiler
 *           places in relocated data: a key may live in another object,
 *           and a PC-relative reference to a symbol of another object is
 *           not something the dynamic linker can resolve.
 * The site jumps when (key enabled) XOR TP_JUMP_ENTRY_BRANCH.
 */
struct tp_jump_entry {
	int32_t code;
	int32_t target;
	int64_t key;
};

#define TP_JUMP_ENTRY_BRANCH		1	/* tp_static_branch_likely() */
#define TP_JUMP_ENTRY_ASSEMBLED_JUMP	2	/* the site was built as a jump */
#define TP_JUMP_ENTRY_FLAGS		3

/*
 * The entry of the site at local label 1, in the asm goto of the arch's
 * __tp_arch_branch_nop/jump: operand 0 is the key slot (printed as the
 * arch's __TP_ASM_KEY_SLOT), label operand 1 the branch's target.
 */
#define __TP_JUMP_TABLE_ENTRY(flags)					\
	".pushsection __tp_jump_table, \"aw\"\n\t"			\
	".balign 8\n\t"							\
	".long 1b - ., %l1 - .\n\t"					\
	".quad " __TP_ASM_KEY_SLOT " + " #flags " - .\n\t"		\
	".popsection\n\t"

/*
 * Register the entries [@start, @stop) of one loaded object: check every
 * site against its entry, and write the sites whose key changed since the
 * object was built.  The static_key.h constructor does this for every
 * object; call it yourself only for tables you build at run time.
 * Registering the same @start twice counts references.  On error the
 * table stays registered as broken: its keys refuse to change (-EILSEQ or
 * the error met), so no site is ever left inconsistent with its key;
 * except -ENOMEM, found before anything was written: then the table is
 * not registered, no key is affected, and registering again may work.
 * The table itself is checked before any of it is read: -EINVAL when
 * @start is not aligned for an entry or [@start, @stop) is not a whole
 * number of entries, -EFAULT when it is not all readable memory; such a
 * table is not registered.  Entries are checked against the process's
 * mappings before anything is read through them: -EFAULT for a site
 * outside executable memory or a key slot or key that is not where a
 * key can be.
 */
TP_EXPORT int tp_jump_table_register(const struct tp_jump_entry *start,
				     const struct tp_jump_entry *stop);

/*
 * Drop one reference to the table at @start; the last one forgets it.
 * 0, or -EDEADLK from a callback of the library (nothing dropped).
 */
TP_EXPORT int tp_jump_table_unregister(const struct tp_jump_entry *start);

TP_EXPORT int tp_static_key_enable(struct tp_static_key *key);
TP_EXPORT int tp_static_key_disable(struct tp_static_key *key);
TP_EXPORT int tp_static_key_slow_inc(struct tp_static_key *key);
TP_EXPORT int tp_static_key_slow_dec(struct tp_static_key *key);

/* The key of a TRUE, FALSE or plain key pointer; anything else is an error. */
#ifndef __cplusplus
#define __tp_static_key(x)						\
	_Generic((x),							\
		 struct tp_static_key *: (struct tp_static_key *)(x),	\
		 struct tp_static_key_true *: (struct tp_static_key *)(x), \
		 struct tp_static_key_false *: (struct tp_static_key *)(x))
#endif

/*
 * tp_static_key_enable(&key) / _disable: set the key on or off, whatever
 * it was (disable refuses a count above one).  tp_static_key_slow_inc /
 * _slow_dec: take and drop references; the key is on while any is held.
 */
#define tp_static_key_enable(x)		tp_static_key_enable(__tp_static_key(x))
#define tp_static_key_disable(x)	tp_static_key_disable(__tp_static_key(x))
#define tp_static_key_slow_inc(x)	tp_static_key_slow_inc(__tp_static_key(x))
#define tp_static_key_slow_dec(x)	tp_static_key_slow_dec(__tp_static_key(x))

static inline bool __tp_static_key_enabled(struct tp_static_key *key)
{
	return __atomic_load_n(&key->enabled, __ATOMIC_ACQUIRE) > 0;
}

/* Whether the key's count is above zero (a load, not a patch site). */
#define tp_static_key_enabled(x)	__tp_static_key_enabled(__tp_static_key(x))

/*
 * One patch site: true when the site jumps.  @variant is the arch's
 * __tp_arch_branch_nop or __tp_arch_branch_jump, the form the site is
 * assembled in; @flags the entry's flags.
 */
#define __tp_static_branch(x, variant, flags) ({			\
	__label__ __tp_jumped, __tp_done;				\
	static struct tp_static_key *const __tp_slot			\
		__attribute__((used)) = (struct tp_static_key *)(x);	\
	bool __tp_taken = false;					\
	variant(&__tp_slot, flags, __tp_jumped);			\
	goto __tp_done;							\
__tp_jumped:								\
	__tp_taken = true;						\
__tp_done:								\
	__tp_taken;							\
})

#ifndef __cplusplus
#define __tp_key_is(x, type)						\
	__builtin_types_compatible_p(__typeof__(*(x)), struct type)

#define __tp_check_key_type(x)						\
	_Static_assert(__tp_key_is(x, tp_static_key_true) ||		\
		       __tp_key_is(x, tp_static_key_false),		\
		       "a static branch needs a TRUE or FALSE key")

/*
 * The branch is built so that the key's initial state costs a NOP:
 * likely() on a TRUE key and unlikely() on a FALSE key fall through;
 * the two other combinations start as a jump, as in the kernel.
 */
#define tp_static_branch_likely(x) ({					\
	__tp_check_key_type(x);						\
	__builtin_expect(__builtin_choose_expr(				\
		__tp_key_is(x, tp_static_key_true),			\
		!__tp_static_branch(x, __tp_arch_branch_nop, 1),	\
		!__tp_static_branch(x, __tp_arch_branch_jump, 3)), 1);	\
})

#define tp_static_branch_unlikely(x) ({					\
	__tp_check_key_type(x);						\
	__builtin_expect(__builtin_choose_expr(				\
		__tp_key_is(x, tp_static_key_true),			\
		__tp_static_branch(x, __tp_arch_branch_jump, 2),	\
		__tp_static_branch(x, __tp_arch_branch_nop, 0)), 0);	\
})
#endif /* !__cplusplus */

#ifdef __cplusplus
} /* extern "C" */

/* C++: the same API by overloads and templates (C's _Generic and
 * __builtin_choose_expr have no C++ form). */
inline struct tp_static_key *__tp_static_key(struct tp_static_key *key)
{
	return key;
}

inline struct tp_static_key *__tp_static_key(struct tp_static_key_true *key)
{
	return &key->key;
}

inline struct tp_static_key *__tp_static_key(struct tp_static_key_false *key)
{
	return &key->key;
}

/*
 * A branch site in C++: one always-inlined function per site form, so
 * that every call gets its own copy of the site (as the kernel's arch
 * helpers do) while each function holds a single asm goto (clang++
 * checks jumps per function), with the key a template argument: the
 * slot is a constant per key.
 */
#define __TP_CXX_SITE(name, variant, flags)				\
template <typename Key, Key *K>						\
__attribute__((always_inline)) inline bool name()			\
{									\
	static struct tp_static_key *const __tp_slot			\
		__attribute__((used)) = &K->key;			\
	variant(&__tp_slot, flags, __tp_jumped);			\
	return false;							\
__tp_jumped:								\
	return true;							\
}

__TP_CXX_SITE(__tp_site_nop_unlikely, __tp_arch_branch_nop, 0)
__TP_CXX_SITE(__tp_site_nop_likely, __tp_arch_branch_nop, 1)
__TP_CXX_SITE(__tp_site_jump_unlikely, __tp_arch_branch_jump, 2)
__TP_CXX_SITE(__tp_site_jump_likely, __tp_arch_branch_jump, 3)

/* Only TRUE and FALSE keys have a kind: a branch on anything else fails. */
template <typename Key> struct __tp_key_kind;

template <> struct __tp_key_kind<struct tp_static_key_true> {
	typedef struct tp_static_key_true key;
	template <key *K> __attribute__((always_inline)) static bool likely()
	{
		return !__tp_site_nop_likely<key, K>();
	}
	template <key *K> __attribute__((always_inline)) static bool unlikely()
	{
		return __tp_site_jump_unlikely<key, K>();
	}
};

template <> struct __tp_key_kind<struct tp_static_key_false> {
	typedef struct tp_static_key_false key;
	template <key *K> __attribute__((always_inline)) static bool likely()
	{
		return !__tp_site_jump_likely<key, K>();
	}
	template <key *K> __attribute__((always_inline)) static bool unlikely()
	{
		return __tp_site_nop_unlikely<key, K>();
	}
};

/* In C++, @x is written &key: the key is a template argument. */
#define tp_static_branch_likely(x)					\
	__builtin_expect(__tp_key_kind<__typeof__(*(x))>::template likely<x>(), 1)
#define tp_static_branch_unlikely(x)					\
	__builtin_expect(__tp_key_kind<__typeof__(*(x))>::template unlikely<x>(), 0)

extern "C" {
#endif /* __cplusplus */

/*
 * Every object that includes this header registers its own table: the
 * constructor and the section bounds are hidden, so each object gets its
 * own, and weak, so the copies of its translation units become one.
 * The run counter makes the copies' .init_array entries call it once.
 */
#ifndef TP_NO_JUMP_TABLE_CONSTRUCTOR
extern const struct tp_jump_entry __start___tp_jump_table[]
	__attribute__((weak, visibility("hidden")));
extern const struct tp_jump_entry __stop___tp_jump_table[]
	__attribute__((weak, visibility("hidden")));

__attribute__((weak, visibility("hidden"))) int __tp_jump_table_users;
void __tp_jump_table_load(void);
void __tp_jump_table_unload(void);

__attribute__((weak, visibility("hidden"), constructor))
void __tp_jump_table_load(void)
{
	if (__tp_jump_table_users++ == 0 && __start___tp_jump_table)
		tp_jump_table_register(__start___tp_jump_table,
				       __stop___tp_jump_table);
}

__attribute__((weak, visibility("hidden"), destructor))
void __tp_jump_table_unload(void)
{
	if (__tp_jump_table_users > 0 && --__tp_jump_table_users == 0 &&
	    __start___tp_jump_table)
		tp_jump_table_unregister(__start___tp_jump_table);
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_STATIC_KEY_H */
