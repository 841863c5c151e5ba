/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The patch sites of poke_bench, in each arch's assembler
 * (bench/sites_<arch>.S): BENCH_SITES NOPs in a row for the batches, and
 * one site in a function of its own that worker threads call while
 * batches run.  Every site may become a jump to the end of its run, so
 * the functions return 1 in every state.
 */
#ifndef BENCH_POKE_SITES_H
#define BENCH_POKE_SITES_H

#define BENCH_SITES	100000

#ifndef __ASSEMBLER__
extern char bench_sites[], bench_sites_end[];	/* BENCH_SITES NOPs, then ret */
extern char bench_site[], bench_site_end[];	/* one NOP, then ret */
extern const unsigned int bench_site_len;	/* bytes of one site */
int bench_sites_fn(void);
int bench_site_fn(void);
#endif

#endif /* BENCH_POKE_SITES_H */
