// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * OpenCSD decode trees for CoreSight buffers as recorded (cs_decode.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "coresight/cs_decode.h"

static int tree_fail(struct cs_tree *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->error, sizeof(t->error), fmt, ap);
	va_end(ap);
	return err;
}

int cs_tree_open(struct cs_tree *t, enum cs_framing framing)
{
	uint32_t flags = 0;

	memset(t, 0, sizeof(*t));
	t->framing = framing;
	/* Errors come back through the responses and ocsd_get_last_err(): no printing. */
	ocsd_def_errlog_init(OCSD_ERR_SEV_ERROR, 0);
	if (framing == CS_FRAMES)
		flags = OCSD_DFRMTR_FRAME_MEM_ALIGN;
	else if (framing == CS_FRAMES_FSYNC)
		flags = OCSD_DFRMTR_HAS_FSYNCS;
	t->tree = ocsd_create_dcd_tree(framing == CS_UNFORMATTED ? OCSD_TRC_SRC_SINGLE
								 : OCSD_TRC_SRC_FRAME_FORMATTED, flags);
	if (!t->tree)
		return tree_fail(t, -ENOMEM, "OpenCSD could not make a decode tree");
	return 0;
}

void cs_tree_close(struct cs_tree *t)
{
	if (t->tree)
		ocsd_destroy_dcd_tree(t->tree);
	t->tree = NULL;
}

static uint8_t source_id(const struct cs_source_config *cfg)
{
	return (cfg->protocol == CS_ETE ? cfg->ete.reg_traceidr : cfg->etm4.reg_traceidr) & 0x7f;
}

int cs_tree_add_source(struct cs_tree *t, const struct cs_source_config *cfg)
{
	const char *name = cfg->protocol == CS_ETE ? OCSD_BUILTIN_DCD_ETE : OCSD_BUILTIN_DCD_ETMV4I;
	const void *regs = cfg->protocol == CS_ETE ? (const void *)&cfg->ete
						   : (const void *)&cfg->etm4;
	unsigned char csid = 0;
	ocsd_err_t err;

	/* An unformatted buffer has one source, whatever its ID says. */
	if (t->framing == CS_UNFORMATTED && t->nr_decoders)
		return tree_fail(t, -EEXIST, "an unformatted buffer holds one source's trace");
	if (t->nr_decoders == CS_MAX_SOURCES)
		return tree_fail(t, -E2BIG, "more than %d trace sources", CS_MAX_SOURCES);
	err = ocsd_dt_create_decoder(t->tree, name, OCSD_CREATE_FLG_FULL_DECODER, regs, &csid);
	if (err != OCSD_OK) {
		char what[128];

		ocsd_err_str(err, what, sizeof(what));
		return tree_fail(t, -EINVAL, "OpenCSD refuses the %s source of trace ID 0x%x: %s",
				 name, source_id(cfg), what);
	}
	t->sources[t->nr_decoders++] = *cfg;
	return 0;
}

/* OpenCSD's memory space names, as snapshots write them. */
static const struct {
	const char *name;
	ocsd_mem_space_acc_t space;
} spaces[] = {
	{ "EL1S", OCSD_MEM_SPACE_EL1S }, { "EL1N", OCSD_MEM_SPACE_EL1N },
	{ "EL2", OCSD_MEM_SPACE_EL2 }, { "EL2N", OCSD_MEM_SPACE_EL2 },
	{ "EL2S", OCSD_MEM_SPACE_EL2S }, { "EL3", OCSD_MEM_SPACE_EL3 },
	{ "S", OCSD_MEM_SPACE_S }, { "N", OCSD_MEM_SPACE_N }, { "ANY", OCSD_MEM_SPACE_ANY },
	{ "H", OCSD_MEM_SPACE_EL2 }, { "P", OCSD_MEM_SPACE_EL1N },
	{ "NP", OCSD_MEM_SPACE_EL1N }, { "SP", OCSD_MEM_SPACE_EL1S },
};

static ocsd_mem_space_acc_t space_of(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(spaces) / sizeof(spaces[0]); i++)
		if (!strcmp(spaces[i].name, name))
			return spaces[i].space;
	return OCSD_MEM_SPACE_ANY;
}

int cs_tree_add_dump(struct cs_tree *t, const char *path, const struct cs_region *regions,
		     size_t nr, const char *space)
{
	ocsd_file_mem_region_t *r;
	struct stat st;
	ocsd_err_t err;
	size_t i;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return tree_fail(t, -ENOENT, "memory dump %s is missing", path);
	r = calloc(nr ? nr : 1, sizeof(*r));
	if (!r)
		return tree_fail(t, -ENOMEM, "out of memory");
	for (i = 0; i < nr; i++) {
		uint64_t offset = regions[i].offset, length = regions[i].length;

		if ((uint64_t)st.st_size <= offset) {
			free(r);
			return tree_fail(t, -EINVAL, "memory dump %s: offset 0x%" PRIx64
					 " is past its end", path, offset);
		}
		if (!length || length > st.st_size - offset)
			length = st.st_size - offset;
		if (regions[i].addr + length < regions[i].addr) {
			free(r);
			return tree_fail(t, -EINVAL, "memory dump %s wraps the address space",
					 path);
		}
		r[i].file_offset = offset;
		r[i].start_address = regions[i].addr;
		r[i].region_size = length;
	}
	/* All regions of a file at once: OpenCSD has one accessor per file. */
	err = ocsd_dt_add_binfile_region_mem_acc(t->tree, r, nr, space_of(space), path);
	free(r);
	if (err != OCSD_OK) {
		char what[128];

		ocsd_err_str(err, what, sizeof(what));
		return tree_fail(t, -EINVAL, "memory dump %s: %s", path, what);
	}
	t->has_memory = true;
	return 0;
}

static uint32_t read_cb(const void *ctx, const ocsd_vaddr_t addr, const ocsd_mem_space_acc_t space,
			const uint8_t trace_id, const uint32_t len, uint8_t *buf)
{
	const struct cs_tree *t = ctx;

	(void)space;
	return t->read(t->read_arg, addr, trace_id, buf, len);
}

int cs_tree_add_reader(struct cs_tree *t, cs_read_fn read, void *arg)
{
	t->read = read;
	t->read_arg = arg;
	if (ocsd_dt_add_callback_trcid_mem_acc(t->tree, 0, UINT64_MAX, OCSD_MEM_SPACE_ANY, read_cb,
					       t) != OCSD_OK)
		return tree_fail(t, -EINVAL, "OpenCSD refuses a memory callback");
	t->has_memory = true;
	return 0;
}

static uint32_t read_nothing(void *arg, uint64_t addr, uint8_t trace_id, uint8_t *buf,
			     uint32_t len)
{
	(void)arg, (void)addr, (void)trace_id, (void)buf, (void)len;
	return 0;
}

static ocsd_datapath_resp_t element_cb(const void *ctx, const ocsd_trc_index_t index,
				       const uint8_t trace_id, const ocsd_generic_trace_elem *elem)
{
	struct cs_tree *t = (struct cs_tree *)ctx;

	if (t->stopped || (t->id != CS_ALL_IDS && trace_id != t->id))
		return OCSD_RESP_CONT;
	t->stats.nr_elements++;
	if (!t->element(t->element_arg, index, trace_id, elem)) {
		t->stopped = true;
		return OCSD_RESP_FATAL_SYS_ERR;
	}
	return OCSD_RESP_CONT;
}

/* A bad packet: say which, then start again at the next frame. */
static void note_error(struct cs_tree *t, uint64_t at)
{
	ocsd_trc_index_t index = 0;
	uint8_t chan = 0;
	char msg[200] = "";

	t->stats.nr_errors++;
	if (t->stats.first_error[0])
		return;
	ocsd_get_last_err(&index, &chan, msg, sizeof(msg));
	if (chan == OCSD_BAD_CS_SRC_ID)
		snprintf(t->stats.first_error, sizeof(t->stats.first_error),
			 "at offset %" PRIu64 ": %s", at, msg[0] ? msg : "OpenCSD could not go on");
	else
		snprintf(t->stats.first_error, sizeof(t->stats.first_error),
			 "trace ID 0x%x at offset %" PRIu64 ": %s", chan, (uint64_t)index,
			 msg[0] ? msg : "OpenCSD could not go on");
}

size_t cs_fsync_start(const uint8_t *buf, size_t len)
{
	static const uint8_t fsync[4] = { 0xff, 0xff, 0xff, 0x7f };
	size_t at;

	for (at = 0; at + 4 <= len; at += 4)
		if (!memcmp(buf + at, fsync, 4))
			return at;
	return len;
}

bool cs_can_resume(enum cs_framing framing, uint32_t used, uint32_t fed)
{
	/*
	 * OpenCSD 1.3.3's deformatter, reset inside frame-synced data, loses
	 * track of where the block ends: it reports more bytes used than it
	 * was given and reads past them.  There, as trc_pkt_lister does, the
	 * buffer ends at the first bad frame.
	 */
	return framing != CS_FRAMES_FSYNC && used <= fed;
}

size_t cs_resume_at(enum cs_framing framing, size_t done, size_t used_now)
{
	/* Frames start every 16 bytes of an aligned buffer, frame syncs every 4. */
	size_t unit = framing == CS_FRAMES ? OCSD_DFRMTR_FRAME_SIZE :
		      framing == CS_FRAMES_FSYNC ? 4 : 1;

	/* Always forward: a tree that refused its first byte would refuse it again. */
	if (!used_now)
		done++;
	return (done + unit - 1) / unit * unit;
}

/*
 * The decode ends before the first packet OpenCSD 1.3.3 cannot decode
 * safely (cs_hazard.c), at the frame boundary before it; said as an
 * error that stopped decoding.
 */
static int stop_before_hazard(struct cs_tree *t, const uint8_t *buf, size_t start, size_t *len)
{
	size_t unit = t->framing == CS_FRAMES ? OCSD_DFRMTR_FRAME_SIZE :
		      t->framing == CS_FRAMES_FSYNC ? 4 : 1;
	const char *what;
	uint64_t first;
	int err;

	err = cs_hazard_scan(t->framing, t->sources, t->nr_decoders, buf, start, *len, &first,
			     &what, t->stats.cut_packet);
	if (err)
		return tree_fail(t, err, "OpenCSD could not scan the buffer's packets");
	if (first >= *len)
		return 0;
	*len = first / unit * unit;
	t->stats.nr_errors++;
	t->stats.halted = true;
	snprintf(t->stats.first_error, sizeof(t->stats.first_error),
		 "%s at offset %llu, which OpenCSD 1.3.3 cannot decode safely: not decoded from "
		 "there", what, (unsigned long long)first);
	return 0;
}

int cs_tree_decode(struct cs_tree *t, const uint8_t *buf, size_t len, uint64_t base, int id,
		   cs_element_fn fn, void *arg)
{
	size_t done = 0;
	int err;

	if (!t->nr_decoders)
		return tree_fail(t, -EINVAL, "no trace source to decode");
	/*
	 * Without any memory OpenCSD's decoder stops at its first address
	 * ("no memory access interface"); with memory it cannot read it says
	 * so in an element and goes on, as trc_pkt_lister's tree does.
	 */
	if (!t->has_memory && cs_tree_add_reader(t, read_nothing, NULL))
		return -EINVAL;
	/*
	 * OpenCSD 1.3.3's deformatter reads a whole frame (16 bytes, or 4
	 * with frame syncs) even where the buffer ends sooner: only whole
	 * ones are fed, the rest is counted.
	 */
	if (t->framing != CS_UNFORMATTED) {
		size_t unit = t->framing == CS_FRAMES ? OCSD_DFRMTR_FRAME_SIZE : 4;

		t->stats.cut = len % unit;
		len -= t->stats.cut;
	}
	if (t->framing == CS_FRAMES_FSYNC) {
		t->stats.skipped = cs_fsync_start(buf, len);
		done = t->stats.skipped;
	}
	err = stop_before_hazard(t, buf, done, &len);
	if (err)
		return err;
	t->id = id;
	t->element = fn;
	t->element_arg = arg;
	if (ocsd_dt_set_gen_elem_outfn(t->tree, element_cb, t) != OCSD_OK)
		return tree_fail(t, -EINVAL, "OpenCSD refuses the element callback");
	while (done < len && !t->stopped) {
		uint32_t used = 0, chunk = len - done > UINT32_MAX ? UINT32_MAX : len - done;
		ocsd_datapath_resp_t resp;

		resp = ocsd_dt_process_data(t->tree, OCSD_OP_DATA, base + done, chunk, buf + done,
					    &used);
		done += used;
		while (OCSD_DATA_RESP_IS_WAIT(resp))
			resp = ocsd_dt_process_data(t->tree, OCSD_OP_FLUSH, 0, 0, NULL, NULL);
		/* An error a component logged and went on after: counted all the same. */
		if (OCSD_DATA_RESP_IS_ERR(resp))
			note_error(t, base + done);
		if (!OCSD_DATA_RESP_IS_FATAL(resp) || t->stopped)
			continue;
		note_error(t, base + done);
		if (!cs_can_resume(t->framing, used, chunk)) {
			t->stats.halted = true;
			break;
		}
		ocsd_dt_process_data(t->tree, OCSD_OP_RESET, base + done, 0, NULL, NULL);
		done = cs_resume_at(t->framing, done, used);
	}
	t->stats.bytes += done < len ? done : len;
	if (!t->stopped && !t->stats.halted)
		ocsd_dt_process_data(t->tree, OCSD_OP_EOT, 0, 0, NULL, NULL);
	return 0;
}

/* The cores OpenCSD's snapshots name, by the architecture they implement. */
static const struct {
	const char *name;
	ocsd_arch_version_t arch;
	ocsd_core_profile_t profile;
} cores[] = {
	{ "Cortex-A5", ARCH_V7, profile_CortexA }, { "Cortex-A7", ARCH_V7, profile_CortexA },
	{ "Cortex-A8", ARCH_V7, profile_CortexA }, { "Cortex-A9", ARCH_V7, profile_CortexA },
	{ "Cortex-A12", ARCH_V7, profile_CortexA }, { "Cortex-A15", ARCH_V7, profile_CortexA },
	{ "Cortex-A17", ARCH_V7, profile_CortexA },
	{ "Cortex-A32", ARCH_V8, profile_CortexA }, { "Cortex-A35", ARCH_V8, profile_CortexA },
	{ "Cortex-A53", ARCH_V8, profile_CortexA }, { "Cortex-A57", ARCH_V8, profile_CortexA },
	{ "Cortex-A72", ARCH_V8, profile_CortexA }, { "Cortex-A73", ARCH_V8, profile_CortexA },
	{ "Cortex-A78", ARCH_V8, profile_CortexA },
	{ "Cortex-A55", ARCH_V8r3, profile_CortexA }, { "Cortex-A65", ARCH_V8r3, profile_CortexA },
	{ "Cortex-A75", ARCH_V8r3, profile_CortexA }, { "Cortex-A76", ARCH_V8r3, profile_CortexA },
	{ "Cortex-A77", ARCH_V8r3, profile_CortexA },
	{ "Cortex-R4", ARCH_V7, profile_CortexR }, { "Cortex-R5", ARCH_V7, profile_CortexR },
	{ "Cortex-R7", ARCH_V7, profile_CortexR }, { "Cortex-R8", ARCH_V7, profile_CortexR },
	{ "Cortex-R52", ARCH_V8, profile_CortexR },
	{ "Cortex-M0", ARCH_V7, profile_CortexM }, { "Cortex-M0+", ARCH_V7, profile_CortexM },
	{ "Cortex-M3", ARCH_V7, profile_CortexM }, { "Cortex-M4", ARCH_V7, profile_CortexM },
	{ "Cortex-M23", ARCH_V8, profile_CortexM }, { "Cortex-M33", ARCH_V8, profile_CortexM },
};

static int profile_letter(char c, ocsd_core_profile_t *profile)
{
	switch (c) {
	case 'A': *profile = profile_CortexA; return 0;
	case 'R': *profile = profile_CortexR; return 0;
	case 'M': *profile = profile_CortexM; return 0;
	default: return -ENOENT;
	}
}

/* "ARMv<major>[.<minor>]-<A|R|M>" */
static int generic_profile(const char *name, ocsd_arch_version_t *arch,
			   ocsd_core_profile_t *profile)
{
	unsigned int major, minor = 0;
	const char *p = name + 4;

	if (strncmp(name, "ARMv", 4) || p[0] < '7' || p[0] > '9')
		return -ENOENT;
	major = *p++ - '0';
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -ENOENT;
		minor = p[1] - '0';
		p += 2;
	}
	if (*p != '-' || profile_letter(p[1], profile) || p[2])
		return -ENOENT;
	if (major == 7)
		*arch = ARCH_V7;
	else if (major == 8 && minor < 3)
		*arch = ARCH_V8;
	else if (major == 8 && minor == 3)
		*arch = ARCH_V8r3;
	else
		*arch = ARCH_AA64;
	return 0;
}

int cs_core_profile(const char *name, ocsd_arch_version_t *arch, ocsd_core_profile_t *profile)
{
	size_t i;

	for (i = 0; i < sizeof(cores) / sizeof(cores[0]); i++) {
		if (strcmp(cores[i].name, name))
			continue;
		*arch = cores[i].arch;
		*profile = cores[i].profile;
		return 0;
	}
	/* "ARM-AA64", "ARM-aa64-R": a 64-bit core of the newest architecture. */
	if (!strncmp(name, "ARM-AA64", 8) || !strncmp(name, "ARM-aa64", 8)) {
		*arch = ARCH_AA64;
		*profile = profile_CortexA;
		return name[8] == '-' ? profile_letter(name[9], profile) : name[8] ? -ENOENT : 0;
	}
	return generic_profile(name, arch, profile);
}

void cs_element_line(char *buf, size_t len, uint64_t index, uint8_t trace_id,
		     const ocsd_generic_trace_elem *elem)
{
	int n = snprintf(buf, len, "Idx:%" PRIu64 "; ID:%x; ", index, trace_id);

	if (n < 0 || (size_t)n >= len)
		return;
	if (ocsd_gen_elem_str(elem, buf + n, (int)(len - n)) != OCSD_OK)
		snprintf(buf + n, len - n, "element type %d", elem->elem_type);
}
