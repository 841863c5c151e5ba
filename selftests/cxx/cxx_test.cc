// SPDX-License-Identifier: GPL-2.0
/*
 * The library from C++, as a C++ program uses it: static branches of
 * TRUE and FALSE keys, likely and unlikely, several in one function and
 * in an inline function used twice; the key API through the overloads;
 * an events subscriber reading new_bytes; an ftrace ops with priv.
 * Prints one "ok"/"not ok" line per check and exits 0 only when all
 * hold.
 */
#include <cstdio>
#include <cstring>

#include <textpoke/events.h>
#include <textpoke/fgraph_record.h>
#include <textpoke/ftrace.h>
#include <textpoke/static_key.h>
#include <textpoke/textpoke.h>

static int failures;

static void check(bool ok, const char *what)
{
	std::printf("%s %s\n", ok ? "ok" : "not ok", what);
	failures += !ok;
}

TP_DEFINE_STATIC_KEY_FALSE(feature_off);
TP_DEFINE_STATIC_KEY_TRUE(feature_on);

/* Four sites in one function: each form a key and branch can take. */
__attribute__((noinline)) static unsigned int branches()
{
	unsigned int taken = 0;

	if (tp_static_branch_unlikely(&feature_off))
		taken |= 1;
	if (tp_static_branch_likely(&feature_off))
		taken |= 2;
	if (tp_static_branch_unlikely(&feature_on))
		taken |= 4;
	if (tp_static_branch_likely(&feature_on))
		taken |= 8;
	return taken;
}

/* A site in an inline function: every caller gets its own. */
static inline bool off_is_on()
{
	return tp_static_branch_unlikely(&feature_off);
}

__attribute__((noinline)) static int first_caller() { return off_is_on(); }
__attribute__((noinline)) static int second_caller() { return off_is_on() * 2; }

static unsigned int events_seen;
static bool bytes_differ;

static void on_event(const struct tp_event *ev, void *)
{
	events_seen++;
	if (ev->phase == TP_EVENT_PRE && std::memcmp(ev->old, ev->new_bytes, ev->len))
		bytes_differ = true;
}

int main()
{
	struct tp_ftrace_ops ops = {};
	int err;

	ops.priv = &failures;
	check(ops.priv == &failures, "ftrace ops priv");
	check(branches() == (4 | 8), "initial branches");
	check(first_caller() == 0 && second_caller() == 0, "inline sites start off");
	check(tp_events_subscribe(on_event, nullptr, 0) == 0, "subscribe");

	err = tp_static_key_enable(&feature_off);
	check(err == 0, "enable the FALSE key");
	if (err)
		std::printf("# %s\n", tp_strerror(err));
	check(branches() == (1 | 2 | 4 | 8), "branches with both keys on");
	check(first_caller() == 1 && second_caller() == 2, "every inline site follows");
	check(tp_static_key_enabled(&feature_off), "tp_static_key_enabled");

	check(tp_static_key_disable(&feature_on) == 0, "disable the TRUE key");
	check(branches() == (1 | 2), "branches with the TRUE key off");
	check(tp_static_key_slow_inc(&feature_on) == 0 &&
	      tp_static_key_slow_dec(&feature_off) == 0, "slow_inc and slow_dec");
	check(branches() == (4 | 8) && first_caller() == 0, "back where they started");

	check(events_seen > 0 && bytes_differ, "events carry old and new bytes");
	check(tp_events_unsubscribe(on_event, nullptr) == 0, "unsubscribe");
	return failures ? 1 : 0;
}
