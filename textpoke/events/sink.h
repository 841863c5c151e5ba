/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a sink of PRE/POST events (a file writer, a format) may use of the
 * library: the subscriber table of events.c and the lock that keeps
 * batches out while it is changed.  A sink sees nothing of the engine:
 * it receives struct tp_event like any subscriber.
 */
#ifndef TEXTPOKE_EVENTS_SINK_H
#define TEXTPOKE_EVENTS_SINK_H

#include <textpoke/events.h>

/*
 * No batch runs between events_lock() and events_unlock(); -EDEADLK when
 * the calling thread is inside a batch already (an event callback).
 */
int events_lock(void);
void events_unlock(void);

/*
 * Under events_lock(): add or remove a subscriber; @batch_end, if set,
 * runs at the end of every batch, still under the lock.
 */
int events_add_subscriber(tp_event_fn fn, void (*batch_end)(void *), void *arg,
			  unsigned int flags);
int events_remove_subscriber(tp_event_fn fn, void *arg);

/* perf_data_writer.c: open the file TEXTPOKE_PERF_DATA names, if any. */
int perf_data_open_from_env(void);

#endif /* TEXTPOKE_EVENTS_SINK_H */
