// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A snapshot's buffer as an OpenCSD decode tree (cs_snapshot.h): which
 * sources it decodes, with which registers and profile, over which
 * memory; the choices trc_pkt_lister -ss_dir makes, so that the two
 * decode a snapshot alike.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coresight/cs_snapshot.h"

/* TRCDEVARCH.ARCHID (bits 15:0) of an ETE, as opposed to ETMv4's 0x4a13. */
#define DEVARCH_ARCHID_ETE	0x5a13
#define DEVARCH_ETE_DEFAULT	0x47705a13u
/* What a snapshot without TRCIDR1 is taken to have (ETMv4.0). */
#define IDR1_DEFAULT		0x4100f403u

/* "ETM4.2" is an ETM4: the version after the dot does not choose the decoder. */
static bool type_is(const char *type, const char *protocol)
{
	size_t len = strlen(protocol);

	return !strncmp(type, protocol, len) && (!type[len] || type[len] == '.');
}

struct reg {
	const char *name;
	uint32_t *value;
	bool required;
	uint32_t fallback;
};

static int read_regs(const struct cs_device *dev, const struct reg *regs, size_t nr,
		     char *error, size_t len)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		uint64_t v;
		int err = cs_device_reg(dev, regs[i].name, &v);

		if (err == -ENOENT && !regs[i].required) {
			*regs[i].value = regs[i].fallback;
			continue;
		}
		if (err || v > UINT32_MAX) {
			snprintf(error, len, "source %s: %s %s", dev->name, regs[i].name,
				 err == -ENOENT ? "is missing" : "is not a 32-bit number");
			return -EINVAL;
		}
		*regs[i].value = v;
	}
	return 0;
}

static int etm4_config(const struct cs_device *dev, ocsd_etmv4_cfg *c, char *error, size_t len)
{
	const struct reg regs[] = {
		{ "TRCCONFIGR", &c->reg_configr, true, 0 },
		{ "TRCTRACEIDR", &c->reg_traceidr, true, 0 },
		{ "TRCIDR0", &c->reg_idr0, true, 0 },
		{ "TRCIDR1", &c->reg_idr1, false, IDR1_DEFAULT },
		{ "TRCIDR2", &c->reg_idr2, true, 0 },
		{ "TRCIDR8", &c->reg_idr8, false, 0 },
		{ "TRCIDR9", &c->reg_idr9, false, 0 },
		{ "TRCIDR10", &c->reg_idr10, false, 0 },
		{ "TRCIDR11", &c->reg_idr11, false, 0 },
		{ "TRCIDR12", &c->reg_idr12, false, 0 },
		{ "TRCIDR13", &c->reg_idr13, false, 0 },
	};

	return read_regs(dev, regs, sizeof(regs) / sizeof(regs[0]), error, len);
}

static int ete_config(const struct cs_device *dev, ocsd_ete_cfg *c, char *error, size_t len)
{
	const struct reg regs[] = {
		{ "TRCCONFIGR", &c->reg_configr, true, 0 },
		{ "TRCTRACEIDR", &c->reg_traceidr, true, 0 },
		{ "TRCIDR0", &c->reg_idr0, true, 0 },
		{ "TRCIDR1", &c->reg_idr1, false, IDR1_DEFAULT },
		{ "TRCIDR2", &c->reg_idr2, true, 0 },
		{ "TRCIDR8", &c->reg_idr8, false, 0 },
		{ "TRCDEVARCH", &c->reg_devarch, false, DEVARCH_ETE_DEFAULT },
	};

	return read_regs(dev, regs, sizeof(regs) / sizeof(regs[0]), error, len);
}

static bool region_listed(const struct cs_region *regions, size_t nr, const struct cs_dump *d)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (regions[i].addr == d->address && regions[i].offset == d->offset)
			return true;
	return false;
}

/* An ETE by its type, or by the architecture its TRCDEVARCH gives. */
static bool is_ete(const struct cs_device *dev)
{
	uint64_t devarch;

	if (type_is(dev->type, "ETE"))
		return true;
	return !cs_device_reg(dev, "TRCDEVARCH", &devarch) &&
	       (devarch & 0xffff) == DEVARCH_ARCHID_ETE;
}

int cs_snapshot_source_config(const struct cs_device *dev, const struct cs_device *core,
			      struct cs_source_config *cfg, char *error, size_t len)
{
	ocsd_arch_version_t arch;
	ocsd_core_profile_t profile;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (!type_is(dev->type, "ETM4") && !is_ete(dev)) {
		snprintf(error, len, "source %s: a %s, not decoded (ETMv4 and ETE only)",
			 dev->name, dev->type);
		return -EOPNOTSUPP;
	}
	if (!core) {
		snprintf(error, len, "source %s: no core traced by it ([core_trace_sources])",
			 dev->name);
		return -ENOENT;
	}
	if (cs_core_profile(core->type, &arch, &profile)) {
		snprintf(error, len, "source %s: core %s is of an unknown type %s", dev->name,
			 core->name, core->type);
		return -ENOENT;
	}
	if (is_ete(dev)) {
		cfg->protocol = CS_ETE;
		cfg->ete.arch_ver = arch;
		cfg->ete.core_prof = profile;
		err = ete_config(dev, &cfg->ete, error, len);
	} else {
		cfg->protocol = CS_ETMV4;
		cfg->etm4.arch_ver = arch;
		cfg->etm4.core_prof = profile;
		err = etm4_config(dev, &cfg->etm4, error, len);
	}
	return err;
}

/*
 * The dumps of the cores of the decoded sources, each file once with all
 * its regions (OpenCSD keeps one accessor per file), each region once
 * however many cores list it.
 */
static void add_dumps(struct cs_snapshot *ss, struct cs_tree *t,
		      const struct cs_device *const *cores, size_t nr_cores)
{
	size_t i, j, k, l, nr = 0, total = 0;
	struct cs_region *regions;

	for (i = 0; i < nr_cores; i++)
		total += cores[i]->nr_dumps;
	regions = calloc(total ? total : 1, sizeof(*regions));
	if (!regions) {
		cs_snapshot_warn(ss, "out of memory for the memory dumps");
		return;
	}
	for (i = 0; i < nr_cores; i++) {
		for (j = 0; j < cores[i]->nr_dumps; j++) {
			const struct cs_dump *d = &cores[i]->dumps[j];
			bool earlier = false;

			/* A file an earlier dump named has been given with it. */
			for (k = 0; k <= i && !earlier; k++)
				for (l = 0; l < (k < i ? cores[k]->nr_dumps : j); l++)
					earlier |= !strcmp(cores[k]->dumps[l].path, d->path);
			if (earlier)
				continue;
			nr = 0;
			for (k = i; k < nr_cores; k++)
				for (l = k == i ? j : 0; l < cores[k]->nr_dumps; l++)
					if (!strcmp(cores[k]->dumps[l].path, d->path) &&
					    !region_listed(regions, nr, &cores[k]->dumps[l]))
						regions[nr++] = (struct cs_region) {
							.addr = cores[k]->dumps[l].address,
							.offset = cores[k]->dumps[l].offset,
							.length = cores[k]->dumps[l].length,
						};
			if (cs_tree_add_dump(t, d->path, regions, nr, d->space))
				cs_snapshot_warn(ss, "%s", t->error);
		}
	}
	free(regions);
}

static bool core_listed(const struct cs_device *const *cores, size_t nr,
			const struct cs_device *core)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (cores[i] == core)
			return true;
	return false;
}

int cs_snapshot_tree(struct cs_snapshot *ss, const struct cs_buffer *b, struct cs_tree *t)
{
	const struct cs_device *used[64];
	size_t i, nr_used = 0;
	int err;

	err = cs_tree_open(t, b->format == CS_FORMAT_SINGLE ? CS_UNFORMATTED :
			      b->format == CS_FORMAT_FRAMED_FSYNC ? CS_FRAMES_FSYNC : CS_FRAMES);
	if (err)
		return err;
	for (i = 0; i < ss->nr_sources; i++) {
		const struct cs_source *s = &ss->sources[i];
		struct cs_source_config cfg;
		char why[256];

		if (s->buffer != b)
			continue;
		if (cs_snapshot_source_config(s->device, s->core, &cfg, why, sizeof(why))) {
			cs_snapshot_warn(ss, "%s", why);
		} else if (cs_tree_add_source(t, &cfg)) {
			cs_snapshot_warn(ss, "source %s: %s", s->device->name, t->error);
		} else if (!core_listed(used, nr_used, s->core) &&
			   nr_used < sizeof(used) / sizeof(used[0])) {
			used[nr_used++] = s->core;
		}
		/* OpenCSD decodes the first source of an unformatted buffer only. */
		if (b->format == CS_FORMAT_SINGLE)
			break;
	}
	add_dumps(ss, t, used, nr_used);
	if (!t->nr_decoders) {
		cs_tree_close(t);
		snprintf(t->error, sizeof(t->error), "buffer %s: no ETMv4 or ETE source to decode",
			 b->name);
		return -ENOENT;
	}
	return 0;
}
