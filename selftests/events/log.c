// SPDX-License-Identifier: GPL-2.0
/* The event log and the every-backend run shared by the events and perf tests. */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events.h"

struct event_log event_log;

const enum tp_backend every_backend[NR_BACKENDS] = {
	TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
#if HAVE_NOSYNC
	TP_BACKEND_NOSYNC,
#endif
};

int gettid_(void)
{
	return syscall(SYS_gettid);
}

void log_event(const struct tp_event *ev, void *arg)
{
	struct logged *l;

	(void)arg;
	if (event_log.nr == LOG_MAX)
		return;
	l = &event_log.e[event_log.nr++];
	l->ev = *ev;
	memcpy(l->at_site, ev->addr, ev->len);
}

void nopjmp_states(uint8_t nop[SITE_LEN], uint8_t jump[SITE_LEN])
{
	memcpy(nop, site_nopjmp, SITE_LEN);
	site_enc_jump(jump, (uintptr_t)site_nopjmp, (uintptr_t)site_nopjmp_alt);
}

int poke_every_backend(void)
{
	uint8_t nop[SITE_LEN], jump[SITE_LEN];
	unsigned int i;

	nopjmp_states(nop, jump);
	for (i = 0; i < NR_BACKENDS; i++) {
		int err = tp_poke(site_nopjmp, nop, jump, SITE_LEN, every_backend[i]);

		if (err || site_nopjmp_fn() != 2) {
			fprintf(stderr, "backend %d: poke to jump: %s\n", every_backend[i],
				tp_strerror(err));
			return -1;
		}
		err = tp_poke(site_nopjmp, jump, nop, SITE_LEN, every_backend[i]);
		if (err || site_nopjmp_fn() != 1) {
			fprintf(stderr, "backend %d: poke to NOP: %s\n", every_backend[i],
				tp_strerror(err));
			return -1;
		}
	}
	return 0;
}
