/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The demo's phases (tracing.c) and what they read of the workers. */
#ifndef DEMO_DEMO_H
#define DEMO_DEMO_H

#include <stdbool.h>

/* textpoke-demo.c: totals over every worker so far. */
unsigned long demo_requests(void);
unsigned long demo_wrong_prices(void);
double demo_now(void);
bool demo_tty(void);

/* tracing.c: each returns 0 or a negative errno, and prints what it did. */
int demo_count_calls(void);
int demo_redirect_fix(void);
int demo_graph_one_request(const char *path);
int demo_undo_tracing(void);

#endif /* DEMO_DEMO_H */
