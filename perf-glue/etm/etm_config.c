// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ETMv4 registers a decoder needs, as "NAME=value" lines: the names
 * of the ETMv4 architecture (and of an OpenCSD snapshot's device file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etm/etm_decode.h"

#define MAX_CONFIG_SIZE	(1u << 20)

struct etm_register {
	const char *name;
	size_t offset;
};

#define REG(name, field) { name, offsetof(ocsd_etmv4_cfg, field) }
static const struct etm_register registers[] = {
	REG("TRCIDR0", reg_idr0),   REG("TRCIDR1", reg_idr1),   REG("TRCIDR2", reg_idr2),
	REG("TRCIDR8", reg_idr8),   REG("TRCIDR9", reg_idr9),   REG("TRCIDR10", reg_idr10),
	REG("TRCIDR11", reg_idr11), REG("TRCIDR12", reg_idr12), REG("TRCIDR13", reg_idr13),
	REG("TRCCONFIGR", reg_configr), REG("TRCTRACEIDR", reg_traceidr),
};

static const struct etm_register *find_register(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(registers) / sizeof(registers[0]); i++)
		if (strlen(registers[i].name) == len && !strncasecmp(registers[i].name, name, len))
			return &registers[i];
	return NULL;
}

/* One line: blank, a comment, a [section], or NAME[(offset)]=value. */
static int parse_line(char *line, ocsd_etmv4_cfg *cfg, unsigned int *seen)
{
	const struct etm_register *reg;
	char *eq, *end, *name = line;
	unsigned long long value;
	size_t name_len;

	while (*name == ' ' || *name == '\t')
		name++;
	if (!*name || *name == '#' || *name == ';' || *name == '[')
		return 0;
	eq = strchr(name, '=');
	if (!eq)
		return -EINVAL;
	name_len = strcspn(name, "( \t=");
	reg = find_register(name, name_len);
	if (!reg)
		return 0;	/* other registers of a snapshot's device file */
	errno = 0;
	value = strtoull(eq + 1, &end, 0);
	while (*end == ' ' || *end == '\t' || *end == '\r')
		end++;
	if (errno || end == eq + 1 || *end || value > UINT32_MAX)
		return -EINVAL;
	*(uint32_t *)((char *)cfg + reg->offset) = (uint32_t)value;
	*seen |= 1u << (reg - registers);
	return 0;
}

int etm_config_parse(const char *text, size_t len, ocsd_etmv4_cfg *cfg, char *error,
		     size_t error_len)
{
	unsigned int seen = 0, line_no = 0;
	char *copy, *line, *next;
	int err = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->arch_ver = ARCH_V8;
	cfg->core_prof = profile_CortexA;
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	for (line = copy; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line_no++;
		err = parse_line(line, cfg, &seen);
	}
	free(copy);
	if (err) {
		snprintf(error, error_len, "line %u: expected NAME=number", line_no);
		return err;
	}
	/* Without these OpenCSD cannot size addresses, timestamps or IDs. */
	if ((seen & 0x7) != 0x7 || !(seen & (1u << 9)) || !(seen & (1u << 10))) {
		snprintf(error, error_len,
			 "needs TRCIDR0, TRCIDR1, TRCIDR2, TRCCONFIGR and TRCTRACEIDR");
		return -EINVAL;
	}
	if (!cfg->reg_traceidr || cfg->reg_traceidr >= 0x70) {
		snprintf(error, error_len, "TRCTRACEIDR 0x%x is not a valid trace ID",
			 cfg->reg_traceidr);
		return -EINVAL;
	}
	return 0;
}

int etm_config_load(const char *path, ocsd_etmv4_cfg *cfg, char *error, size_t error_len)
{
	char *text = malloc(MAX_CONFIG_SIZE);
	size_t len;
	FILE *f;
	int err;

	if (!text)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		snprintf(error, error_len, "%s", strerror(errno));
		free(text);
		return err;
	}
	len = fread(text, 1, MAX_CONFIG_SIZE, f);
	err = ferror(f) ? -EIO : len == MAX_CONFIG_SIZE ? -EFBIG : 0;
	fclose(f);
	if (err)
		snprintf(error, error_len, "cannot read it whole");
	else
		err = etm_config_parse(text, len, cfg, error, error_len);
	free(text);
	return err;
}

int etm_config_write(FILE *out, const ocsd_etmv4_cfg *cfg)
{
	size_t i;

	for (i = 0; i < sizeof(registers) / sizeof(registers[0]); i++)
		if (fprintf(out, "%s=0x%08x\n", registers[i].name,
			    *(const uint32_t *)((const char *)cfg + registers[i].offset)) < 0)
			return -EIO;
	return 0;
}
