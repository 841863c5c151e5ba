/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command-line values textpoke-ctl and textpoke-attach both take: a
 * process (or thread) id and a timeout in seconds.
 */
#ifndef TP_CTL_ARGS_H
#define TP_CTL_ARGS_H

#include <sys/types.h>

/* A positive id below 2^30 (the kernel's PID_MAX_LIMIT) into *@pid: 0, or -EINVAL. */
int ctl_parse_pid(const char *s, pid_t *pid);

/* Whole seconds, 1 to 3600, as milliseconds; -1 for anything else. */
int ctl_parse_seconds(const char *s);

#endif /* TP_CTL_ARGS_H */
