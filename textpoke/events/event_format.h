/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw record of the traceevent formats textpoke:poke_pre and
 * textpoke:poke_post (event_format.c): what a tool hands libtraceevent
 * for one event.  The format text describes exactly this layout; the
 * selftests check that libtraceevent finds every field where this
 * struct has it.
 */
#ifndef PERF_GLUE_EVENT_FORMAT_H
#define PERF_GLUE_EVENT_FORMAT_H

#include <stdint.h>

#include <textpoke/textpoke.h>

/* tracefs event IDs of the two formats. */
#define TEXTPOKE_FORMAT_ID_PRE	29809
#define TEXTPOKE_FORMAT_ID_POST	29810

struct textpoke_raw_event {
	/* the common fields every tracefs event starts with */
	uint16_t common_type;		/* the format ID */
	uint8_t common_flags;
	uint8_t common_preempt_count;
	int32_t common_pid;		/* the poking thread */
	/* textpoke's */
	uint64_t addr;
	uint64_t batch;
	int32_t pid;
	int32_t cpu;
	uint8_t backend;		/* enum tp_backend */
	uint8_t len;
	uint8_t old[TP_MAX_INSN_LEN];
	uint8_t new[TP_MAX_INSN_LEN];
} __attribute__((aligned(8)));

#endif /* PERF_GLUE_EVENT_FORMAT_H */
