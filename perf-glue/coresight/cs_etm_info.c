// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * perf's cs_etm AUXTRACE_INFO words (cs_etm_info.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coresight/cs_etm_info.h"

#define HEADER_WORDS		3
#define V0_ETMV4_WORDS		9	/* magic, cpu and seven registers */
#define V0_ETMV3_WORDS		6	/* magic, cpu and four registers */
#define V1_COMMON_WORDS		3	/* magic, cpu, number of parameters */
#define MAX_PARAMS		64
#define MAX_CPUS		4096

/* Parameter order after the common words, shared by ETMv4 and ETE. */
enum {
	P_TRCCONFIGR, P_TRCTRACEIDR, P_TRCIDR0, P_TRCIDR1, P_TRCIDR2, P_TRCIDR8,
	P_TRCAUTHSTATUS, P_TRCDEVARCH, P_ETM4_MIN = P_TRCAUTHSTATUS + 1,
	P_ETE_MIN = P_TRCDEVARCH + 1,
};

static void etm4_from(struct cs_etm_cpu *c, const uint64_t *p)
{
	ocsd_etmv4_cfg *e = &c->cfg.etm4;

	c->cfg.protocol = CS_ETMV4;
	e->reg_configr = p[P_TRCCONFIGR];
	e->reg_traceidr = p[P_TRCTRACEIDR];
	e->reg_idr0 = p[P_TRCIDR0];
	e->reg_idr1 = p[P_TRCIDR1];
	e->reg_idr2 = p[P_TRCIDR2];
	e->reg_idr8 = p[P_TRCIDR8];
	/* What perf decodes with: the file does not name the core. */
	e->arch_ver = ARCH_V8;
	e->core_prof = profile_CortexA;
	c->supported = true;
}

static void ete_from(struct cs_etm_cpu *c, const uint64_t *p)
{
	ocsd_ete_cfg *e = &c->cfg.ete;

	c->cfg.protocol = CS_ETE;
	e->reg_configr = p[P_TRCCONFIGR];
	e->reg_traceidr = p[P_TRCTRACEIDR];
	e->reg_idr0 = p[P_TRCIDR0];
	e->reg_idr1 = p[P_TRCIDR1];
	e->reg_idr2 = p[P_TRCIDR2];
	e->reg_idr8 = p[P_TRCIDR8];
	e->reg_devarch = p[P_TRCDEVARCH];
	e->arch_ver = ARCH_AA64;
	e->core_prof = profile_CortexA;
	c->supported = true;
}

/* One CPU's block at @w (@left words remain); its length in *@used. */
static int parse_cpu(const struct cs_etm_info *info, const uint64_t *w, size_t left,
		     struct cs_etm_cpu *c, size_t *used, char *error, size_t len)
{
	uint64_t nr;

	if (left < 2)
		goto short_block;
	c->magic = w[0];
	c->cpu = w[1];
	if (info->version == 0) {
		if (c->magic == CS_ETM_MAGIC_ETMV4) {
			*used = V0_ETMV4_WORDS;
			if (left < *used)
				goto short_block;
			etm4_from(c, w + 2);
			return 0;
		}
		if (c->magic == CS_ETM_MAGIC_ETMV3) {
			*used = V0_ETMV3_WORDS;
			if (left < *used)
				goto short_block;
			return 0;
		}
		goto bad_magic;
	}
	if (left < V1_COMMON_WORDS)
		goto short_block;
	nr = w[2];
	if (nr > MAX_PARAMS || nr > left - V1_COMMON_WORDS)
		goto short_block;
	*used = V1_COMMON_WORDS + nr;
	if (c->magic == CS_ETM_MAGIC_ETMV4 && nr >= P_ETM4_MIN)
		etm4_from(c, w + V1_COMMON_WORDS);
	else if (c->magic == CS_ETM_MAGIC_ETE && nr >= P_ETE_MIN)
		ete_from(c, w + V1_COMMON_WORDS);
	else if (c->magic != CS_ETM_MAGIC_ETMV3 && c->magic != CS_ETM_MAGIC_ETMV4 &&
		 c->magic != CS_ETM_MAGIC_ETE)
		goto bad_magic;
	else if (c->magic != CS_ETM_MAGIC_ETMV3)
		goto short_block;
	return 0;

bad_magic:
	snprintf(error, len, "cs_etm AUXTRACE_INFO: CPU block with magic 0x%llx",
		 (unsigned long long)c->magic);
	return -EINVAL;
short_block:
	snprintf(error, len, "cs_etm AUXTRACE_INFO: a CPU's block is cut short");
	return -EINVAL;
}

int cs_etm_info_parse(const struct auxtrace_info *rec, struct cs_etm_info *info, char *error,
		      size_t len)
{
	size_t pos = HEADER_WORDS, i;

	memset(info, 0, sizeof(*info));
	if (!rec->present || rec->type != AUXTRACE_TYPE_CS_ETM) {
		snprintf(error, len, "no cs_etm AUXTRACE_INFO record (perf record -e cs_etm//)");
		return -EINVAL;
	}
	if (rec->nr_priv < HEADER_WORDS) {
		snprintf(error, len, "cs_etm AUXTRACE_INFO of %zu words", rec->nr_priv);
		return -EINVAL;
	}
	info->version = rec->priv[0];
	info->pmu_type = rec->priv[1] >> 32;
	info->nr_cpus = (uint32_t)rec->priv[1];
	info->snapshot = rec->priv[2];
	if (info->version > 2 || !info->nr_cpus || info->nr_cpus > MAX_CPUS) {
		snprintf(error, len, "cs_etm AUXTRACE_INFO version %llu with %u CPUs: not known",
			 (unsigned long long)info->version, info->nr_cpus);
		return -EINVAL;
	}
	info->cpus = calloc(info->nr_cpus, sizeof(*info->cpus));
	if (!info->cpus) {
		snprintf(error, len, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < info->nr_cpus; i++) {
		size_t used = 0;
		int err = parse_cpu(info, rec->priv + pos, rec->nr_priv - pos, &info->cpus[i], &used,
				    error, len);

		if (err) {
			cs_etm_info_free(info);
			return err;
		}
		pos += used;
	}
	return 0;
}

void cs_etm_info_free(struct cs_etm_info *info)
{
	free(info->cpus);
	memset(info, 0, sizeof(*info));
}

void cs_etm_info_apply_hw_ids(struct cs_etm_info *info, const struct auxtrace_data *d)
{
	size_t i;
	uint32_t j;

	for (i = 0; i < d->nr_hw_ids; i++) {
		uint32_t id = d->hw_ids[i].hw_id & 0x7f;

		for (j = 0; j < info->nr_cpus; j++) {
			struct cs_etm_cpu *c = &info->cpus[j];

			if (c->cpu != d->hw_ids[i].cpu || d->hw_ids[i].cpu == AUXTRACE_NONE)
				continue;
			if (c->cfg.protocol == CS_ETE)
				c->cfg.ete.reg_traceidr = id;
			else
				c->cfg.etm4.reg_traceidr = id;
		}
	}
}

static uint8_t id_of(const struct cs_etm_cpu *c)
{
	return (c->cfg.protocol == CS_ETE ? c->cfg.ete.reg_traceidr
					  : c->cfg.etm4.reg_traceidr) & 0x7f;
}

const struct cs_etm_cpu *cs_etm_cpu_of_id(const struct cs_etm_info *info, uint8_t id)
{
	uint32_t i;

	for (i = 0; i < info->nr_cpus; i++)
		if (info->cpus[i].supported && id_of(&info->cpus[i]) == id)
			return &info->cpus[i];
	return NULL;
}

const struct cs_etm_cpu *cs_etm_cpu(const struct cs_etm_info *info, uint32_t cpu)
{
	uint32_t i;

	for (i = 0; i < info->nr_cpus; i++)
		if (info->cpus[i].cpu == cpu)
			return &info->cpus[i];
	return NULL;
}

static bool raw_trace(const struct auxtrace_data *d, uint32_t cpu)
{
	size_t i;

	for (i = 0; i < d->nr_aux; i++)
		if ((cpu == AUXTRACE_NONE || d->aux[i].cpu == cpu) &&
		    (d->aux[i].flags & CS_AUX_FLAG_FORMAT_RAW))
			return true;
	return false;
}

int cs_etm_queue_tree(const struct cs_etm_info *info, const struct auxtrace_data *d,
		      const struct auxtrace_queue *q, struct cs_tree *t)
{
	const struct cs_etm_cpu *one = NULL;
	uint32_t i;
	int err;

	if (raw_trace(d, q->cpu)) {
		one = q->cpu == AUXTRACE_NONE ? NULL : cs_etm_cpu(info, q->cpu);
		for (i = 0; !one && i < info->nr_cpus; i++)
			if (info->cpus[i].supported)
				one = &info->cpus[i];
		if (!one || !one->supported) {
			snprintf(t->error, sizeof(t->error), "CPU %u: no ETMv4 or ETE unit",
				 q->cpu);
			return -ENOENT;
		}
	}
	err = cs_tree_open(t, one ? CS_UNFORMATTED : CS_FRAMES);
	if (err)
		return err;
	for (i = 0; !err && i < info->nr_cpus; i++) {
		const struct cs_etm_cpu *c = &info->cpus[i];

		if (!c->supported || (one && c != one))
			continue;
		err = cs_tree_add_source(t, &c->cfg);
	}
	if (!err && !t->nr_decoders) {
		snprintf(t->error, sizeof(t->error), "no ETMv4 or ETE unit to decode with");
		err = -ENOENT;
	}
	if (err)
		cs_tree_close(t);
	return err;
}
