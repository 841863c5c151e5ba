/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A perf.data writer for the tests, written from the layouts of perf's
 * documentation (perf.data-file-format.txt, perf_event.h, perf's
 * event.h) and not from the reader it tests: the header, one attribute
 * with sample_id_all (TID, TIME, CPU), and records appended one by one.
 */
#ifndef SELFTESTS_CORESIGHT_PERF_WRITER_H
#define SELFTESTS_CORESIGHT_PERF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pw_file {
	uint8_t *data;			/* the data section so far */
	size_t len, cap;
	int failed;			/* -ENOMEM once an append failed */
	bool monotonic;			/* the attribute's clock: perf record -k CLOCK_MONOTONIC */
};

/* The sample_id trailer every kernel record gets: pid, tid, time, cpu. */
struct pw_sid {
	uint32_t pid, tid, cpu;
	uint64_t time;
};

void pw_auxtrace_info(struct pw_file *f, uint32_t type, const uint64_t *priv, size_t nr);
void pw_auxtrace(struct pw_file *f, uint64_t offset, uint32_t idx, uint32_t tid, uint32_t cpu,
		 const void *payload, uint64_t size);
void pw_mmap2(struct pw_file *f, const struct pw_sid *sid, uint64_t addr, uint64_t len,
	      uint64_t pgoff, uint32_t prot, const char *name, const uint8_t *build_id,
	      uint8_t build_id_size);
void pw_mmap(struct pw_file *f, const struct pw_sid *sid, uint64_t addr, uint64_t len,
	     uint64_t pgoff, const char *name);
void pw_time_conv(struct pw_file *f, uint16_t shift, uint32_t mult, uint64_t zero,
		  uint64_t cycles, uint64_t mask, int user_short);
void pw_itrace_start(struct pw_file *f, const struct pw_sid *sid);
void pw_aux(struct pw_file *f, const struct pw_sid *sid, uint64_t offset, uint64_t size,
	    uint64_t flags);
void pw_aux_output_hw_id(struct pw_file *f, const struct pw_sid *sid, uint64_t hw_id);
/* Raw bytes as a record of @type (for records the writer has no form of). */
void pw_raw(struct pw_file *f, uint32_t type, uint16_t misc, const void *body, size_t len);

/* The whole file: header, attribute, its ids, data.  0 or -errno. */
int pw_finish(struct pw_file *f, uint8_t **out, size_t *out_len);
int pw_write_file(struct pw_file *f, const char *path);
void pw_free(struct pw_file *f);

#endif /* SELFTESTS_CORESIGHT_PERF_WRITER_H */
