/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A time-indexed code image: what bytes a traced process had at an
 * address at a given time.  The base bytes come from the ELF files the
 * process ran (and memory snapshots); every textpoke PRE/POST pair
 * becomes a change with its window [pre, post).  A query answers:
 *
 *   exact      before a change's PRE the old bytes, from its POST on the
 *              new ones;
 *   ambiguous  inside a window: a thread may have fetched the old or the
 *              new bytes there, or (breakpoint backend) the trap
 *              instruction, which the caller gets as candidates.
 *
 * Times are CLOCK_MONOTONIC nanoseconds, the clock of the events.  Used
 * by tp-decode and the tests; not part of the library.
 */
#ifndef PERF_GLUE_CODE_IMAGE_H
#define PERF_GLUE_CODE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <textpoke/textpoke.h>

struct code_arch;

struct code_region {
	uint64_t addr;
	uint64_t size;
	uint8_t *bytes;
};

struct code_change {
	uint64_t addr;
	unsigned int len;
	uint8_t old[TP_MAX_INSN_LEN];
	uint8_t new[TP_MAX_INSN_LEN];
	uint64_t pre_time, post_time;	/* the window is [pre_time, post_time) */
	enum tp_backend backend;
	uint64_t batch;
};

/* A function of the ELF files, for naming addresses in a decoded path. */
struct code_symbol {
	uint64_t addr, size;		/* in the process (the file's plus its bias) */
	char *name;
};

/* A change by address, for the queries: a site's changes, in the order they began. */
struct code_change_ref {
	uint64_t addr;
	size_t index;			/* in changes[] */
};

struct code_image {
	struct code_region *regions;
	size_t nr_regions;
	struct code_change *changes;	/* sorted by pre_time once frozen */
	size_t nr_changes, cap_changes;
	/* Made by freezing: */
	struct code_change_ref *by_addr;	/* sorted by address, then index */
	uint64_t *times;		/* every pre_time and post_time, sorted */
	bool frozen;
	const struct code_arch *arch;	/* the traced one: its traps */
	struct code_symbol *symbols;	/* sorted by address once frozen */
	size_t nr_symbols, cap_symbols;
	char error[256];
};

/* What a query found. */
enum code_answer {
	CODE_EXACT,
	CODE_AMBIGUOUS,
};

/* The candidates of an ambiguous answer, in the order a decoder should try. */
enum code_candidate {
	CODE_CANDIDATE_OLD,
	CODE_CANDIDATE_NEW,
	CODE_CANDIDATE_TRAP,		/* breakpoint windows only */
	CODE_NR_CANDIDATES,
};

/* Whether a thread in @change's window may have run candidate @c. */
static inline bool code_candidate_of(const struct code_change *change, enum code_candidate c)
{
	return c != CODE_CANDIDATE_TRAP || change->backend == TP_BACKEND_BREAKPOINT;
}

void code_image_init(struct code_image *img);
void code_image_free(struct code_image *img);

/*
 * Base bytes (copied).  -EINVAL for an empty region or one overlapping
 * another, -EBUSY once frozen.
 */
int code_image_add_region(struct code_image *img, uint64_t addr, const void *bytes,
			  uint64_t size);
/*
 * The loadable segments of the ELF file @path (64-bit little-endian), the
 * file's addresses moved by @bias (0 for a non-PIE executable, the load
 * address for a PIE or a shared object).  -errno for I/O, -EINVAL and
 * img->error for a file that is not such an ELF file.
 */
int code_image_add_elf(struct code_image *img, const char *path, uint64_t bias);
/* A memory snapshot: the raw bytes of @path at @addr. */
int code_image_add_snapshot(struct code_image *img, const char *path, uint64_t addr);

/*
 * One change, from a PRE and its POST.  -EINVAL for a length of 0 or more
 * than TP_MAX_INSN_LEN, or a POST before its PRE.  The old bytes are the
 * ones the PRE recorded; freezing checks them against the image.
 */
int code_image_add_change(struct code_image *img, const struct code_change *change);
/*
 * Every textpoke PRE/POST pair of the perf.data file @path (the library's
 * or one tp-perf inject merged).  Kernel TEXT_POKE records are skipped; a
 * PRE without its POST is a window that never closed (the process died
 * inside a batch).  -EINVAL and img->error for a corrupt file.
 */
int code_image_add_perf_data(struct code_image *img, const char *path);
/* The same from a perf.data already read (perf-glue/perfdata/perf_read.h). */
struct perf_file;
int code_image_add_perf_file(struct code_image *img, struct perf_file *f);

/*
 * The load bias of the ELF file @path mapped at @addr from file offset
 * @pgoff (an MMAP record): the segment holding @pgoff lands at @addr.
 * -ENOENT when no loadable segment holds it, -errno or -EINVAL with
 * img->error for a file that cannot be read as such an ELF file.
 */
int code_image_elf_bias(struct code_image *img, const char *path, uint64_t addr,
			uint64_t pgoff, uint64_t *bias);

/*
 * Sort and index the changes and check them against the image: each
 * change's old bytes must be what the site held (the base, or the
 * previous change's new bytes).  -EILSEQ and img->error otherwise: the
 * events do not belong to these binaries.  No change can be added
 * afterwards.  A site keeps its length from change to change, as the
 * library's sites do.
 */
int code_image_freeze(struct code_image *img);

/* Whether a PRE or POST time lies in (@after, @until]: the image differs. */
bool code_image_changes_between(const struct code_image *img, uint64_t after, uint64_t until);

/*
 * The @len bytes at @addr at @time, as candidate @which: exact bytes
 * (CODE_EXACT, @which ignored) or, if a change's window holds @time and
 * overlaps the range, CODE_AMBIGUOUS with the bytes of that candidate
 * and *@change its index (the old bytes of any later such window).
 * -ENOENT when a byte lies in no region, -EINVAL when @which does not
 * apply (TRAP outside a breakpoint window, or with no architecture set).
 * The image must be frozen.
 */
int code_image_read(const struct code_image *img, uint64_t addr, uint64_t time,
		    enum code_candidate which, uint8_t *buf, size_t len, size_t *change);

/*
 * The function of an ELF file the image was given (its .symtab, else its
 * .dynsym) that holds @addr, with *@offset from its start; NULL if none.
 * The image must be frozen.
 */
const struct code_symbol *code_image_symbol(const struct code_image *img, uint64_t addr,
					    uint64_t *offset);

/* A copy of @sym, for an image made of parts of others.  -EBUSY once frozen. */
int code_image_take_symbol(struct code_image *img, const struct code_symbol *sym);

/* For freezing: the symbols by address. */
void code_image_sort_symbols(struct code_image *img);
/* For the ELF loader: the function symbols of the file in @buf, moved by @bias. */
int code_image_add_symbols(struct code_image *img, const uint8_t *buf, size_t size,
			   uint64_t bias);

/* How many bytes from @addr on lie in one region (0: none). */
uint64_t code_image_extent(const struct code_image *img, uint64_t addr);

/*
 * The same with a candidate for every window that holds @time and
 * overlaps the range: @choose(change index, @arg) says which, for each,
 * in the order they began (a read of a page of code can cover several
 * sites of one batch).
 */
typedef enum code_candidate (*code_image_chooser)(size_t change, void *arg);
int code_image_read_choosing(const struct code_image *img, uint64_t addr, uint64_t time,
			     code_image_chooser choose, void *arg, uint8_t *buf, size_t len);

/*
 * The first change whose window holds @time and overlaps [@addr, @addr
 * + @len), or -1.  Lets a decoder ask "is anything in flight here?"
 */
long code_image_window_at(const struct code_image *img, uint64_t addr, size_t len,
			  uint64_t time);

/*
 * The traced architecture, by ELF machine (EM_AARCH64, EM_RISCV,
 * EM_X86_64).  The TRAP candidate of a breakpoint window is what its
 * breakpoint backend wrote first at that site (riscv: EBREAK at an
 * aligned 4-byte site, C.EBREAK at a 2-byte or misaligned one), over the
 * site's old bytes and never past the site.  -EOPNOTSUPP and img->error
 * for a machine textpoke does not run on.
 */
int code_image_set_arch(struct code_image *img, uint16_t machine);

/*
 * How a decoder resolved one ambiguous read: which candidate it decoded
 * with, and which ones agreed with the trace that follows.  Shared by the
 * ETMv4 and the E-Trace decoders and by tp-decode's report.
 */
struct code_resolution {
	size_t piece;			/* the stretch of trace between two times */
	size_t change;			/* index in the frozen image */
	uint64_t addr, time;
	enum code_candidate chosen;
	unsigned int consistent;	/* bit per candidate that agreed with the trace */
};

/* Whether resolution @r had exactly one candidate that agreed with the trace. */
bool code_resolution_unique(const struct code_resolution *r);

/* For the file loaders: a sentence in img->error, and @err back. */
int code_image_fail(struct code_image *img, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* PERF_GLUE_CODE_IMAGE_H */
