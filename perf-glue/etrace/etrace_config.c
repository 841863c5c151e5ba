// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The E-Trace encoder parameters a decoder must know (the specification
 * has no discovery format for files): defaults, "name=value" lines or
 * the reference library's itrace_params.csv, and the checks: widths no
 * packet can have, and what this decoder does not implement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "etrace/etrace_decode.h"

#define MAX_CONFIG_SIZE	(1u << 16)

void etrace_config_default(struct etrace_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->flow_id = -1;
	cfg->iaddress_width = 64;
	cfg->iaddress_lsb = 1;
	cfg->privilege_width = 2;
	cfg->time_width = 64;
	cfg->ecause_width = 6;
	cfg->encoder_mode_width = 1;
	cfg->ioptions_width = 6;
	cfg->denable_width = 1;
	cfg->dloss_width = 1;
}

enum parameter_kind {
	PARAM_WIDTH,			/* unsigned int */
	PARAM_FLAG,			/* bool */
	PARAM_FLOW,			/* int, -1 for any */
	PARAM_IGNORED,			/* does not shape the packets this decoder reads */
};

struct etrace_parameter {
	const char *name;		/* without its section */
	const char *section;		/* "packet", "itrace", "dtrace", "sup" */
	enum parameter_kind kind;
	size_t offset;
};

#define WIDTH(sec, name, field) { name, sec, PARAM_WIDTH, offsetof(struct etrace_config, field) }
#define FLAG(sec, name, field) { name, sec, PARAM_FLAG, offsetof(struct etrace_config, field) }
#define IGNORED(sec, name) { name, sec, PARAM_IGNORED, 0 }
/*
 * The ingress port's and the filters' parameters (arch_p, blocks_p,
 * iretire_width_p, filter_*_p, ...) describe what the hart hands the
 * encoder and what it may filter: no field of a te_inst packet depends
 * on them.  The data trace's describe packets this decoder skips.
 */
static const struct etrace_parameter parameters[] = {
	WIDTH("packet", "srcid_bytes_p", srcid_bytes),
	WIDTH("packet", "tstamp_bytes_p", tstamp_bytes),
	WIDTH("packet", "type_width_p", type_width),
	WIDTH("itrace", "iaddress_width_p", iaddress_width),
	WIDTH("itrace", "iaddress_lsb_p", iaddress_lsb),
	WIDTH("itrace", "privilege_width_p", privilege_width),
	WIDTH("itrace", "time_width_p", time_width),
	FLAG("itrace", "notime_p", notime),
	WIDTH("itrace", "context_width_p", context_width),
	FLAG("itrace", "nocontext_p", nocontext),
	WIDTH("itrace", "ecause_width_p", ecause_width),
	WIDTH("itrace", "f0s_width_p", f0s_width),
	WIDTH("itrace", "return_stack_size_p", return_stack_size),
	WIDTH("itrace", "call_counter_size_p", call_counter_size),
	WIDTH("itrace", "bpred_size_p", bpred_size),
	WIDTH("itrace", "cache_size_p", cache_size),
	FLAG("itrace", "sijump_p", sijump),
	IGNORED("itrace", "arch_p"), IGNORED("itrace", "blocks_p"),
	IGNORED("itrace", "ctype_width_p"), IGNORED("itrace", "filter_context_p"),
	IGNORED("itrace", "filter_time_p"), IGNORED("itrace", "filter_excint_p"),
	IGNORED("itrace", "filter_privilege_p"), IGNORED("itrace", "filter_tval_p"),
	IGNORED("itrace", "iretire_width_p"), IGNORED("itrace", "ilastsize_width_p"),
	IGNORED("itrace", "itype_width_p"), IGNORED("itrace", "retires_p"),
	IGNORED("itrace", "impdef_width_p"),
	IGNORED("dtrace", "daddress_width_p"), IGNORED("dtrace", "dblock_width_p"),
	IGNORED("dtrace", "data_width_p"), IGNORED("dtrace", "dsize_width_p"),
	IGNORED("dtrace", "dtype_width_p"), IGNORED("dtrace", "iaddr_lsbs_width_p"),
	IGNORED("dtrace", "lrid_width_p"), IGNORED("dtrace", "lresp_width_p"),
	IGNORED("dtrace", "ldata_width_p"), IGNORED("dtrace", "sdata_width_p"),
	{ "packet_flow_id", "sup", PARAM_FLOW, offsetof(struct etrace_config, flow_id) },
	WIDTH("sup", "enc_mode_width_p", encoder_mode_width),
	WIDTH("sup", "ioptions_width_p", ioptions_width),
	WIDTH("sup", "denable_width_p", denable_width),
	WIDTH("sup", "dloss_width_p", dloss_width),
	WIDTH("sup", "doptions_width_p", doptions_width),
	/* This decoder's own names of the support packet's widths, and its option. */
	WIDTH(NULL, "encoder_mode_width", encoder_mode_width),
	WIDTH(NULL, "ioptions_width", ioptions_width),
	WIDTH(NULL, "doptions_width", doptions_width),
	FLAG(NULL, "full_address", full_address),
};

/*
 * @name: "x_p" (the "name=value" form: any section) or ".section.x_p"
 * (the reference's form: that section only).
 */
static const struct etrace_parameter *find_parameter(const char *name)
{
	const char *section = NULL, *dot;
	size_t section_len = 0, i;

	if (name[0] == '.') {
		dot = strchr(name + 1, '.');
		if (!dot)
			return NULL;
		section = name + 1;
		section_len = dot - section;
		name = dot + 1;
	}
	for (i = 0; i < sizeof(parameters) / sizeof(parameters[0]); i++) {
		const struct etrace_parameter *p = &parameters[i];

		if (strcmp(p->name, name))
			continue;
		if (section && (!p->section || strlen(p->section) != section_len ||
				strncmp(p->section, section, section_len)))
			continue;
		return p;
	}
	return NULL;
}

static int set_parameter(struct etrace_config *cfg, const char *name, long value,
			 char *error, size_t error_len)
{
	const struct etrace_parameter *p = find_parameter(name);
	char *field;

	if (!p) {
		snprintf(error, error_len, "unknown parameter %s", name);
		return -EINVAL;
	}
	field = (char *)cfg + p->offset;
	if (p->kind == PARAM_FLOW ? value < -1 || value > 3 : value < 0 || value > 64) {
		snprintf(error, error_len, "%s: %ld is out of range", name, value);
		return -EINVAL;
	}
	switch (p->kind) {
	case PARAM_WIDTH:
		*(unsigned int *)field = value;
		break;
	case PARAM_FLAG:
		*(bool *)field = value != 0;
		break;
	case PARAM_FLOW:
		*(int *)field = value;
		break;
	case PARAM_IGNORED:
		break;
	}
	return 0;
}

/* One line without its comment: "name = value" or ".section.name,value". */
static int parse_line(struct etrace_config *cfg, const char *line, unsigned int line_no,
		      char *error, size_t error_len)
{
	char name[64], rest[2], message[160];
	long value;
	int err;

	if (sscanf(line, " %63[a-z_0-9.] = %ld %1s", name, &value, rest) != 2 &&
	    sscanf(line, " %63[a-z_0-9.] , %ld %1s", name, &value, rest) != 2) {
		snprintf(error, error_len, "line %u: expected name=value or .section.name,value",
			 line_no);
		return -EINVAL;
	}
	err = set_parameter(cfg, name, value, message, sizeof(message));
	if (err)
		snprintf(error, error_len, "line %u: %s", line_no, message);
	return err;
}

int etrace_config_read(const char *text, size_t len, struct etrace_config *cfg, char *error,
		       size_t error_len)
{
	unsigned int line_no = 0;
	size_t pos = 0;

	while (pos < len) {
		size_t end = pos;
		char line[128];
		int err;

		while (end < len && text[end] != '\n')
			end++;
		line_no++;
		if (end - pos >= sizeof(line)) {
			snprintf(error, error_len, "line %u: too long", line_no);
			return -EINVAL;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		pos = end + 1;
		line[strcspn(line, "#\r")] = '\0';
		if (!line[strspn(line, " \t")])
			continue;
		err = parse_line(cfg, line, line_no, error, error_len);
		if (err)
			return err;
	}
	return etrace_config_check_layout(cfg, error, error_len);
}

int etrace_config_parse(const char *text, size_t len, struct etrace_config *cfg, char *error,
			size_t error_len)
{
	int err = etrace_config_read(text, len, cfg, error, error_len);

	return err ? err : etrace_config_check(cfg, error, error_len);
}

int etrace_config_load(const char *path, struct etrace_config *cfg, bool layout_only,
		       char *error, size_t error_len)
{
	char *text = malloc(MAX_CONFIG_SIZE);
	ssize_t n = -1;
	int fd, err;

	if (!text)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, MAX_CONFIG_SIZE);
		close(fd);
	}
	if (n < 0 || n == MAX_CONFIG_SIZE) {
		snprintf(error, error_len, n < 0 ? "cannot read it" : "too large");
		free(text);
		return n < 0 ? -EIO : -EINVAL;
	}
	err = layout_only ? etrace_config_read(text, n, cfg, error, error_len) :
			    etrace_config_parse(text, n, cfg, error, error_len);
	free(text);
	return err;
}

int etrace_config_check_layout(const struct etrace_config *cfg, char *error, size_t error_len)
{
	if (cfg->iaddress_lsb > 2 || cfg->iaddress_width <= cfg->iaddress_lsb ||
	    cfg->iaddress_width > 64 || cfg->time_width > 64 || cfg->context_width > 64 ||
	    cfg->ecause_width > 64 || cfg->ioptions_width > 64 || cfg->doptions_width > 64 ||
	    cfg->privilege_width > 4 || cfg->encoder_mode_width > 32 ||
	    cfg->srcid_bytes > 8 || cfg->tstamp_bytes > 8 || cfg->type_width > 8 ||
	    cfg->f0s_width > 8 || cfg->denable_width > 8 || cfg->dloss_width > 8 ||
	    cfg->return_stack_size > 32 || cfg->call_counter_size > 32 || cfg->cache_size > 32) {
		snprintf(error, error_len, "parameters out of range (iaddress_lsb_p at most 2, "
			 "privilege_width_p 4, enc_mode_width_p 32, srcid_bytes_p and "
			 "tstamp_bytes_p 8, type_width_p, f0s_width_p, denable_width_p and "
			 "dloss_width_p 8, return_stack_size_p, call_counter_size_p and "
			 "cache_size_p 32, widths 64)");
		return -EINVAL;
	}
	return 0;
}

int etrace_config_check(const struct etrace_config *cfg, char *error, size_t error_len)
{
	int err = etrace_config_check_layout(cfg, error, error_len);

	if (err)
		return err;
	/*
	 * A return stack or call counter only sizes the irdepth field: what
	 * is refused is the implicit return option of a support packet.
	 */
	if (cfg->bpred_size > ETRACE_MAX_BPRED_SIZE) {
		snprintf(error, error_len, "branch prediction with bpred_size_p %u is not "
			 "supported (at most %u)", cfg->bpred_size, ETRACE_MAX_BPRED_SIZE);
		return -EOPNOTSUPP;
	}
	if (cfg->cache_size > ETRACE_MAX_CACHE_SIZE) {
		snprintf(error, error_len, "the jump target cache with cache_size_p %u is not "
			 "supported (at most %u)", cfg->cache_size, ETRACE_MAX_CACHE_SIZE);
		return -EOPNOTSUPP;
	}
	if ((cfg->notime || !cfg->time_width) && !cfg->tstamp_bytes) {
		snprintf(error, error_len, "notime_p without encapsulation timestamps "
			 "(tstamp_bytes_p 0): the decoder needs a time to know which code ran");
		return -EOPNOTSUPP;
	}
	return 0;
}
