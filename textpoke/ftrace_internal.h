/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Function-entry tracing internals: the traceable functions of each
 * loaded object (ftrace_elf.c finds them) and the dispatcher the
 * trampolines call.
 */
#ifndef TEXTPOKE_FTRACE_INTERNAL_H
#define TEXTPOKE_FTRACE_INTERNAL_H

#include <link.h>
#include <stdbool.h>
#include <stdint.h>

#include <textpoke/ftrace.h>
#include <textpoke/textpoke.h>

#include "arch.h"

struct ftrace_func {
	struct ftrace_layout layout;
	uint8_t compiled[TP_MAX_INSN_LEN];	/* the site as the compiler left it */
	const char *name;			/* NULL: no symbol names it */
	unsigned int nr_ops;			/* registered ops tracing it */
	bool initialised;			/* site init done */
};

/* One loaded ELF object: the executable or a shared object. */
struct ftrace_object {
	struct ftrace_object *next;
	uintptr_t base;				/* load bias */
	const void *phdr;			/* with base and path: which object */
	char *path;
	unsigned long load;			/* one number per load */
	bool seen;				/* still loaded at the last scan */
	uintptr_t veneer;			/* 0 until a site is initialised */
	struct ftrace_func *funcs;		/* sorted by address */
	size_t nr;
	size_t nr_refused;			/* records that are not our layout */
};

/*
 * Read the __patchable_function_entries records and the function names
 * of the object loaded from @path at @bias with @phdr: fills
 * @obj->funcs.  An object without records has none; -errno only when the
 * file cannot be read or is not a valid ELF file.
 */
int ftrace_elf_load(struct ftrace_object *obj, const char *path, uintptr_t bias,
		    const ElfW(Phdr) *phdr, int phnum);
void ftrace_object_free(struct ftrace_object *obj);

/* Called by arch_ftrace_caller; see ftrace_entry.S. */
void ftrace_dispatch(uintptr_t ret, uintptr_t parent, struct tp_ftrace_regs *regs);

#endif /* TEXTPOKE_FTRACE_INTERNAL_H */
