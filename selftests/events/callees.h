/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the re-entry tests of events.c trace and flip: callees.c is built
 * with the library's ftrace_cflags, so each function has an entry site;
 * each key has a site in keys.c.
 */
#ifndef SELFTESTS_EVENTS_CALLEES_H
#define SELFTESTS_EVENTS_CALLEES_H

/*
 * No constructor: the tests register the table themselves, so that the
 * library starts in the test (TEXTPOKE_PERF_DATA is read then), not
 * before main().
 */
#define TP_NO_JUMP_TABLE_CONSTRUCTOR
#include <textpoke/static_key.h>

#include "../traced_attr.h"

TRACED int callee_traced(int x);	/* x + 1 */
TRACED int callee_other(int x);		/* x + 2: a redirection's target */

/* Off: the key a test changes so that a subscriber runs inside the change. */
TP_DECLARE_STATIC_KEY_FALSE(callee_key);
/* Off and on: the keys a callback tries to change. */
TP_DECLARE_STATIC_KEY_FALSE(callee_key_off);
TP_DECLARE_STATIC_KEY_TRUE(callee_key_on);

/* tp_jump_table_register() and _unregister() of this program's table. */
int callees_table_register(void);
int callees_table_unregister(void);

/* Bit 0: callee_key on, bit 1: callee_key_off on, bit 2: callee_key_on on. */
int callee_branches(void);

#endif /* SELFTESTS_EVENTS_CALLEES_H */
