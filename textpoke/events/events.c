// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * PRE and POST events: the subscribers, the batch in flight, and the
 * emission the protocols call.
 *
 * Everything here runs with the text mutex held: the subscriber table
 * changes only under it, and the protocols emit under it, so the table
 * needs no lock of its own.  Emission can run while every other thread is
 * parked (stop_machine) or trapping (breakpoint): it allocates nothing,
 * takes no lock and makes no system call but the vDSO clock and CPU
 * reads.  The pid and tid are taken once per batch.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "sink.h"

struct subscriber {
	tp_event_fn fn;
	void (*batch_end)(void *arg);
	void *arg;
	unsigned int flags;
};

static struct subscriber subscribers[TP_EVENTS_MAX_SUBSCRIBERS];
static unsigned int nr_subscribers;
static unsigned int nr_decoders;	/* subscribers with TP_EVENTS_DECODER */
unsigned int events_listening;		/* nr_subscribers, for the inline test */

#ifdef CONFIG_TRACE_EXACT
static bool trace_exact_on = true;
#else
static bool trace_exact_on;
#endif

/* The batch in flight: one at a time under the text mutex. */
static struct {
	unsigned long long id;
	enum tp_backend backend;
	int pid, tid;
} batch;

static struct subscriber *find_subscriber(tp_event_fn fn, void *arg)
{
	unsigned int i;

	for (i = 0; i < nr_subscribers; i++)
		if (subscribers[i].fn == fn && subscribers[i].arg == arg)
			return &subscribers[i];
	return NULL;
}

int events_add_subscriber(tp_event_fn fn, void (*batch_end)(void *), void *arg,
			  unsigned int flags)
{
	if (!fn || (flags & ~TP_EVENTS_DECODER))
		return -EINVAL;
	if (find_subscriber(fn, arg))
		return -EEXIST;
	if (nr_subscribers == TP_EVENTS_MAX_SUBSCRIBERS)
		return -ENOSPC;
	subscribers[nr_subscribers++] = (struct subscriber){ fn, batch_end, arg, flags };
	nr_decoders += !!(flags & TP_EVENTS_DECODER);
	events_listening = nr_subscribers;
	return 0;
}

int events_remove_subscriber(tp_event_fn fn, void *arg)
{
	struct subscriber *s = find_subscriber(fn, arg);

	if (!s)
		return -ENOENT;
	nr_decoders -= !!(s->flags & TP_EVENTS_DECODER);
	*s = subscribers[--nr_subscribers];
	events_listening = nr_subscribers;
	return 0;
}

int events_lock(void)
{
	return text_mutex_lock();
}

void events_unlock(void)
{
	text_mutex_unlock();
}

/* Called by tp_init(), inside its once: a sink must not call tp_init(). */
int events_init(void)
{
	return perf_data_open_from_env();
}

int tp_events_subscribe(tp_event_fn fn, void *arg, unsigned int flags)
{
	int err = text_mutex_lock();

	if (err)
		return err;
	err = events_add_subscriber(fn, NULL, arg, flags);
	text_mutex_unlock();
	return err;
}

int tp_events_unsubscribe(tp_event_fn fn, void *arg)
{
	int err = text_mutex_lock();

	if (err)
		return err;
	err = events_remove_subscriber(fn, arg);
	text_mutex_unlock();
	return err;
}

int tp_set_trace_exact(bool on)
{
#ifndef CONFIG_TRACE_EXACT
	if (on)
		return -ENOSYS;
#endif
	__atomic_store_n(&trace_exact_on, on, __ATOMIC_RELAXED);
	return 0;
}

bool events_trace_exact(void)
{
	return nr_decoders && __atomic_load_n(&trace_exact_on, __ATOMIC_RELAXED);
}

void events_batch_begin(enum tp_backend backend)
{
	batch.id++;
	batch.backend = backend;
	if (events_listening) {
		batch.pid = getpid();
		batch.tid = syscall(SYS_gettid);
	}
}

void events_batch_end(void)
{
	unsigned int i;

	for (i = 0; i < nr_subscribers; i++)
		if (subscribers[i].batch_end)
			subscribers[i].batch_end(subscribers[i].arg);
}

static unsigned long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void emit(const struct site *s, enum tp_event_phase phase, const uint8_t *now)
{
	struct tp_event ev = {
		.phase = phase,
		.backend = batch.backend,
		.batch = batch.id,
		.time_ns = monotonic_ns(),
		.pid = batch.pid,
		.tid = batch.tid,
		.cpu = sched_getcpu(),
		.addr = (const void *)s->addr,
		.len = s->len,
	};
	unsigned int i;

	memcpy(ev.old, s->old, s->len);
	memcpy(ev.new, now, s->len);
	for (i = 0; i < nr_subscribers; i++)
		subscribers[i].fn(&ev, subscribers[i].arg);
}

void events_emit_pre(const struct site *s)
{
	emit(s, TP_EVENT_PRE, s->new);
}

void events_emit_post(const struct site *sites, size_t nr, bool written)
{
	size_t i;

	for (i = 0; i < nr; i++)
		emit(&sites[i], TP_EVENT_POST, written ? sites[i].new : sites[i].old);
}
