// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What libipt must be told of an Intel PT trace that the trace does not
 * say (the CPU for its errata, the MTC and CYC frequencies) and how its
 * TSC maps to the events' clock, as "name=value" lines: the values perf
 * keeps in AUXTRACE_INFO and TIME_CONV, written out by hand or by a tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pt/pt_decode.h"

#define MAX_CONFIG_SIZE	(1u << 16)

struct pt_parameter {
	const char *name;
	size_t offset, size;
	uint64_t max;
};

#define PARAM(name, field, max) \
	{ name, offsetof(struct pt_decode_config, field), \
	  sizeof(((struct pt_decode_config *)0)->field), max }
static const struct pt_parameter parameters[] = {
	PARAM("cpu_family", cpu_family, 0xffff),
	PARAM("cpu_model", cpu_model, 0xff),
	PARAM("cpu_stepping", cpu_stepping, 0xff),
	PARAM("mtc_freq", mtc_freq, 15),
	PARAM("nom_freq", nom_freq, 0xff),
	PARAM("cpuid_0x15_eax", cpuid_0x15_eax, 0xffffffff),
	PARAM("cpuid_0x15_ebx", cpuid_0x15_ebx, 0xffffffff),
	PARAM("addr_cfg", addr_cfg, 0xffff),
	PARAM("addr0_a", addr_a[0], UINT64_MAX), PARAM("addr0_b", addr_b[0], UINT64_MAX),
	PARAM("addr1_a", addr_a[1], UINT64_MAX), PARAM("addr1_b", addr_b[1], UINT64_MAX),
	PARAM("addr2_a", addr_a[2], UINT64_MAX), PARAM("addr2_b", addr_b[2], UINT64_MAX),
	PARAM("addr3_a", addr_a[3], UINT64_MAX), PARAM("addr3_b", addr_b[3], UINT64_MAX),
	PARAM("time_mult", time.mult, 0xffffffff),
	PARAM("time_shift", time.shift, 63),
	PARAM("time_zero", time.zero, UINT64_MAX),
	PARAM("time_offset", time.offset, UINT64_MAX),
};

static void store(void *field, size_t size, uint64_t value)
{
	uint8_t u8 = (uint8_t)value;
	uint16_t u16 = (uint16_t)value;
	uint32_t u32 = (uint32_t)value;

	switch (size) {
	case 1: memcpy(field, &u8, 1); break;
	case 2: memcpy(field, &u16, 2); break;
	case 4: memcpy(field, &u32, 4); break;
	default: memcpy(field, &value, 8); break;
	}
}

static int parse_value(const char *text, bool may_be_negative, uint64_t *value)
{
	char *end;

	errno = 0;
	if (*text == '-' && may_be_negative)
		*value = (uint64_t)strtoll(text, &end, 0);
	else if (*text == '-' || *text == '+')
		return -EINVAL;
	else
		*value = strtoull(text, &end, 0);
	return errno || end == text || *end ? -EINVAL : 0;
}

static int parse_line(char *line, struct pt_decode_config *cfg, char *error, size_t error_len)
{
	char *name = line + strspn(line, " \t"), *eq, *value, *end;
	uint64_t v;
	size_t i;

	end = strchr(name, '#');
	if (end)
		*end = '\0';
	end = name + strlen(name);
	while (end > name && strchr(" \t\r", end[-1]))
		*--end = '\0';
	if (!*name)
		return 0;
	eq = strchr(name, '=');
	if (!eq) {
		snprintf(error, error_len, "\"%.64s\": expected name=value", name);
		return -EINVAL;
	}
	value = eq + 1 + strspn(eq + 1, " \t");
	while (eq > name && strchr(" \t", eq[-1]))
		eq--;
	*eq = '\0';
	for (i = 0; i < sizeof(parameters) / sizeof(parameters[0]); i++) {
		const struct pt_parameter *p = &parameters[i];
		bool is_offset = !strcmp(p->name, "time_offset");

		if (strcmp(p->name, name))
			continue;
		if (parse_value(value, is_offset, &v) || (!is_offset && v > p->max)) {
			snprintf(error, error_len, "%s: bad value \"%.64s\"", name, value);
			return -EINVAL;
		}
		store((uint8_t *)cfg + p->offset, p->size, v);
		return 0;
	}
	snprintf(error, error_len, "unknown parameter \"%.64s\"", name);
	return -EINVAL;
}

int pt_config_parse(const char *text, size_t len, struct pt_decode_config *cfg, char *error,
		    size_t error_len)
{
	char *copy = malloc(len + 1), *line, *next;
	int err = 0;

	if (!copy) {
		snprintf(error, error_len, "out of memory");
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		snprintf(error, error_len, "a NUL byte in the configuration");
		err = -EINVAL;
	}
	for (line = copy; !err && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		err = parse_line(line, cfg, error, error_len);
	}
	free(copy);
	return err;
}

int pt_config_load(const char *path, struct pt_decode_config *cfg, char *error,
		   size_t error_len)
{
	char buf[MAX_CONFIG_SIZE];
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(error, error_len, "%s", strerror(errno));
		return -errno;
	}
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += n;
	close(fd);
	if (len == sizeof(buf)) {
		snprintf(error, error_len, "larger than %u bytes", MAX_CONFIG_SIZE - 1);
		return -EINVAL;
	}
	return pt_config_parse(buf, len, cfg, error, error_len);
}

uint64_t pt_time_convert(const struct pt_time_conv *conv, uint64_t tsc)
{
	uint64_t ns, quot, rem;

	if (!conv->mult)
		return tsc + conv->offset;
	/* perf's tsc_to_perf_time(): the product in two halves, no overflow. */
	quot = tsc >> conv->shift;
	rem = tsc & ((1ull << conv->shift) - 1);
	ns = conv->zero + quot * conv->mult + ((rem * conv->mult) >> conv->shift);
	return ns + conv->offset;
}
