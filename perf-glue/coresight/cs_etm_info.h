/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What perf record -e cs_etm// (and simpleperf) store about the trace
 * units in PERF_RECORD_AUXTRACE_INFO (type 3), as tools/perf/util/cs-etm.h
 * lays the words out:
 *
 *   header   version, (PMU type << 32 | number of CPUs), snapshot mode
 *   per CPU  version 0: magic, CPU, then a fixed block per magic
 *                       (ETMv4: TRCCONFIGR, TRCTRACEIDR, TRCIDR0, TRCIDR1,
 *                       TRCIDR2, TRCIDR8, TRCAUTHSTATUS; ETMv3/PTM: ETMCR,
 *                       ETMTRACEIDR, ETMCCER, ETMIDR)
 *            version 1 and 2: magic, CPU, the number of words that follow,
 *                       then those (ETE: the ETMv4 ones and TRCDEVARCH;
 *                       newer perf appends more, which are skipped)
 *
 * perf decodes ETMv4 as an A-profile v8 core and ETE as v8.3+ (AA64): the
 * file names no core.  And how the PERF_RECORD_AUX flags say a CPU's
 * trace was written: frame-formatted by an ETF/ETR, or raw by a TRBE.
 */
#ifndef PERF_GLUE_CS_ETM_INFO_H
#define PERF_GLUE_CS_ETM_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coresight/cs_decode.h"
#include "perfdata/auxtrace.h"

#define CS_ETM_MAGIC_ETMV3	0x3030303030303030ull
#define CS_ETM_MAGIC_ETMV4	0x4040404040404040ull
#define CS_ETM_MAGIC_ETE	0x5050505050505050ull

/* PERF_RECORD_AUX: the CPU's trace is raw, not frame-formatted (TRBE). */
#define CS_AUX_FLAG_FORMAT_RAW	0x0100ull

struct cs_etm_cpu {
	uint32_t cpu;
	uint64_t magic;
	bool supported;			/* ETMv4 or ETE: cfg is usable */
	struct cs_source_config cfg;
};

struct cs_etm_info {
	uint64_t version;
	uint32_t pmu_type, nr_cpus;
	bool snapshot;
	struct cs_etm_cpu *cpus;	/* nr_cpus of them */
};

/* Parse @info (type CS_ETM).  0, or -EINVAL/-ENOMEM with @error. */
int cs_etm_info_parse(const struct auxtrace_info *info, struct cs_etm_info *out, char *error,
		      size_t len);
void cs_etm_info_free(struct cs_etm_info *info);

/*
 * The trace IDs the kernel gave each CPU's unit at run time (Linux 6.4+,
 * header version 2): PERF_RECORD_AUX_OUTPUT_HW_ID's low byte, for the
 * CPU of its sample_id, replaces the TRCTRACEIDR of AUXTRACE_INFO.
 * Records without a CPU are ignored.
 */
void cs_etm_info_apply_hw_ids(struct cs_etm_info *info, const struct auxtrace_data *d);

/* The CPU whose unit writes trace ID @id, or NULL. */
const struct cs_etm_cpu *cs_etm_cpu_of_id(const struct cs_etm_info *info, uint8_t id);
const struct cs_etm_cpu *cs_etm_cpu(const struct cs_etm_info *info, uint32_t cpu);

/*
 * The decode tree of one queue: raw when the AUX records of its CPU say
 * so (one decoder, that CPU's; in per-thread mode the first CPU's),
 * else frame-formatted with a decoder for every CPU's unit.
 */
int cs_etm_queue_tree(const struct cs_etm_info *info, const struct auxtrace_data *d,
		      const struct auxtrace_queue *q, struct cs_tree *t);

#endif /* PERF_GLUE_CS_ETM_INFO_H */
