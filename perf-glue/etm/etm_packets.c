// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The first look at a raw ETMv4 trace: OpenCSD's packet processor alone
 * splits it into packets, which gives the byte range and value of every
 * timestamp packet (where the trace can be split) and finds corrupt or
 * truncated input before any decoding.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <opencsd/etmv4/trc_pkt_types_etmv4.h>

#include "array.h"
#include "etm/etm_internal.h"

struct scan {
	bool speculative;		/* TRCIDR8.MAXSPEC > 0 */
	struct etm_timestamp *ts;
	size_t nr_ts, cap_ts;
	bool in_timestamp;		/* the last packet was a timestamp: its end is the next start */
	bool synced;
	bool have_address;		/* since the last A-sync or trace info */
	enum {
		RETURN_NONE,		/* no exception waits for its return address */
		RETURN_WANTED,		/* right after an exception packet */
		RETURN_AFTER_CONTEXT,	/* after the context packet that may come between */
	} exception_return;
	int err;
	char *error;
	size_t error_len;
};

static void scan_fail(struct scan *s, const char *what, ocsd_trc_index_t index)
{
	if (s->err)
		return;
	s->err = -EINVAL;
	snprintf(s->error, s->error_len, "%s at trace offset %llu", what,
		 (unsigned long long)index);
}

static int add_timestamp(struct scan *s, ocsd_trc_index_t index, uint64_t value)
{
	if (array_make_room(&s->ts, &s->cap_ts, s->nr_ts, sizeof(*s->ts), 64))
		return -ENOMEM;
	s->ts[s->nr_ts].start = index;
	s->ts[s->nr_ts].end = index;
	s->ts[s->nr_ts].value = value;
	s->nr_ts++;
	return 0;
}

static bool is_address(ocsd_etmv4_i_pkt_type type)
{
	return type >= ETM4_PKT_I_ADDR_CTXT_L_32IS0 && type <= ETM4_PKT_I_ADDR_L_64IS1;
}

/*
 * An exception packet's preferred return address is the address packet
 * right after it, with at most a context packet between.  OpenCSD 1.3.3
 * takes the elements after a committed exception for that address
 * without looking whether there are any: a commit (or anything else)
 * before the address makes it read past the end of its element stack
 * (found by fuzzing).  Refused in every trace, speculative or not.
 */
static void check_exception_return(struct scan *s, ocsd_trc_index_t index,
				   const ocsd_etmv4_i_pkt *pkt)
{
	if (s->exception_return == RETURN_NONE || pkt->type == ETM4_PKT_I_IGNORE)
		return;
	if (is_address(pkt->type))
		s->exception_return = RETURN_NONE;
	else if (pkt->type == ETM4_PKT_I_CTXT && s->exception_return == RETURN_WANTED)
		s->exception_return = RETURN_AFTER_CONTEXT;
	else
		scan_fail(s, "an exception without its return address (OpenCSD 1.3.3 "
			  "cannot decode it safely)", index);
}

static void check_packet(struct scan *s, ocsd_trc_index_t index, const ocsd_etmv4_i_pkt *pkt)
{
	check_exception_return(s, index, pkt);
	switch (pkt->type) {
	case ETM4_PKT_I_NOTSYNC:
		/* Bytes before the first A-sync: a wrapped buffer begins so. */
		if (s->synced)
			scan_fail(s, "lost synchronisation", index);
		break;
	case ETM4_PKT_I_INCOMPLETE_EOT:
		scan_fail(s, "truncated packet", index);
		break;
	case ETM4_PKT_I_ASYNC:
		s->synced = true;
		s->have_address = false;
		break;
	case ETM4_PKT_I_TRACE_INFO:
		s->have_address = false;	/* it resets the address registers */
		break;
	case ETM4_PKT_I_EXCEPT:
		/*
		 * OpenCSD 1.3.3's decoder dereferences the previous address
		 * of an exception that has none (found by fuzzing): refused.
		 */
		if (!s->have_address)
			scan_fail(s, "an exception before any address (OpenCSD 1.3.3 "
				  "cannot decode it safely)", index);
		s->exception_return = RETURN_WANTED;
		break;
	case ETM4_PKT_I_TIMESTAMP:
		if (add_timestamp(s, index, pkt->ts.timestamp))
			s->err = -ENOMEM;
		s->in_timestamp = true;
		break;
	case ETM4_PKT_I_MISPREDICT:
	case ETM4_PKT_I_CANCEL_F1_MISPRED:
	case ETM4_PKT_I_CANCEL_F2:
	case ETM4_PKT_I_CANCEL_F3:
		/*
		 * Each of these mispredicts the newest atom, and OpenCSD
		 * 1.3.3's decoder crashes when it finds an address element
		 * before that atom (it erases the element under its own
		 * iterator): refused in every trace.
		 */
		scan_fail(s, "a mispredict (OpenCSD 1.3.3 cannot decode them safely)", index);
		break;
	case ETM4_PKT_I_COMMIT:
	case ETM4_PKT_I_CANCEL_F1:
		/* A trace unit that does not trace speculatively never resolves speculation. */
		if (!s->speculative)
			scan_fail(s, "a speculation packet in a non-speculative trace", index);
		break;
	default:
		if (pkt->type >= ETM4_PKT_I_BAD_SEQUENCE)
			scan_fail(s, "corrupt packet", index);
		else if (is_address(pkt->type) && pkt->type != ETM4_PKT_I_ADDR_MATCH)
			s->have_address = true;
		break;
	}
}

static ocsd_datapath_resp_t on_packet(const void *ctx, const ocsd_datapath_op_t op,
				      const ocsd_trc_index_t index, const void *packet)
{
	struct scan *s = (struct scan *)ctx;

	if (s->in_timestamp && op == OCSD_OP_DATA) {
		s->ts[s->nr_ts - 1].end = index;
		s->in_timestamp = false;
	}
	if (op == OCSD_OP_DATA && packet)
		check_packet(s, index, packet);
	return s->err ? OCSD_RESP_FATAL_INVALID_DATA : OCSD_RESP_CONT;
}

static int feed(dcd_tree_handle_t tree, const uint8_t *trace, size_t len, struct scan *s)
{
	size_t done = 0;

	while (done < len && !s->err) {
		uint32_t chunk = len - done > (1u << 30) ? 1u << 30 : (uint32_t)(len - done);
		uint32_t used = 0;
		ocsd_datapath_resp_t resp;

		resp = ocsd_dt_process_data(tree, OCSD_OP_DATA, done, chunk, trace + done, &used);
		if (OCSD_DATA_RESP_IS_FATAL(resp) || !used) {
			scan_fail(s, "the packet processor stopped", done + used);
			break;
		}
		done += used;
	}
	if (!s->err)
		ocsd_dt_process_data(tree, OCSD_OP_EOT, 0, 0, NULL, NULL);
	return s->err;
}

int etm_scan_packets(const ocsd_etmv4_cfg *cfg, const uint8_t *trace, size_t len,
		     struct etm_timestamp **ts, size_t *nr_ts, char *error, size_t error_len)
{
	struct scan s = { .error = error, .error_len = error_len,
			  .speculative = (cfg->reg_idr8 & 0xffffffffu) != 0 };
	ocsd_etmv4_cfg config = *cfg;
	dcd_tree_handle_t tree;
	unsigned char csid;
	int err;

	tree = ocsd_create_dcd_tree(OCSD_TRC_SRC_SINGLE, 0);
	if (tree == C_API_INVALID_TREE_HANDLE)
		return -ENOMEM;
	if (ocsd_dt_create_decoder(tree, OCSD_BUILTIN_DCD_ETMV4I, OCSD_CREATE_FLG_PACKET_PROC,
				   &config, &csid) ||
	    ocsd_dt_attach_packet_callback(tree, csid, OCSD_C_API_CB_PKT_SINK, on_packet, &s)) {
		ocsd_destroy_dcd_tree(tree);
		snprintf(error, error_len, "OpenCSD refused the ETMv4 configuration");
		return -EINVAL;
	}
	err = feed(tree, trace, len, &s);
	/* A timestamp that ends the trace ends with it. */
	if (s.in_timestamp)
		s.ts[s.nr_ts - 1].end = len;
	if (!err && !s.synced) {
		snprintf(error, error_len, "no A-sync packet in %zu bytes of trace", len);
		err = -EINVAL;
	}
	ocsd_destroy_dcd_tree(tree);
	if (err) {
		free(s.ts);
		return err;
	}
	*ts = s.ts;
	*nr_ts = s.nr_ts;
	return 0;
}
