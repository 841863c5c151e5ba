// SPDX-License-Identifier: LGPL-2.1-or-later
/* The counters test_support.h describes, read without tearing. */
#include "internal.h"
#include "test_support.h"

unsigned long tp_debug_sync_count(void)
{
	return __atomic_load_n(&tp_stat_syncs, __ATOMIC_RELAXED);
}

unsigned long tp_debug_mprotect_count(void)
{
	return __atomic_load_n(&tp_stat_mprotects, __ATOMIC_RELAXED);
}

unsigned long tp_debug_emulations(void)
{
	return __atomic_load_n(&tp_stat_emulations, __ATOMIC_RELAXED);
}

unsigned long tp_debug_stop_retries(void)
{
	return __atomic_load_n(&tp_stat_stop_retries, __ATOMIC_RELAXED);
}

unsigned long tp_debug_stale_reads(void)
{
	return __atomic_load_n(&tp_stat_stale_reads, __ATOMIC_RELAXED);
}

unsigned long tp_debug_maps_reads(void)
{
	return __atomic_load_n(&tp_stat_maps_reads, __ATOMIC_RELAXED);
}

unsigned long tp_debug_stuck_sites(void)
{
	return __atomic_load_n(&tp_stat_stuck_sites, __ATOMIC_RELAXED);
}

unsigned long tp_debug_lane_batches(void)
{
	return __atomic_load_n(&tp_stat_lane_batches, __ATOMIC_RELAXED);
}
