// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The E-Trace encoder parameters a decoder must know (the specification
 * has no discovery format for files): defaults, "name=value" lines, and
 * the check that refuses what this decoder does not implement.
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
	cfg->iaddress_width = 64;
	cfg->iaddress_lsb = 1;
	cfg->privilege_width = 2;
	cfg->time_width = 64;
	cfg->ecause_width = 6;
	cfg->encoder_mode_width = 1;
	cfg->ioptions_width = 6;
}

struct etrace_parameter {
	const char *name;
	size_t offset;
	bool flag;
};

#define PARAM(name, field) { name, offsetof(struct etrace_config, field), false }
static const struct etrace_parameter parameters[] = {
	PARAM("iaddress_width_p", iaddress_width), PARAM("iaddress_lsb_p", iaddress_lsb),
	PARAM("privilege_width_p", privilege_width), PARAM("time_width_p", time_width),
	PARAM("context_width_p", context_width), PARAM("ecause_width_p", ecause_width),
	PARAM("encoder_mode_width", encoder_mode_width),
	PARAM("ioptions_width", ioptions_width), PARAM("doptions_width", doptions_width),
	PARAM("return_stack_size_p", return_stack_size),
	PARAM("call_counter_size_p", call_counter_size),
	PARAM("bpred_size_p", bpred_size), PARAM("cache_size_p", cache_size),
	{ "full_address", offsetof(struct etrace_config, full_address), true },
};

static int set_parameter(struct etrace_config *cfg, const char *name, unsigned long value)
{
	size_t i;

	for (i = 0; i < sizeof(parameters) / sizeof(parameters[0]); i++) {
		const struct etrace_parameter *p = &parameters[i];

		if (strcmp(p->name, name))
			continue;
		if (p->flag)
			*(bool *)((char *)cfg + p->offset) = value != 0;
		else
			*(unsigned int *)((char *)cfg + p->offset) = value;
		return 0;
	}
	/* notime_p / nocontext_p: the same as a width of 0. */
	if (!strcmp(name, "notime_p") && value)
		cfg->time_width = 0;
	else if (!strcmp(name, "nocontext_p") && value)
		cfg->context_width = 0;
	else if (strcmp(name, "notime_p") && strcmp(name, "nocontext_p"))
		return -EINVAL;
	return 0;
}

int etrace_config_parse(const char *text, size_t len, struct etrace_config *cfg, char *error,
			size_t error_len)
{
	unsigned int line_no = 0;
	size_t pos = 0;

	while (pos < len) {
		size_t end = pos;
		char line[128], name[64], rest[2];
		unsigned long value;

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
		if (sscanf(line, " %63[a-z_0-9] = %lu %1s", name, &value, rest) != 2 ||
		    value > 64 || set_parameter(cfg, name, value)) {
			snprintf(error, error_len, "line %u: expected name=value (a known "
				 "parameter, at most 64)", line_no);
			return -EINVAL;
		}
	}
	return etrace_config_check(cfg, error, error_len);
}

int etrace_config_load(const char *path, struct etrace_config *cfg, char *error,
		       size_t error_len)
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
	err = etrace_config_parse(text, n, cfg, error, error_len);
	free(text);
	return err;
}

int etrace_config_check(const struct etrace_config *cfg, char *error, size_t error_len)
{
	if (cfg->return_stack_size || cfg->call_counter_size) {
		snprintf(error, error_len, "implicit return (return_stack_size_p, "
			 "call_counter_size_p) is not supported");
		return -EOPNOTSUPP;
	}
	if (cfg->bpred_size || cfg->cache_size) {
		snprintf(error, error_len, "branch prediction and the jump target cache "
			 "(bpred_size_p, cache_size_p) are not supported");
		return -EOPNOTSUPP;
	}
	if (!cfg->time_width) {
		snprintf(error, error_len, "notime_p: the decoder needs the time of format 3 "
			 "packets to know which code ran");
		return -EOPNOTSUPP;
	}
	if (cfg->iaddress_lsb > 2 || cfg->iaddress_width <= cfg->iaddress_lsb ||
	    cfg->iaddress_width > 64 || cfg->time_width > 64 || cfg->context_width > 64 ||
	    cfg->privilege_width > 4 || cfg->ecause_width > 64 || cfg->encoder_mode_width > 8 ||
	    cfg->ioptions_width > 64 || cfg->doptions_width > 64) {
		snprintf(error, error_len, "parameters out of range (iaddress_lsb_p at most 2, "
			 "widths at most 64)");
		return -EINVAL;
	}
	return 0;
}
