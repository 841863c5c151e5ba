/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hardware-trace side of a perf.data file, whatever the trace format
 * (CoreSight ETM, Intel PT, RISC-V E-Trace): what a decoder needs besides
 * the trace unit's own packets.
 *
 *   auxtrace_open()/_parse()  read the file (perf_read.h checks it) and
 *                             collect, in file order:
 *     info       PERF_RECORD_AUXTRACE_INFO: the PMU type and its private
 *                words, uninterpreted (each format's parser reads them);
 *     buffers    every PERF_RECORD_AUXTRACE: offset, size, idx, tid, cpu
 *                and a pointer to its payload inside the file;
 *     queues     the buffers grouped by idx (perf's queue: the CPU in
 *                per-CPU mode, the mmap in per-thread mode), in offset
 *                order, as a decoder walks them;
 *     mmaps      MMAP and MMAP2 records: who mapped which file where,
 *                with the build-id MMAP2 may carry;
 *     time_conv  PERF_RECORD_TIME_CONV, for a trace that counts another
 *                clock than the events (auxtrace_cycles_to_time());
 *     starts     PERF_RECORD_ITRACE_START: which thread a CPU's trace
 *                began in;
 *     aux        PERF_RECORD_AUX: where the kernel lost or cut trace;
 *     hw_ids     PERF_RECORD_AUX_OUTPUT_HW_ID: the hardware ID a CPU's
 *                trace unit was given at run time (CoreSight trace IDs).
 *   auxtrace_load_image()     the executable mappings' ELF files (with
 *                             --symfs and -b FILE@BIAS overrides) and the
 *                             textpoke PRE/POST records into a code image.
 *
 * Pointers into the file stay valid until auxtrace_close().  Every size
 * is checked against its record; a corrupt record gives -EINVAL and a
 * sentence in d->error.  Not part of the library.
 */
#ifndef PERF_GLUE_AUXTRACE_H
#define PERF_GLUE_AUXTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perfdata/perf_read.h"

struct code_image;

/* Record types perf writes itself (tools/lib/perf/include/perf/event.h). */
#define PERF_RECORD_AUXTRACE_INFO_TYPE	70
#define PERF_RECORD_TIME_CONV_TYPE	79

/* The AUXTRACE_INFO types of perf's auxtrace.h. */
enum auxtrace_type {
	AUXTRACE_TYPE_INTEL_PT	= 1,
	AUXTRACE_TYPE_INTEL_BTS	= 2,
	AUXTRACE_TYPE_CS_ETM	= 3,
	AUXTRACE_TYPE_ARM_SPE	= 4,
	AUXTRACE_TYPE_S390_CPUMSF = 5,
	AUXTRACE_TYPE_HISI_PTT	= 6,
};

struct auxtrace_info {
	bool present;
	uint32_t type;			/* enum auxtrace_type */
	uint64_t *priv;			/* the words after the type, copied */
	size_t nr_priv;
};

/* No CPU (per-thread mode) or no thread (per-CPU mode), as perf writes it. */
#define AUXTRACE_NONE	UINT32_MAX

struct auxtrace_buffer {
	uint64_t offset;		/* in the AUX area of its queue */
	uint64_t size;
	uint64_t reference;
	uint32_t idx, tid, cpu;		/* tid, cpu: AUXTRACE_NONE when unknown */
	const uint8_t *data;		/* size bytes, into the file */
	uint64_t file_offset;		/* of the record, for messages */
};

struct auxtrace_queue {
	uint32_t idx;
	uint32_t cpu, tid;		/* of its first buffer */
	size_t *buffers;		/* indices in buffers[], by offset */
	size_t nr_buffers;
};

struct auxtrace_mmap {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t prot;			/* MMAP2 only; PROT_EXEC for an MMAP of code */
	bool exec;
	const char *filename;		/* NUL-terminated, into the file */
	uint8_t build_id[20];
	uint8_t build_id_size;		/* 0: none */
	uint64_t time;			/* 0 without a sample_id time */
};

struct auxtrace_time_conv {
	bool present;
	uint64_t time_shift, time_mult, time_zero;
	uint64_t time_cycles, time_mask;	/* with cap_user_time_short */
	bool cap_user_time_zero, cap_user_time_short;
};

struct auxtrace_start {
	uint32_t pid, tid, cpu;
	uint64_t time;
};

/* PERF_RECORD_AUX flags (perf_event.h's PERF_AUX_FLAG_*). */
struct auxtrace_aux {
	uint64_t offset, size, flags;
	uint32_t cpu;
	uint64_t time;
};

struct auxtrace_hw_id {
	uint64_t hw_id;
	uint32_t cpu;			/* AUXTRACE_NONE without a sample_id CPU */
	uint64_t time;
};

struct auxtrace_data {
	struct perf_file file;
	struct auxtrace_info info;
	struct auxtrace_buffer *buffers;
	size_t nr_buffers, cap_buffers;
	struct auxtrace_queue *queues;
	size_t nr_queues;
	struct auxtrace_mmap *mmaps;
	size_t nr_mmaps, cap_mmaps;
	struct auxtrace_time_conv time_conv;
	struct auxtrace_start *starts;
	size_t nr_starts, cap_starts;
	struct auxtrace_aux *aux;
	size_t nr_aux, cap_aux;
	struct auxtrace_hw_id *hw_ids;
	size_t nr_hw_ids, cap_hw_ids;
	size_t nr_text_pokes;		/* textpoke PRE/POST records seen */
	char error[256];
};

/* Read and collect @path; -errno for I/O, -EINVAL (d->error) for format. */
int auxtrace_open(struct auxtrace_data *d, const char *path);
/* The same on @size bytes at @buf, which must outlive @d. */
int auxtrace_parse(struct auxtrace_data *d, const uint8_t *buf, size_t size);
void auxtrace_close(struct auxtrace_data *d);

/* The queue of @idx, or NULL. */
const struct auxtrace_queue *auxtrace_queue_of(const struct auxtrace_data *d, uint32_t idx);

/*
 * A trace clock value in the events' clock, as perf converts it
 * (tools/perf/Documentation: TIME_CONV): @cycles scaled by mult >> shift
 * from time_zero, the short counter extended first.  @cycles back when
 * the file has no TIME_CONV.
 */
uint64_t auxtrace_cycles_to_time(const struct auxtrace_time_conv *tc, uint64_t cycles);

/*
 * "-b FILE@BIAS": this file at this load bias, whatever the mapping says
 * (UINT64_MAX: the bias its mapping gives; 0 when no mapping names it).
 */
struct auxtrace_binary {
	const char *path;
	uint64_t bias;
};

struct auxtrace_image_options {
	const char *symfs;		/* mapping names looked up under this directory */
	/*
	 * perf's build-id cache (~/.debug): a mapping whose file is not found
	 * but whose MMAP2 record has a build-id is looked up there, as
	 * DIR/.build-id/<2 hex digits>/<the rest>/elf.  NULL: not used.
	 */
	const char *buildid_dir;
	const struct auxtrace_binary *binaries;	/* matched to mappings by file name */
	size_t nr_binaries;
	uint32_t pid;			/* only this process's mappings; 0: all */
	bool ignore_events;		/* leave the textpoke PRE/POST records out */
	/* Told each file loaded and its bias (for symbols), when set. */
	void (*loaded)(void *arg, const char *path, uint64_t bias);
	/* Told each executable mapping's file not found, once a name, when set. */
	void (*missing)(void *arg, const char *filename);
	void *callback_arg;		/* both callbacks' @arg */
};

/*
 * The file behind @m: an override whose base name is the mapping's, the
 * mapping's name under symfs, or its build-id's file in the build-id
 * cache.  0 with @path and @bias (the ELF file's addresses plus @bias are
 * the process's; UINT64_MAX: from the file), -ENOENT when nothing matches.
 */
int auxtrace_mmap_file(const struct auxtrace_image_options *o, const struct auxtrace_mmap *m,
		       char *path, size_t len, uint64_t *bias);

/*
 * Every executable mapping whose file exists (kernel and anonymous
 * mappings skipped, each file and bias once; overrides that match no
 * mapping added as given), then the PRE/POST records, into @img (not
 * frozen).  0, or -errno with d->error.
 */
int auxtrace_load_image(struct auxtrace_data *d, const struct auxtrace_image_options *o,
			struct code_image *img);

#endif /* PERF_GLUE_AUXTRACE_H */
