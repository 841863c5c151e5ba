/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Decoding across pokes by whole passes, for the decoders that cannot
 * stop their decoder at an ambiguous read (OpenCSD, libipt): run a pass
 * over the whole trace with the old bytes at every undecided read, take
 * the first read in trace order the walk reached, run one pass with each
 * of its candidates, keep the candidate whose pass agrees with the trace
 * of that piece and the next (the old bytes if none or several do, and
 * the resolution says so), and start again with that choice made.  Every
 * read the walk reaches is resolved so, several in one piece (a batch of
 * many sites) one after the other.  A read no candidate explained,
 * tried while a neighbour in its piece or the next was still on its old
 * bytes, is tried again once all are resolved, a few rounds at most;
 * two neighbours still unexplained then get every pair of their
 * candidates tried, once, for the case where both changed what ran.
 *
 * A decoder gives its pass as callbacks; its pass structure begins with
 * struct code_pass, what the driver and the chooser need of it.
 */
#ifndef PERF_GLUE_CODE_RESOLVE_H
#define PERF_GLUE_CODE_RESOLVE_H

#include "image/code_image.h"

/* Each resolution costs a few passes; a trace with more is not a test of ours. */
#define CODE_MAX_CHOICES	4096
/* Rounds of retrying the reads no candidate explained, each a few passes per read. */
#define CODE_MAX_RETRIES	4

/* A candidate decided for a (piece, change); @reached says it mattered. */
struct code_choice {
	struct code_resolution r;
	bool reached;
};

/* The part of a decoder's pass the driver sets, reads and frees. */
struct code_pass {
	/* inputs */
	const struct code_image *img;
	const struct code_choice *choices;
	size_t nr_choices;
	/* state while decoding: the piece the decoder is in and its time */
	size_t piece;
	uint64_t time;
	/* outputs */
	struct code_resolution *undecided;	/* ambiguous reads with no choice yet */
	size_t nr_undecided;
	int err;
	char error[256];
};

/*
 * The code_image_chooser of a pass (@arg is its struct code_pass): the
 * candidate chosen for a window site in the piece; until there is one,
 * the old bytes, and the read is noted undecided (-ENOMEM in err if it
 * cannot be).
 */
enum code_candidate code_pass_choose(size_t change, void *arg);
/* The same for a site the walk met without reading it (a trap there): noted if undecided. */
void code_pass_note_window(struct code_pass *pass, size_t change);

struct code_pass_ops {
	size_t pass_size;		/* of the decoder's pass, code_pass first */
	/*
	 * Set @pass up (zeroed, its code_pass filled in) and run it; its
	 * error, with pass->error saying what if it can.
	 */
	int (*run)(struct code_pass *pass, const void *arg);
	/* Free what a pass holds, its undecided reads too (not the pass itself). */
	void (*free)(struct code_pass *pass);
	/* Whether the pass agrees with candidate @c at @change in @piece. */
	bool (*consistent)(const struct code_pass *pass, size_t piece, size_t change,
			   enum code_candidate c);
	/* Whether the pass walked over the site of @change in @piece (or trapped there). */
	bool (*reached)(const struct code_pass *pass, size_t piece, size_t change);
	/*
	 * A trial pass's error other than -ENOMEM rejects its candidate
	 * (the first pass vouched for the trace); without this, every
	 * error ends the decode.
	 */
	bool trial_errors_reject;
};

/*
 * Decode with @ops and @arg, resolving every ambiguous read the walk
 * reaches.  On success, @last (ops->pass_size bytes) holds the final
 * pass for the caller to take its elements from and free, and
 * *@resolutions the reached reads' resolutions (malloc'd, never NULL).
 * On failure nothing is held and @error says why (empty if the pass had
 * no words for it).  -E2BIG past CODE_MAX_CHOICES.
 */
int code_decode_passes(const struct code_pass_ops *ops, const void *arg,
		       const struct code_image *img, struct code_pass *last,
		       struct code_resolution **resolutions, size_t *nr_resolutions,
		       char *error, size_t error_len);

#endif /* PERF_GLUE_CODE_RESOLVE_H */
