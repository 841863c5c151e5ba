/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the decode tests' program (prog.c) needs of its architecture:
 * the traced function's labels (in its assembler) and the two 4-byte
 * instructions its site switches between.
 */
#ifndef SELFTESTS_DECODE_PROG_H
#define SELFTESTS_DECODE_PROG_H

#include <stdint.h>

long decode_work(void);
extern char decode_site[], decode_alt[], decode_done[];

/* The site's instruction as assembled. */
uint32_t prog_site_original(void);
/* A branch from the site to decode_alt. */
uint32_t prog_site_branch(void);

#endif
