/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the events and perf selftests: a subscriber that logs every
 * event with the bytes the site held when it was called, and a run that
 * pokes one site with every backend the arch has.
 */
#ifndef SELFTESTS_EVENTS_H
#define SELFTESTS_EVENTS_H

#include <stdint.h>
#include <textpoke/events.h>

#include "../engine/engine.h"

#define LOG_MAX		4096

struct logged {
	struct tp_event ev;
	uint8_t at_site[TP_MAX_INSN_LEN];	/* the site's bytes in the callback */
};

struct event_log {
	unsigned int nr;
	struct logged e[LOG_MAX];
};

extern struct event_log event_log;

/* Subscriber: appends to event_log (async-signal-safe: no allocation). */
void log_event(const struct tp_event *ev, void *arg);

/* The backends poke_every_backend() uses, in order; NR_BACKENDS of them. */
#define NR_BACKENDS	(2 + HAVE_NOSYNC)
extern const enum tp_backend every_backend[NR_BACKENDS];

/*
 * Flip site_nopjmp NOP -> jump -> NOP with each backend: 2 * NR_BACKENDS
 * pokes, checked to return 0 and to change what site_nopjmp_fn() returns.
 * Returns 0, or -1 with a message on stderr.
 */
int poke_every_backend(void);

/* site_nopjmp's two states. */
void nopjmp_states(uint8_t nop[SITE_LEN], uint8_t jump[SITE_LEN]);

int gettid_(void);

#endif /* SELFTESTS_EVENTS_H */
