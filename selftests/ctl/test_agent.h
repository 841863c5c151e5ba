/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTL_TEST_AGENT_H
#define CTL_TEST_AGENT_H

/* Where set, the test agent counts each call at index (its first argument). */
extern unsigned int *test_agent_seen;
extern unsigned long test_agent_seen_len;

unsigned long test_agent_hits(void);

#endif
