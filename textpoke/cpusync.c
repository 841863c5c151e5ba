// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cross-core serialisation: after it returns, every thread of the process
 * has executed a context-synchronising event, so none can still run
 * instructions it fetched before the call.
 *
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) does that with one
 * IPI round on the CPUs running this process.  Kernels without it get a
 * signal round instead: a thread that returns from a signal handler has
 * gone through the kernel's exception return, which is serialising.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"
#include "test_support.h"

unsigned long tp_stat_syncs;
static bool have_sync_core;
static bool force_signal_round;		/* tests: behave as on an old kernel */

void tp_debug_force_signal_sync(bool force)
{
	__atomic_store_n(&force_signal_round, force, __ATOMIC_RELAXED);
}

static int sys_membarrier(int cmd, unsigned int flags)
{
	return syscall(__NR_membarrier, cmd, flags, 0);
}

int cpusync_init(void)
{
	int cmds = sys_membarrier(MEMBARRIER_CMD_QUERY, 0);

	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE))
		return 0;
	if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0))
		return 0;
	have_sync_core = true;
	return 0;
}

bool cpusync_needs_park_signal(void)
{
	return !have_sync_core || __atomic_load_n(&force_signal_round, __ATOMIC_RELAXED);
}

static int sync_nothing(void *arg)
{
	(void)arg;
	return 0;
}

void cpusync_cores(void)
{
	__atomic_add_fetch(&tp_stat_syncs, 1, __ATOMIC_RELAXED);
	if (have_sync_core && !__atomic_load_n(&force_signal_round, __ATOMIC_RELAXED) &&
	    !sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0))
		return;
	/*
	 * Every thread enters and leaves the park handler.  A thread that
	 * cannot be parked is not running our text either: it is blocked
	 * with signals masked, and its next return to user space (the
	 * syscall exit) serialises it anyway.
	 */
	stop_machine(sync_nothing, NULL, NULL);
}
