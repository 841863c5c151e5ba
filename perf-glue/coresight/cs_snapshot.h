/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An OpenCSD snapshot directory, as trc_pkt_lister -ss_dir reads it:
 *
 *   snapshot.ini  [device_list] deviceN=FILE (one ini file per device),
 *                 [trace] metadata=trace.ini
 *   device files  [device] name, class, type; [regs] NAME(...)=value;
 *                 [dumpN] file, address, length, offset, space: memory
 *                 the core could execute, at address, from the file
 *   trace.ini     [trace_buffers] buffers=ID,...; [ID] name, file, format
 *                 (coresight: frame-formatted, dstream_coresight: with
 *                 frame syncs, source_data: one unformatted source);
 *                 [source_buffers] SOURCE=BUFFER; [core_trace_sources]
 *                 CORE=SOURCE
 *
 * Every name a file gives is checked to exist before it is used; paths
 * are the directory's.  Not part of the library.
 */
#ifndef PERF_GLUE_CS_SNAPSHOT_H
#define PERF_GLUE_CS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coresight/cs_decode.h"
#include "coresight/cs_ini.h"

struct cs_dump {
	char *path;			/* the dump file, in the snapshot directory */
	uint64_t address;
	uint64_t offset;		/* into the file */
	uint64_t length;		/* 0: to the end of the file */
	const char *space;		/* memory space name ("" when not given) */
};

struct cs_device {
	const char *name, *class_name, *type;
	struct cs_ini ini;
	struct cs_dump *dumps;
	size_t nr_dumps;
};

enum cs_buffer_format {
	CS_FORMAT_FRAMED,		/* "coresight": 16-byte frames, memory aligned */
	CS_FORMAT_FRAMED_FSYNC,		/* "dstream_coresight": frames and frame syncs */
	CS_FORMAT_SINGLE,		/* "source_data": one source, unformatted */
};

struct cs_buffer {
	const char *name;
	char *path;			/* the buffer file */
	enum cs_buffer_format format;
};

/* A trace source feeding a buffer, and the core it traces (NULL: none, e.g. STM). */
struct cs_source {
	const struct cs_device *device;
	const struct cs_device *core;
	const struct cs_buffer *buffer;
};

struct cs_snapshot {
	char *dir;
	struct cs_ini snapshot, trace;
	struct cs_device *devices;
	size_t nr_devices;
	struct cs_buffer *buffers;
	size_t nr_buffers;
	struct cs_source *sources;	/* by source name, as OpenCSD orders them */
	size_t nr_sources;
	char error[512];
	char warnings[1024];		/* what was left out, one line each */
};

/* Read the snapshot in @dir.  0, -ENOMEM, -errno or -EINVAL with ss->error. */
int cs_snapshot_load(struct cs_snapshot *ss, const char *dir);
void cs_snapshot_free(struct cs_snapshot *ss);

/* The buffer named @name, or the first when @name is NULL; NULL when none. */
const struct cs_buffer *cs_snapshot_buffer(const struct cs_snapshot *ss, const char *name);
const struct cs_device *cs_snapshot_device(const struct cs_snapshot *ss, const char *name);

/*
 * Register @name of a device ("TRCIDR0" matches "TRCIDR0(0x078)" and
 * "trcidr0(id:0x78)").  0 with *@value, -ENOENT when absent, -EINVAL
 * when not a number.
 */
int cs_device_reg(const struct cs_device *dev, const char *name, uint64_t *value);

/* One line of what was left out, added to ss->warnings (dropped when it is full). */
void cs_snapshot_warn(struct cs_snapshot *ss, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));



/*
 * The decode tree of buffer @b, as trc_pkt_lister builds it: a decoder
 * for each ETMv4 or ETE source feeding it (in source name order; the
 * first only for an unformatted buffer), its profile from the type of
 * the core it traces, and the memory dumps of those cores.  What cannot
 * be used (another protocol, an unknown core, a missing dump file) is
 * left out and said in ss->warnings, as OpenCSD does.  0, or -errno
 * with t->error (no source could be decoded: -ENOENT).
 */
int cs_snapshot_tree(struct cs_snapshot *ss, const struct cs_buffer *b, struct cs_tree *t);

/* The ETMv4 or ETE configuration of a source device traced on @core. */
int cs_snapshot_source_config(const struct cs_device *dev, const struct cs_device *core,
			      struct cs_source_config *cfg, char *error, size_t len);

#endif /* PERF_GLUE_CS_SNAPSHOT_H */
