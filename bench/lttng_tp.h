/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The LTTng-UST tracepoint lttng_bench compares with a static branch:
 * one event with one integer field.  LTTng reads this header several
 * times with different definitions of its macros, hence the guard's shape.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER textpoke_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "lttng_tp.h"

#if !defined(BENCH_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define BENCH_LTTNG_TP_H

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(textpoke_bench, hit,
	LTTNG_UST_TP_ARGS(int, value),
	LTTNG_UST_TP_FIELDS(lttng_ust_field_integer(int, value, value)))

#endif /* BENCH_LTTNG_TP_H */

#include <lttng/tracepoint-event.h>
