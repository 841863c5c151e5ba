// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading an OpenCSD snapshot directory (cs_snapshot.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "coresight/cs_snapshot.h"

/* More would not be a snapshot of one system. */
#define MAX_DEVICES	1024
#define MAX_DUMPS	1024

static int ss_fail(struct cs_snapshot *ss, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ss->error, sizeof(ss->error), fmt, ap);
	va_end(ap);
	return err;
}

void cs_snapshot_warn(struct cs_snapshot *ss, const char *fmt, ...)
{
	size_t used = strlen(ss->warnings);
	va_list ap;

	if (used + 2 >= sizeof(ss->warnings))
		return;
	va_start(ap, fmt);
	vsnprintf(ss->warnings + used, sizeof(ss->warnings) - used - 1, fmt, ap);
	va_end(ap);
	strcat(ss->warnings, "\n");
}

/* "@dir/@name", or NULL without memory. */
static char *in_dir(const struct cs_snapshot *ss, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", ss->dir, name) < 0)
		return NULL;
	return path;
}

static int parse_number(const char *s, uint64_t *value)
{
	char *end;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	*value = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int load_ini(struct cs_snapshot *ss, struct cs_ini *ini, const char *name)
{
	char error[256], *path = in_dir(ss, name);
	int err;

	if (!path)
		return ss_fail(ss, -ENOMEM, "out of memory");
	err = cs_ini_load(ini, path, error, sizeof(error));
	free(path);
	return err ? ss_fail(ss, err, "%s", error) : 0;
}

static bool is_dump_section(const char *section)
{
	return !strncasecmp(section, "dump", 4);
}

static int add_dump(struct cs_snapshot *ss, struct cs_device *dev, const char *section)
{
	const struct cs_ini *ini = &dev->ini;
	const char *file = cs_ini_get(ini, section, "file");
	const char *length = cs_ini_get(ini, section, "length");
	const char *offset = cs_ini_get(ini, section, "offset");
	const char *space = cs_ini_get(ini, section, "space");
	struct cs_dump *d = &dev->dumps[dev->nr_dumps];

	memset(d, 0, sizeof(*d));
	if (!file || parse_number(cs_ini_get(ini, section, "address"), &d->address) ||
	    (length && parse_number(length, &d->length)) ||
	    (offset && parse_number(offset, &d->offset)))
		return ss_fail(ss, -EINVAL, "device %s: [%s] needs file= and address=, and "
			       "numbers for length= and offset=", dev->name, section);
	d->path = in_dir(ss, file);
	if (!d->path)
		return ss_fail(ss, -ENOMEM, "out of memory");
	d->space = space ? space : "";
	dev->nr_dumps++;
	return 0;
}

static int load_device(struct cs_snapshot *ss, struct cs_device *dev, const char *file)
{
	size_t i;
	int err;

	err = load_ini(ss, &dev->ini, file);
	if (err)
		return err;
	dev->name = cs_ini_get(&dev->ini, "device", "name");
	dev->class_name = cs_ini_get(&dev->ini, "device", "class");
	dev->type = cs_ini_get(&dev->ini, "device", "type");
	if (!dev->name || !dev->type)
		return ss_fail(ss, -EINVAL, "%s: [device] has no name= or type=", file);
	dev->dumps = calloc(dev->ini.nr_sections ? dev->ini.nr_sections : 1, sizeof(*dev->dumps));
	if (!dev->dumps)
		return ss_fail(ss, -ENOMEM, "out of memory");
	for (i = 0; i < dev->ini.nr_sections && dev->nr_dumps < MAX_DUMPS; i++) {
		if (!is_dump_section(dev->ini.sections[i]))
			continue;
		err = add_dump(ss, dev, dev->ini.sections[i]);
		if (err)
			return err;
	}
	return 0;
}

static int load_devices(struct cs_snapshot *ss)
{
	const struct cs_ini *ini = &ss->snapshot;
	size_t i;
	int err;

	ss->devices = calloc(ini->nr ? ini->nr : 1, sizeof(*ss->devices));
	if (!ss->devices)
		return ss_fail(ss, -ENOMEM, "out of memory");
	for (i = 0; i < ini->nr; i++) {
		if (strcasecmp(ini->entries[i].section, "device_list"))
			continue;
		if (ss->nr_devices == MAX_DEVICES)
			return ss_fail(ss, -EINVAL, "more than %d devices", MAX_DEVICES);
		err = load_device(ss, &ss->devices[ss->nr_devices++], ini->entries[i].value);
		if (err == -ENOENT) {
			/* OpenCSD goes on without a device file it cannot open. */
			cs_ini_free(&ss->devices[--ss->nr_devices].ini);
			cs_snapshot_warn(ss, "%s", ss->error);
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

const struct cs_device *cs_snapshot_device(const struct cs_snapshot *ss, const char *name)
{
	size_t i;

	for (i = 0; name && i < ss->nr_devices; i++)
		if (!strcmp(ss->devices[i].name, name))
			return &ss->devices[i];
	return NULL;
}

static int buffer_format(const char *format, enum cs_buffer_format *out)
{
	if (!format || !strcmp(format, "coresight"))
		*out = CS_FORMAT_FRAMED;
	else if (!strcmp(format, "dstream_coresight"))
		*out = CS_FORMAT_FRAMED_FSYNC;
	else if (!strcmp(format, "source_data"))
		*out = CS_FORMAT_SINGLE;
	else
		return -EINVAL;
	return 0;
}

static int add_buffer(struct cs_snapshot *ss, const char *id)
{
	const struct cs_ini *ini = &ss->trace;
	const char *file = cs_ini_get(ini, id, "file"), *format = cs_ini_get(ini, id, "format");
	struct cs_buffer *b = &ss->buffers[ss->nr_buffers];

	b->name = cs_ini_get(ini, id, "name");
	if (!b->name || !file)
		return ss_fail(ss, -EINVAL, "trace.ini: [%s] needs name= and file=", id);
	if (buffer_format(format, &b->format))
		return ss_fail(ss, -EINVAL, "trace.ini: buffer %s: unknown format %s", b->name,
			       format);
	b->path = in_dir(ss, file);
	if (!b->path)
		return ss_fail(ss, -ENOMEM, "out of memory");
	ss->nr_buffers++;
	return 0;
}

/* "buffers=buffer0, buffer1": each named section. */
static int load_buffers(struct cs_snapshot *ss)
{
	const char *list = cs_ini_get(&ss->trace, "trace_buffers", "buffers");
	char *copy, *id, *save = NULL;
	int err = 0;

	if (!list)
		return ss_fail(ss, -EINVAL, "trace.ini: no [trace_buffers] buffers=");
	copy = strdup(list);
	ss->buffers = calloc(strlen(list) + 1, sizeof(*ss->buffers));
	if (!copy || !ss->buffers) {
		free(copy);
		return ss_fail(ss, -ENOMEM, "out of memory");
	}
	for (id = strtok_r(copy, ", \t", &save); id && !err; id = strtok_r(NULL, ", \t", &save))
		err = add_buffer(ss, id);
	free(copy);
	if (!err && !ss->nr_buffers)
		err = ss_fail(ss, -EINVAL, "trace.ini: no buffer listed");
	return err;
}

const struct cs_buffer *cs_snapshot_buffer(const struct cs_snapshot *ss, const char *name)
{
	size_t i;

	for (i = 0; i < ss->nr_buffers; i++)
		if (!name || !strcmp(ss->buffers[i].name, name))
			return &ss->buffers[i];
	return NULL;
}

/* The core whose [core_trace_sources] entry names @source. */
static const struct cs_device *core_of(const struct cs_snapshot *ss, const char *source)
{
	const struct cs_ini *ini = &ss->trace;
	size_t i;

	for (i = 0; i < ini->nr; i++)
		if (!strcasecmp(ini->entries[i].section, "core_trace_sources") &&
		    !strcmp(ini->entries[i].value, source))
			return cs_snapshot_device(ss, ini->entries[i].key);
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	const struct cs_source *x = a, *y = b;

	return strcmp(x->device->name, y->device->name);
}

static int link_sources(struct cs_snapshot *ss)
{
	const struct cs_ini *ini = &ss->trace;
	size_t i;

	ss->sources = calloc(ini->nr ? ini->nr : 1, sizeof(*ss->sources));
	if (!ss->sources)
		return ss_fail(ss, -ENOMEM, "out of memory");
	for (i = 0; i < ini->nr; i++) {
		const struct cs_ini_entry *e = &ini->entries[i];
		struct cs_source *s = &ss->sources[ss->nr_sources];

		if (strcasecmp(e->section, "source_buffers"))
			continue;
		s->buffer = cs_snapshot_buffer(ss, e->value);
		s->device = cs_snapshot_device(ss, e->key);
		if (!s->buffer) {
			cs_snapshot_warn(ss, "source %s feeds %s, which is no buffer", e->key, e->value);
			continue;
		}
		if (!s->device) {
			cs_snapshot_warn(ss, "source %s: no device file", e->key);
			continue;
		}
		s->core = core_of(ss, e->key);
		ss->nr_sources++;
	}
	qsort(ss->sources, ss->nr_sources, sizeof(*ss->sources), by_name);
	return 0;
}

int cs_snapshot_load(struct cs_snapshot *ss, const char *dir)
{
	const char *metadata;
	int err;

	memset(ss, 0, sizeof(*ss));
	ss->dir = strdup(dir);
	if (!ss->dir)
		return ss_fail(ss, -ENOMEM, "out of memory");
	err = load_ini(ss, &ss->snapshot, "snapshot.ini");
	if (!err)
		err = load_devices(ss);
	if (!err) {
		metadata = cs_ini_get(&ss->snapshot, "trace", "metadata");
		err = metadata ? load_ini(ss, &ss->trace, metadata)
			       : ss_fail(ss, -EINVAL, "snapshot.ini: no [trace] metadata=");
	}
	if (!err)
		err = load_buffers(ss);
	if (!err)
		err = link_sources(ss);
	if (err) {
		char why[sizeof(ss->error)];

		memcpy(why, ss->error, sizeof(why));
		cs_snapshot_free(ss);
		memcpy(ss->error, why, sizeof(why));
	}
	return err;
}

void cs_snapshot_free(struct cs_snapshot *ss)
{
	size_t i, j;

	for (i = 0; ss->devices && i < ss->nr_devices; i++) {
		for (j = 0; j < ss->devices[i].nr_dumps; j++)
			free(ss->devices[i].dumps[j].path);
		free(ss->devices[i].dumps);
		cs_ini_free(&ss->devices[i].ini);
	}
	for (i = 0; ss->buffers && i < ss->nr_buffers; i++)
		free(ss->buffers[i].path);
	free(ss->devices);
	free(ss->buffers);
	free(ss->sources);
	cs_ini_free(&ss->snapshot);
	cs_ini_free(&ss->trace);
	free(ss->dir);
	memset(ss, 0, sizeof(*ss));
}

int cs_device_reg(const struct cs_device *dev, const char *name, uint64_t *value)
{
	const struct cs_ini *ini = &dev->ini;
	size_t i, len = strlen(name);

	for (i = 0; i < ini->nr; i++) {
		const char *key = ini->entries[i].key;

		if (strcasecmp(ini->entries[i].section, "regs") || strncasecmp(key, name, len) ||
		    (key[len] && key[len] != '('))
			continue;
		return parse_number(ini->entries[i].value, value);
	}
	return -ENOENT;
}
