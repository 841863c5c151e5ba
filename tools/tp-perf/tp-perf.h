/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The subcommands of tp-perf, each in its own file. */
#ifndef PERF_GLUE_TP_PERF_H
#define PERF_GLUE_TP_PERF_H

#include <stddef.h>
#include <stdio.h>

/*
 * Merge textpoke's file @tp_path into perf's @perf_path, written to
 * @out_path.  0, or -errno with a sentence naming the file in @error.
 */
int tp_perf_inject(const char *perf_path, const char *tp_path, const char *out_path,
		   char *error, size_t error_len);

/*
 * Print the textpoke events of @path to @out through libtraceevent and
 * the shipped formats.  0, or -errno with a sentence in @error.
 */
int tp_perf_script(const char *path, FILE *out, char *error, size_t error_len);

#endif /* PERF_GLUE_TP_PERF_H */
