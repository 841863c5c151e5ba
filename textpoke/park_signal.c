// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Which signal parks threads for stop_machine: SIGRTMIN+3 unless the
 * environment names another (TEXTPOKE_PARK_SIGNAL, read once at init)
 * or the application moves it (tp_set_park_signal).  An application that
 * uses that signal itself, or a debugger that must be told to pass it
 * silently, needs to know and choose it.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/textpoke.h>

#include "internal.h"

#define DEFAULT_PARK_OFFSET	3	/* SIGRTMIN+3 */

bool park_signal_valid(int sig)
{
	return sig >= SIGRTMIN && sig <= SIGRTMAX;
}

/* A decimal number of at most 3 digits, nothing after it; -1 otherwise. */
static int small_number(const char *s)
{
	int v = 0, digits = 0;

	for (; *s >= '0' && *s <= '9' && digits <= 3; s++, digits++)
		v = v * 10 + (*s - '0');
	return digits && digits <= 3 && !*s ? v : -1;
}

/* "37", "SIGRTMIN", "SIGRTMIN+5", "SIGRTMAX", "SIGRTMAX-2"; <= 0 if none. */
static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sign;
	} bases[] = { { "SIGRTMIN", 1 }, { "SIGRTMAX", -1 } };
	unsigned int i;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		size_t len = strlen(bases[i].name);
		int base = bases[i].sign > 0 ? SIGRTMIN : SIGRTMAX, n;

		if (strncmp(s, bases[i].name, len))
			continue;
		s += len;
		if (!*s)
			return base;
		if (*s != (bases[i].sign > 0 ? '+' : '-'))
			return 0;
		n = small_number(s + 1);
		return n < 0 ? 0 : base + bases[i].sign * n;
	}
	return small_number(s);
}

int park_signal_from_environment(void)
{
	const char *setting = getenv("TEXTPOKE_PARK_SIGNAL");
	int sig;

	if (!setting || !*setting)
		return SIGRTMIN + DEFAULT_PARK_OFFSET;
	sig = parse_signal(setting);
	return park_signal_valid(sig) ? sig : -EINVAL;
}

int tp_park_signal(void)
{
	int err = tp_init();

	return err ? err : stop_machine_signal();
}

int tp_set_park_signal(int sig)
{
	int err;

	if (!park_signal_valid(sig))
		return -EINVAL;
	err = tp_init();
	if (err)
		return err;
	err = text_mutex_lock();
	if (err)
		return err;
	err = stop_machine_set_signal(sig);
	text_mutex_unlock();
	return err;
}
