// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The snapshot ini reader (cs_ini.h).  Every line is checked; the text is
 * copied once and cut in place.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "coresight/cs_ini.h"

/* No snapshot's ini file comes near this; more is not one. */
#define MAX_INI_SIZE	(16u << 20)

static int ini_fail(char *error, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error, len, fmt, ap);
	va_end(ap);
	return err;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int add_section(struct cs_ini *ini, const char *name)
{
	size_t i;

	for (i = 0; i < ini->nr_sections; i++)
		if (!strcasecmp(ini->sections[i], name))
			return 0;
	if (array_make_room(&ini->sections, &ini->cap_sections, ini->nr_sections,
			    sizeof(*ini->sections), 8))
		return -ENOMEM;
	ini->sections[ini->nr_sections++] = name;
	return 0;
}

static int add_entry(struct cs_ini *ini, const char *section, const char *key, const char *value)
{
	struct cs_ini_entry *e;

	if (array_make_room(&ini->entries, &ini->cap, ini->nr, sizeof(*e), 32))
		return -ENOMEM;
	e = &ini->entries[ini->nr++];
	e->section = section;
	e->key = key;
	e->value = value;
	return 0;
}

static int parse_line(struct cs_ini *ini, char *line, const char **section, unsigned int no,
		      char *error, size_t error_len)
{
	char *eq;

	line = trim(line);
	if (!*line || *line == ';' || *line == '#')
		return 0;
	if (*line == '[') {
		char *close = strchr(line, ']');

		if (!close || close == line + 1)
			return ini_fail(error, error_len, -EINVAL, "line %u: bad section name", no);
		*close = '\0';
		*section = trim(line + 1);
		return add_section(ini, *section);
	}
	eq = strchr(line, '=');
	if (!eq)
		return ini_fail(error, error_len, -EINVAL, "line %u: neither a section nor "
				"key=value", no);
	if (!*section)
		return ini_fail(error, error_len, -EINVAL, "line %u: a key outside every section",
				no);
	*eq = '\0';
	if (!*trim(line))
		return ini_fail(error, error_len, -EINVAL, "line %u: an empty key", no);
	return add_entry(ini, *section, trim(line), trim(eq + 1));
}

int cs_ini_parse(struct cs_ini *ini, const char *text, size_t len, char *error, size_t error_len)
{
	const char *section = NULL;
	unsigned int no = 0;
	char *line, *next;
	int err = 0;

	memset(ini, 0, sizeof(*ini));
	if (len > MAX_INI_SIZE)
		return ini_fail(error, error_len, -EINVAL, "%zu bytes: not an ini file", len);
	if (memchr(text, '\0', len))
		return ini_fail(error, error_len, -EINVAL, "a NUL byte: not an ini file");
	ini->text = malloc(len + 1);
	if (!ini->text)
		return ini_fail(error, error_len, -ENOMEM, "out of memory");
	memcpy(ini->text, text, len);
	ini->text[len] = '\0';
	for (line = ini->text; !err && line; line = next) {
		next = strpbrk(line, "\r\n");
		if (next)
			*next++ = '\0';
		err = parse_line(ini, line, &section, ++no, error, error_len);
	}
	if (err == -ENOMEM)
		ini_fail(error, error_len, err, "out of memory");
	if (err)
		cs_ini_free(ini);
	return err;
}

int cs_ini_load(struct cs_ini *ini, const char *path, char *error, size_t error_len)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "re");
	int err;

	memset(ini, 0, sizeof(*ini));
	if (!f)
		return ini_fail(error, error_len, -errno, "%s: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (array_make_room(&buf, &cap, len + 4096, 1, 8192)) {
			err = ini_fail(error, error_len, -ENOMEM, "out of memory");
			goto out;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (!n || len > MAX_INI_SIZE)
			break;
	}
	if (ferror(f)) {
		err = ini_fail(error, error_len, -EIO, "%s: read error", path);
		goto out;
	}
	err = cs_ini_parse(ini, buf, len, error, error_len);
	if (err) {
		char why[256];

		snprintf(why, sizeof(why), "%s", error);
		ini_fail(error, error_len, err, "%s: %s", path, why);
	}
out:
	free(buf);
	fclose(f);
	return err;
}

void cs_ini_free(struct cs_ini *ini)
{
	free(ini->text);
	free(ini->entries);
	free(ini->sections);
	memset(ini, 0, sizeof(*ini));
}

const char *cs_ini_get(const struct cs_ini *ini, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < ini->nr; i++)
		if (!strcasecmp(ini->entries[i].section, section) &&
		    !strcasecmp(ini->entries[i].key, key))
			return ini->entries[i].value;
	return NULL;
}

int cs_ini_has_section(const struct cs_ini *ini, const char *section)
{
	size_t i;

	for (i = 0; i < ini->nr_sections; i++)
		if (!strcasecmp(ini->sections[i], section))
			return 1;
	return 0;
}
