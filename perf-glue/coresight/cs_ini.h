/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ini files of an OpenCSD snapshot (snapshot.ini, the device files,
 * trace.ini): "[section]" lines and "key=value" lines, comments from ';'
 * or '#' at the start of a line, blanks around names and values ignored.
 * A key keeps its case and whatever follows its name ("TRCIDR0(0x078)");
 * lookups ignore case, as OpenCSD's reader does.
 */
#ifndef PERF_GLUE_CS_INI_H
#define PERF_GLUE_CS_INI_H

#include <stddef.h>

struct cs_ini_entry {
	const char *section;
	const char *key;
	const char *value;
};

struct cs_ini {
	char *text;			/* the file, cut into the strings above */
	struct cs_ini_entry *entries;
	size_t nr, cap;
	const char **sections;		/* each section once, in file order */
	size_t nr_sections, cap_sections;
};

/*
 * Parse @len bytes of @text (copied).  0, -ENOMEM, or -EINVAL with a
 * sentence in @error for a line that is neither (a key outside every
 * section, an unterminated section name, a line without '=').
 */
int cs_ini_parse(struct cs_ini *ini, const char *text, size_t len, char *error, size_t error_len);
/* The same on the file @path; -errno when it cannot be read. */
int cs_ini_load(struct cs_ini *ini, const char *path, char *error, size_t error_len);
void cs_ini_free(struct cs_ini *ini);

/* The value of @key in @section (first one), or NULL. */
const char *cs_ini_get(const struct cs_ini *ini, const char *section, const char *key);
/* Whether the section exists (even empty). */
int cs_ini_has_section(const struct cs_ini *ini, const char *section);

#endif /* PERF_GLUE_CS_INI_H */
