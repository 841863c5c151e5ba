/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the selftests and benchmarks read of the library's inside: its
 * counters, and one switch.  Not an API: this header is not installed,
 * the functions are not exported by libtextpoke.so (its version script
 * lists the API only), and only the static library keeps them visible,
 * under the reserved tp_debug_ prefix, for the test programs it links.
 */
#ifndef TEXTPOKE_TEST_SUPPORT_H
#define TEXTPOKE_TEST_SUPPORT_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TP_TEST_SUPPORT __attribute__((visibility("default")))

TP_TEST_SUPPORT unsigned long tp_debug_sync_count(void);	/* cross-core syncs so far */
TP_TEST_SUPPORT unsigned long tp_debug_mprotect_count(void);	/* mprotect calls so far */
TP_TEST_SUPPORT unsigned long tp_debug_emulations(void);	/* traps resolved by emulation */
TP_TEST_SUPPORT unsigned long tp_debug_stale_reads(void);	/* handler reads of freed sites */
TP_TEST_SUPPORT unsigned long tp_debug_stop_retries(void);	/* stop_machine retries */
TP_TEST_SUPPORT unsigned long tp_debug_maps_reads(void);	/* /proc/self/maps read for a commit */
TP_TEST_SUPPORT unsigned long tp_debug_stuck_sites(void);	/* breakpoint sites kept published */
TP_TEST_SUPPORT unsigned long tp_debug_lane_batches(void);	/* batches the toggle lane made */
/* Cross-core syncs by a signal round instead of membarrier(SYNC_CORE). */
TP_TEST_SUPPORT void tp_debug_force_signal_sync(bool force);

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_TEST_SUPPORT_H */
