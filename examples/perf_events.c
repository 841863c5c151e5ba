// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every change to the code is an event: a PRE before the first write that
 * can change what a core runs at the site, a POST once the new bytes are
 * visible everywhere.  Watch them with a callback, and write them to a
 * perf.data file that `perf script --show-text-poke-events` reads.
 *
 *	perf_events [FILE]	(default: perf_events.data in the current directory)
 */
#include <stdio.h>

#include <textpoke/events.h>
#include <textpoke/static_key.h>

TP_DEFINE_STATIC_KEY_FALSE(feature);

static __attribute__((noinline)) int work(void)
{
	return tp_static_branch_unlikely(&feature) ? 2 : 1;
}

static unsigned int pre, post;

static void seen(const struct tp_event *e, void *arg)
{
	(void)arg;
	if (e->phase == TP_EVENT_PRE)
		pre++;
	else
		post++;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "perf_events.data";
	int err = tp_events_subscribe(seen, NULL, 0), on;

	err = err ?: tp_perf_data_open(path);
	err = err ?: tp_static_key_enable(&feature);
	on = work();
	err = err ?: tp_static_key_disable(&feature);
	err = err ?: tp_perf_data_close();
	tp_events_unsubscribe(seen, NULL);
	if (err) {
		fprintf(stderr, "perf_events: %s\n", tp_strerror(err));
		return 1;
	}
	printf("key on and off: %u PRE and %u POST events; written to %s\n", pre, post, path);
	return on != 2 || work() != 1 || pre != 2 || post != 2;
}
