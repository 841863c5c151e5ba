// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-decode --dump-packets: every packet of an encapsulated E-Trace with
 * the fields riscv-etrace-lib's test_etrace_pktdump prints, so that the
 * two can be compared line by line (its numbering, in which a run of N
 * null packets takes N + 1 numbers, included).  It reads the packets as
 * that tool does where the tool and the specification differ, and the
 * decoder as the specification says: bits past a payload's end read as 0
 * until an address reaches the end (the decoder: always the last bit's
 * sign, sign-based compression), and notify, updiscon and irreport are
 * each compared with the address's MSB (the decoder: updiscon with
 * notify, irreport with updiscon, as the packet tables say; the two
 * agree unless notify or updiscon is set).
 */
#include <errno.h>
#include <string.h>

#include "etrace/etrace_internal.h"

#define MAX_PAYLOAD	31u

static void dump_address_tail(FILE *out, const struct etrace_config *cfg,
			      const struct etrace_packet *p)
{
	bool irreport = p->irreport_bit != p->address_msb;

	fprintf(out, " address=0x%llx notify=%u updiscon=%u irreport=%u",
		(unsigned long long)(p->address << cfg->iaddress_lsb),
		p->notify_bit != p->address_msb, p->updiscon_bit != p->address_msb, irreport);
	if (irreport)
		fprintf(out, " irdepth=0x%llx", (unsigned long long)p->irdepth);
}

static void dump_format0(FILE *out, const struct etrace_config *cfg, const struct etrace_packet *p)
{
	if (p->subformat == 0) {
		fprintf(out, " format0 subformat 0 branch_count=%u branch_fmt=0x%x",
			p->branch_count, p->branch_fmt);
		if (p->branch_fmt)
			dump_address_tail(out, cfg, p);
		return;
	}
	fprintf(out, " format0 subformat %u index=%u branches=%u", p->subformat, p->jtc_index,
		p->branches);
	if (!p->branches)
		return;
	fprintf(out, " branch_map=0x%llx irreport=%u", (unsigned long long)p->branch_map,
		p->irreport);
	if (p->irreport)
		fprintf(out, " irdepth=0x%llx", (unsigned long long)p->irdepth);
}

static void dump_time_context(FILE *out, const struct etrace_config *cfg,
			      const struct etrace_packet *p)
{
	if (!cfg->notime)
		fprintf(out, " time=0x%llx", (unsigned long long)p->time);
	if (!cfg->nocontext)
		fprintf(out, " context=0x%llx", (unsigned long long)p->context);
}

static void dump_support(FILE *out, const struct etrace_config *cfg, const struct etrace_packet *p)
{
	fprintf(out, " format3 subformat3 ienable=%u", p->ienable);
	if (cfg->encoder_mode_width)
		fprintf(out, " encoder_mode=0x%x", p->encoder_mode);
	fprintf(out, " qual_status=0x%x", p->qual_status);
	if (cfg->ioptions_width && p->ienable)
		fprintf(out, " ioptions=0x%llx", (unsigned long long)p->ioptions);
	if (cfg->denable_width)
		fprintf(out, " denable=%u", p->denable_bits);
	if (cfg->dloss_width)
		fprintf(out, " dloss=%u", p->dloss_bits);
	if (cfg->denable_width && p->denable)
		fprintf(out, " doptions=0x%llx", (unsigned long long)p->doptions);
}

static void dump_format3(FILE *out, const struct etrace_config *cfg, const struct etrace_packet *p)
{
	unsigned long long address = p->address << cfg->iaddress_lsb;

	switch (p->subformat) {
	case 0:
		fprintf(out, " format3 subformat0 branch=%u privilege=0x%x", p->branch,
			p->privilege);
		dump_time_context(out, cfg, p);
		fprintf(out, " address=0x%llx", address);
		break;
	case 1:
		fprintf(out, " format3 subformat1 branch=%u privilege=0x%x", p->branch,
			p->privilege);
		dump_time_context(out, cfg, p);
		fprintf(out, " ecause=0x%llx interrupt=%u thaddr=%u address=0x%llx",
			(unsigned long long)p->ecause, p->interrupt, p->thaddr, address);
		if (!p->interrupt)
			fprintf(out, " tval=0x%llx", (unsigned long long)p->tval);
		break;
	case 2:
		fprintf(out, " format3 subformat2 privilege=0x%x", p->privilege);
		dump_time_context(out, cfg, p);
		break;
	default:
		dump_support(out, cfg, p);
		break;
	}
}

static void dump_packet(FILE *out, const struct etrace_config *cfg, const struct etrace_packet *p)
{
	if (p->type) {
		fprintf(out, " %s", p->type == 1 ? "data trace" : "unknown type");
		return;
	}
	switch (p->format) {
	case 0:
		dump_format0(out, cfg, p);
		break;
	case 1:
		fprintf(out, " format1 branches=%u branch_map=0x%llx", p->branches,
			(unsigned long long)p->branch_map);
		if (p->branches)
			dump_address_tail(out, cfg, p);
		break;
	case 2:
		fprintf(out, " format2");
		dump_address_tail(out, cfg, p);
		break;
	default:
		dump_format3(out, cfg, p);
		break;
	}
}

/* The frame's payload, the bytes a truncated packet lacks as zeros. */
static void dump_frame(FILE *out, const struct etrace_config *cfg, const struct etrace_frame *f,
		       unsigned int number)
{
	uint8_t payload[MAX_PAYLOAD] = { 0 };
	struct etrace_packet p = { 0 };
	size_t before = f->size - f->payload_len, have = 0;

	if (f->available > before)
		have = f->available - before;
	if (have)
		memcpy(payload, f->payload, have);
	fprintf(out, "%016zx:%02zuB: packet%08u:", f->offset, f->size, number);
	if (cfg->flow_id >= 0 && f->flow != (unsigned int)cfg->flow_id) {
		fprintf(out, " flow %u, not %d: skipped\n", f->flow, cfg->flow_id);
		return;
	}
	if (cfg->srcid_bytes)
		fprintf(out, " srcid=%llu", (unsigned long long)f->srcid);
	if (f->has_tstamp)
		fprintf(out, " tstamp=0x%llx", (unsigned long long)f->tstamp);
	etrace_parse_payload(cfg, payload, f->payload_len, true, &p);
	dump_packet(out, cfg, &p);
	fputc('\n', out);
}

int etrace_dump_packets(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
			FILE *out, char *error, size_t error_len)
{
	unsigned int number = 0, nulls = 0;
	size_t pos = 0;
	int err = etrace_config_check_layout(cfg, error, error_len);

	while (!err && pos < len) {
		struct etrace_frame f;

		err = etrace_encap_frame(cfg, trace, len, pos, &f);
		if (f.null) {
			nulls++;
			pos++;
			continue;
		}
		if (nulls) {
			fprintf(out, "packet%08u:packet%08u: NULL\n", number, number + nulls);
			number += nulls + 1;
			nulls = 0;
		}
		dump_frame(out, cfg, &f, number++);
		if (err)
			snprintf(error, error_len, "byte %zu: packet truncated (%zu of %zu bytes)",
				 pos, f.available, f.size);
		pos += f.size;
	}
	return err;
}
