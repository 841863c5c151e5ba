// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tracefs-style formats of textpoke's two events, for libtraceevent
 * (tep_parse_format) and any tool that reads tracefs formats.  The record
 * they describe is struct textpoke_raw_event.
 */
#include <stddef.h>

#include <textpoke/events.h>

#include "event_format.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

#define FIELDS \
	"format:\n" \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n" \
	"\n" \
	"\tfield:unsigned long long addr;\toffset:8;\tsize:8;\tsigned:0;\n" \
	"\tfield:unsigned long long batch;\toffset:16;\tsize:8;\tsigned:0;\n" \
	"\tfield:int pid;\toffset:24;\tsize:4;\tsigned:1;\n" \
	"\tfield:int cpu;\toffset:28;\tsize:4;\tsigned:1;\n" \
	"\tfield:unsigned char backend;\toffset:32;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char len;\toffset:33;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char old[16];\toffset:34;\tsize:16;\tsigned:0;\n" \
	"\tfield:unsigned char new[16];\toffset:50;\tsize:16;\tsigned:0;\n" \
	"\n"

#define BACKEND_NAMES \
	"__print_symbolic(REC->backend, { 1, \"nosync\" }, { 2, \"breakpoint\" }, " \
	"{ 3, \"stop_machine\" })"

_Static_assert(offsetof(struct textpoke_raw_event, addr) == 8 &&
	       offsetof(struct textpoke_raw_event, batch) == 16 &&
	       offsetof(struct textpoke_raw_event, pid) == 24 &&
	       offsetof(struct textpoke_raw_event, cpu) == 28 &&
	       offsetof(struct textpoke_raw_event, backend) == 32 &&
	       offsetof(struct textpoke_raw_event, len) == 33 &&
	       offsetof(struct textpoke_raw_event, old) == 34 &&
	       offsetof(struct textpoke_raw_event, new) == 50 &&
	       TP_MAX_INSN_LEN == 16, "the format text no longer matches the record");

static const char poke_pre_format[] =
	"name: poke_pre\n"
	"ID: " STR(TEXTPOKE_FORMAT_ID_PRE) "\n"
	FIELDS
	"print fmt: \"addr=0x%llx len=%u old=%s new=%s backend=%s batch=%llu\", "
	"REC->addr, REC->len, __print_hex(REC->old, REC->len), "
	"__print_hex(REC->new, REC->len), " BACKEND_NAMES ", REC->batch\n";

static const char poke_post_format[] =
	"name: poke_post\n"
	"ID: " STR(TEXTPOKE_FORMAT_ID_POST) "\n"
	FIELDS
	"print fmt: \"addr=0x%llx len=%u now=%s backend=%s batch=%llu\", "
	"REC->addr, REC->len, __print_hex(REC->new, REC->len), " BACKEND_NAMES
	", REC->batch\n";

const char *tp_event_format(enum tp_event_phase phase)
{
	switch (phase) {
	case TP_EVENT_PRE:
		return poke_pre_format;
	case TP_EVENT_POST:
		return poke_post_format;
	}
	return NULL;
}
