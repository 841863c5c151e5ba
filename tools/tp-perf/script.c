// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-perf script: print the textpoke events of a perf.data (textpoke's
 * own or one tp-perf inject wrote) through libtraceevent: the shipped
 * formats are parsed, each TEXT_POKE record becomes the raw record they
 * describe, and libtraceevent's print format renders it, as perf script
 * does for tracepoints.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <event-parse.h>
#include <trace-seq.h>

#include <textpoke/events.h>

#include "../../textpoke/events/event_format.h"
#include "perfdata/perf_read.h"
#include "tp-perf.h"

static int parse_formats(struct tep_handle *tep, char *error, size_t error_len)
{
	static const enum tp_event_phase phases[] = { TP_EVENT_PRE, TP_EVENT_POST };
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *fmt = tp_event_format(phases[i]);
		struct tep_event *event;
		enum tep_errno err;

		if (!fmt) {
			snprintf(error, error_len, "this build has no traceevent formats");
			return -ENOSYS;
		}
		err = tep_parse_format(tep, &event, fmt, strlen(fmt), "textpoke");
		if (err) {
			char why[128];

			tep_strerror(tep, err, why, sizeof(why));
			snprintf(error, error_len, "libtraceevent refused a format: %s", why);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * PERF_RECORD_COMM: pid, tid, name; libtraceevent prints names by pid.
 * The latest name wins (perf-exec becomes the program after exec).
 */
static void register_comm(struct tep_handle *tep, const struct perf_record *rec)
{
	char comm[64];
	uint32_t tid;
	size_t len = rec->size - 16 < sizeof(comm) - 1 ? rec->size - 16 : sizeof(comm) - 1;

	if (rec->size <= 16)
		return;
	memcpy(&tid, rec->data + 12, 4);
	memcpy(comm, rec->data + 16, len);
	comm[len] = '\0';
	tep_override_comm(tep, comm, tid);
}

static int raw_event(const struct text_poke *poke, const struct sample_id *sid,
		     struct textpoke_raw_event *raw)
{
	bool pre = poke->tail.phase == TP_EVENT_PRE;

	if ((!pre && poke->tail.phase != TP_EVENT_POST) || poke->new_len > TP_MAX_INSN_LEN ||
	    (pre && poke->old_len != poke->new_len))
		return -EINVAL;
	memset(raw, 0, sizeof(*raw));
	raw->common_type = pre ? TEXTPOKE_FORMAT_ID_PRE : TEXTPOKE_FORMAT_ID_POST;
	raw->common_pid = sid->tid;
	raw->addr = poke->addr;
	raw->batch = poke->tail.batch;
	raw->pid = sid->pid;
	raw->cpu = sid->cpu;
	raw->backend = poke->tail.backend;
	raw->len = poke->new_len;
	memcpy(raw->old, poke->old, poke->old_len);
	memcpy(raw->new, poke->new, poke->new_len);
	return 0;
}

static void print_event(struct tep_handle *tep, FILE *out, struct textpoke_raw_event *raw,
			const struct sample_id *sid)
{
	struct tep_record record = {
		.ts = sid->time,
		.cpu = (int)sid->cpu,
		.size = sizeof(*raw),
		.data = raw,
	};
	struct trace_seq s;

	trace_seq_init(&s);
	tep_print_event(tep, &s, &record, "%16s %6d [%03d] ", TEP_PRINT_COMM,
			TEP_PRINT_PID, TEP_PRINT_CPU);
	trace_seq_printf(&s, "%llu.%09llu: ", (unsigned long long)sid->time / 1000000000,
			 (unsigned long long)sid->time % 1000000000);
	tep_print_event(tep, &s, &record, "textpoke:%s: %s\n", TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&s);
	fputs(s.buffer, out);
	trace_seq_destroy(&s);
}

static int print_records(struct perf_file *f, struct tep_handle *tep, FILE *out,
			 char *error, size_t error_len)
{
	struct perf_record rec;
	uint64_t pos = 0;
	int more;

	while ((more = perf_file_next(f, &pos, &rec)) > 0) {
		const struct perf_attr_info *a = perf_file_attr_of(f, &rec);
		struct textpoke_raw_event raw;
		struct text_poke poke;
		struct sample_id sid;

		if (!a)
			break;
		if (rec.type == PERF_RECORD_COMM)
			register_comm(tep, &rec);
		if (rec.type != PERF_RECORD_TEXT_POKE)
			continue;
		if (text_poke_parse(rec.data, rec.size, a->attr.sample_type, &poke) ||
		    !perf_record_sample_id(f, &rec, &sid)) {
			snprintf(error, error_len, "a TEXT_POKE record without its sample_id");
			return -EINVAL;
		}
		if (!poke.has_tail)
			continue;	/* the kernel's own text pokes */
		if (raw_event(&poke, &sid, &raw)) {
			snprintf(error, error_len, "a corrupt textpoke TEXT_POKE record");
			return -EINVAL;
		}
		print_event(tep, out, &raw, &sid);
	}
	if (more < 0 || (more > 0 && f->error[0])) {
		snprintf(error, error_len, "%s", f->error);
		return -EINVAL;
	}
	return 0;
}

int tp_perf_script(const char *path, FILE *out, char *error, size_t error_len)
{
	struct tep_handle *tep = tep_alloc();
	struct perf_file f;
	int err;

	if (!tep) {
		snprintf(error, error_len, "out of memory");
		return -ENOMEM;
	}
	/* Records carry the writer's byte order: the host's (perf_file.h). */
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, 8);
	err = parse_formats(tep, error, error_len);
	if (!err) {
		err = perf_file_open(&f, path);
		if (err)
			snprintf(error, error_len, "%s", f.error);
		else
			err = print_records(&f, tep, out, error, error_len);
		perf_file_close(&f);
	}
	tep_free(tep);
	return err;
}
