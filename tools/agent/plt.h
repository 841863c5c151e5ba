/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Calls into shared objects, traced at the caller's GOT (plt.c): what
 * the agent's other files call, and what each arch provides
 * (arch/<arch>/plt_*.{c,S} of this directory).
 */
#ifndef TP_AGENT_PLT_H
#define TP_AGENT_PLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* plt.c, for agent.c: all under the agent's lock. */
int plt_hook_objects(void);	/* hook the objects not hooked yet */
void plt_unhook_all(void);	/* every GOT slot the program's again */
void plt_enable(bool on);	/* record the calls, or let them by */
long plt_hooked(void);		/* GOT slots hooked */
/*
 * The globs (comma-separated) of the functions whose slots are hooked
 * from now on, and of those never hooked; until called, the environment's
 * (agent_config).  The strings are kept, not copied.
 */
void plt_set_filter(const char *filter, const char *notrace);

/* Put before the unwinder's and libc's (plt.c). */
int _Unwind_RaiseException(void *exception);
int _Unwind_Resume_or_Rethrow(void *exception);

/*
 * The arch's part.  A slot's stub (PLT_STUB_SIZE bytes, written into an
 * executable page the agent maps) enters agent_plt_entry with the slot's
 * address in a scratch register; agent_plt_entry saves the argument
 * registers, calls agent_plt_enter() and jumps where it says.  A
 * function whose return address agent_plt_enter() replaced returns into
 * agent_plt_return, which saves the return registers, calls
 * agent_plt_exit() and jumps to the caller.
 */
struct plt_slot;

#define PLT_STUB_SIZE	32

/* 0, or -EOPNOTSUPP on an arch without stubs yet. */
int plt_arch_write_stub(void *at, const struct plt_slot *slot);
/* The dynamic relocation type of a GOT slot of the PLT. */
extern const uint32_t plt_arch_jump_slot;
/*
 * What the arch's entry needs of the slot at @got besides its target, to
 * call the lazy resolver as the PLT would (@pltgot: DT_PLTGOT).
 */
uintptr_t plt_arch_slot_word(uintptr_t got, uintptr_t pltgot);
/* @ret of agent_plt_enter() stays where the return address is (the stack). */
extern const bool plt_arch_ret_in_place;

void agent_plt_entry(void);
void agent_plt_return(void);
/*
 * @ret: where the caller's return address is kept (on the stack, or the
 * saved link register); @sp: the caller's stack pointer as it will be
 * once the call has returned, which tells the frames of one thread
 * apart.  Both return where to jump.
 */
uintptr_t agent_plt_enter(struct plt_slot *slot, uintptr_t *ret, uintptr_t sp);
uintptr_t agent_plt_exit(uintptr_t sp);

#endif /* TP_AGENT_PLT_H */
