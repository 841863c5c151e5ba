/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CTL_TRACED_H
#define CTL_TRACED_H

unsigned long ctl_work(unsigned long seq);

#endif
