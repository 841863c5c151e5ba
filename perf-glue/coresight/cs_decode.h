/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CoreSight trace as the hardware wrote it, through OpenCSD: a decode tree
 * for one trace buffer, frame-formatted (ETB/ETF/ETR, with or without the
 * TPIU's frame syncs; OpenCSD's own deformatter splits it by trace ID) or
 * from one unformatted source (TRBE, a single ETM's sink), with an ETMv4
 * or ETE decoder per trace source.
 *
 * Robust as OpenCSD is: a packet OpenCSD cannot decode is counted and
 * reported (cs_decode_stats), the tree is reset and decoding goes on
 * from the next frame (frame-synced data, which OpenCSD 1.3.3 cannot
 * resume safely, ends there, as in trc_pkt_lister); a packet the buffer cuts off ends its stream
 * with OpenCSD's end-of-trace element, a frame it cuts is not fed
 * (cs_decode_stats.cut).  Only what cannot be decoded at
 * all (no decoder could be made, no memory) is an error.
 *
 *   cs_tree_open()          the tree for a buffer of one format
 *   cs_tree_add_source()    a decoder for a trace source's registers
 *   cs_tree_add_dump()      memory the traced cores ran, from a file
 *   cs_tree_add_reader()    memory from a callback (the code image)
 *   cs_tree_decode()        the buffer through it, elements to a callback
 *
 * Not part of the library.
 */
#ifndef PERF_GLUE_CS_DECODE_H
#define PERF_GLUE_CS_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <opencsd/c_api/opencsd_c_api.h>
#include <opencsd/ete/trc_pkt_types_ete.h>

/* Every trace ID (cs_decode_options.id). */
#define CS_ALL_IDS	(-1)

enum cs_framing {
	CS_FRAMES,			/* 16-byte frames, memory aligned (ETB, ETF, ETR) */
	CS_FRAMES_FSYNC,		/* frames between frame syncs (TPIU, DSTREAM) */
	CS_UNFORMATTED,			/* one source (TRBE, a dedicated sink) */
};

enum cs_protocol {
	CS_ETMV4,
	CS_ETE,
};

/* A trace source: its registers as OpenCSD wants them. */
struct cs_source_config {
	enum cs_protocol protocol;
	ocsd_etmv4_cfg etm4;		/* CS_ETMV4 */
	ocsd_ete_cfg ete;		/* CS_ETE */
};

/* Sources a tree decodes at most: one per trace ID. */
#define CS_MAX_SOURCES	128

struct cs_decode_stats {
	size_t nr_elements;		/* passed to the callback */
	size_t nr_errors;		/* bad packets: the tree was reset each time */
	uint64_t bytes;			/* of the buffer fed */
	size_t cut;			/* bytes of a frame the buffer's end cut, not fed */
	bool halted;			/* stopped at a bad packet it could not go on after */
	size_t skipped;			/* frame-synced data before its first frame sync */
	uint64_t cut_packet[CS_MAX_SOURCES];	/* per source: where the end cut a packet, or UINT64_MAX */
	char first_error[256];		/* what the first one was, and where */
};

/* An element; return false to stop decoding. */
typedef bool (*cs_element_fn)(void *arg, uint64_t index, uint8_t trace_id,
			      const ocsd_generic_trace_elem *elem);

/* Reads for the decoder: fill @buf with up to @len bytes at @addr, return how many. */
typedef uint32_t (*cs_read_fn)(void *arg, uint64_t addr, uint8_t trace_id, uint8_t *buf,
			       uint32_t len);

struct cs_tree {
	dcd_tree_handle_t tree;
	struct cs_source_config sources[CS_MAX_SOURCES];	/* for the first pass */
	enum cs_framing framing;
	unsigned int nr_decoders;
	int id;				/* the one ID decoded, or CS_ALL_IDS */
	cs_element_fn element;
	void *element_arg;
	cs_read_fn read;
	void *read_arg;
	bool stopped;
	bool has_memory;		/* a dump or a reader was given */
	struct cs_decode_stats stats;
	char error[256];
};

/* The tree for a buffer of @framing.  0, or -ENOMEM with t->error. */
int cs_tree_open(struct cs_tree *t, enum cs_framing framing);
void cs_tree_close(struct cs_tree *t);

/*
 * A decoder for @cfg (its trace ID in TRCTRACEIDR).  -EINVAL with
 * t->error when OpenCSD refuses the configuration, -EEXIST for an ID
 * that already has one.
 */
int cs_tree_add_source(struct cs_tree *t, const struct cs_source_config *cfg);

/* Bytes of a file at an address: @length (0: to the end) from @offset. */
struct cs_region {
	uint64_t addr, offset, length;
};

/*
 * The regions of the file @path, in memory space @space (OpenCSD's
 * names: "EL1N", "N", "ANY"...; NULL or "": any).  -ENOENT when the
 * file is missing, -EINVAL when OpenCSD refuses it (e.g. overlapping
 * memory already given).
 */
int cs_tree_add_dump(struct cs_tree *t, const char *path, const struct cs_region *regions,
		     size_t nr, const char *space);

/* All memory from @read (called with the decoder's reads, any address). */
int cs_tree_add_reader(struct cs_tree *t, cs_read_fn read, void *arg);

/*
 * Feed @len bytes of the buffer, whose first byte has trace index @base,
 * with elements of trace ID @id (CS_ALL_IDS: every one) to @fn.  Then the
 * end of the trace, unless @fn stopped it.  t->stats says what happened.
 * 0, or -EINVAL with t->error when the tree has no decoder.
 */
int cs_tree_decode(struct cs_tree *t, const uint8_t *buf, size_t len, uint64_t base, int id,
		   cs_element_fn fn, void *arg);

/*
 * The first packet at or after @start of @len bytes of @framing that
 * OpenCSD 1.3.3's decoder for one of the @nr @sources cannot decode
 * safely: *@first its trace index and *@what the packet order, or
 * UINT64_MAX; and for each source where the end of the buffer cut one
 * of its packets, @cut[i] (UINT64_MAX: none).  0, or -ENOMEM/-EINVAL.
 */
int cs_hazard_scan(enum cs_framing framing, const struct cs_source_config *sources, size_t nr,
		   const uint8_t *buf, size_t start, size_t len, uint64_t *first, const char **what,
		   uint64_t *cut);

/*
 * Where frame-synced data starts: its first frame sync (0x7fffffff) at a
 * multiple of 4 bytes, or @len.  OpenCSD 1.3.3's deformatter, given such
 * data that does not start synchronised, can read far past its end
 * while it looks for a sync: the bytes before are not fed.
 */
size_t cs_fsync_start(const uint8_t *buf, size_t len);

/*
 * Whether decoding can go on after OpenCSD refused a block of @fed bytes
 * having used @used: not in frame-synced data (TPIU, DSTREAM), where
 * OpenCSD 1.3.3 cannot be reset safely.
 */
bool cs_can_resume(enum cs_framing framing, uint32_t used, uint32_t fed);

/*
 * Where to feed on after OpenCSD refused the buffer at @done (having
 * taken @used_now bytes of the last block): the next frame boundary
 * (16 bytes, or 4 with frame syncs: the deformatter reads whole ones,
 * misaligned input makes OpenCSD 1.3.3 read past it), always forward.
 */
size_t cs_resume_at(enum cs_framing framing, size_t done, size_t used_now);

/*
 * The architecture and profile of a core by its name as a snapshot gives
 * it ("Cortex-A57", "ARMv8.2-A"...).  -ENOENT for a name OpenCSD's
 * snapshots would not know either.
 */
int cs_core_profile(const char *name, ocsd_arch_version_t *arch, ocsd_core_profile_t *profile);

/* "Idx:N; ID:X; TEXT", trc_pkt_lister's line for an element (no newline). */
void cs_element_line(char *buf, size_t len, uint64_t index, uint8_t trace_id,
		     const ocsd_generic_trace_elem *elem);

#endif /* PERF_GLUE_CS_DECODE_H */
