/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AGENT_TRACED_H
#define AGENT_TRACED_H
int agent_t_leaf(int x);
int agent_t_outer(int x);
#endif
