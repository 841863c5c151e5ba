/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the decode tests' program (prog.c) needs of its architecture: its
 * traced functions (in its assembler), and for each the two instructions
 * its site switches between and the backends that switch them.
 */
#ifndef SELFTESTS_DECODE_PROG_H
#define SELFTESTS_DECODE_PROG_H

#include <stddef.h>
#include <stdint.h>

#include <textpoke/textpoke.h>

long decode_work(void);
extern char decode_site[], decode_alt[], decode_done[];

/*
 * A traced function: its labels, its site's @len-byte instruction as
 * assembled (@original) and the one a poke puts there (@branch: a branch
 * to @alt where the library can write one in @len bytes), and the backend
 * of each poke, the first one to @branch, the next one back.
 */
struct prog_work {
	long (*fn)(void);
	char *site, *alt, *done;
	size_t len;
	uint8_t original[TP_MAX_INSN_LEN], branch[TP_MAX_INSN_LEN];
	const enum tp_backend *plan;
	size_t nr_plan;
};

/* decode_work's plan: every backend, each both ways. */
#define PROG_EVERY_BACKEND	6
extern const enum tp_backend prog_every_backend[PROG_EVERY_BACKEND];

/*
 * The arch file: the traced function the program's second argument
 * names, or decode_work (@name NULL).  -EINVAL for a name it has not.
 */
int prog_work(const char *name, struct prog_work *w);

#endif
