// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Packet orders OpenCSD 1.3.3's ETMv4 decoder cannot decode safely (each
 * found by fuzzing, the same ones etm/etm_packets.c refuses in a raw
 * trace): an exception before any address, an exception not followed by
 * the address of its return (at most a context packet between), and the
 * mispredicts.  A first pass of packet processors alone, over the buffer
 * as the decode tree will see it, finds the first one; the decode stops
 * before it (cs_decode.c).  The same pass finds each source's packet the
 * end of the buffer cuts, which the decode only ends with.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <opencsd/etmv4/trc_pkt_types_etmv4.h>

#include "coresight/cs_decode.h"

/* One source's state, in the packets' order. */
struct watch {
	uint8_t id;
	bool have_address;		/* since the last A-sync, trace info or reset */
	int exception_return;		/* 0 none, 1 wanted, 2 after its context packet */
	uint64_t *first;		/* the earliest hazard of all sources */
	const char **what;
	uint64_t *cut;			/* where the buffer's end cut a packet, or UINT64_MAX */
};

static bool is_address(ocsd_etmv4_i_pkt_type type)
{
	return type >= ETM4_PKT_I_ADDR_CTXT_L_32IS0 && type <= ETM4_PKT_I_ADDR_L_64IS1;
}

static void hazard(struct watch *w, uint64_t index, const char *what)
{
	if (index < *w->first) {
		*w->first = index;
		*w->what = what;
	}
}

static void check(struct watch *w, uint64_t index, const ocsd_etmv4_i_pkt *pkt)
{
	if (w->exception_return && pkt->type != ETM4_PKT_I_IGNORE) {
		if (is_address(pkt->type))
			w->exception_return = 0;
		else if (pkt->type == ETM4_PKT_I_CTXT && w->exception_return == 1)
			w->exception_return = 2;
		else
			hazard(w, index, "an exception without its return address");
	}
	switch (pkt->type) {
	case ETM4_PKT_I_INCOMPLETE_EOT:
		*w->cut = index;
		break;
	case ETM4_PKT_I_ASYNC:
	case ETM4_PKT_I_TRACE_INFO:
		w->have_address = false;
		break;
	case ETM4_PKT_I_EXCEPT:
		if (!w->have_address)
			hazard(w, index, "an exception before any address");
		w->exception_return = 1;
		break;
	case ETM4_PKT_I_MISPREDICT:
	case ETM4_PKT_I_CANCEL_F1_MISPRED:
	case ETM4_PKT_I_CANCEL_F2:
	case ETM4_PKT_I_CANCEL_F3:
		hazard(w, index, "a mispredict");
		break;
	default:
		if (is_address(pkt->type) && pkt->type != ETM4_PKT_I_ADDR_MATCH)
			w->have_address = true;
		break;
	}
}

static ocsd_datapath_resp_t on_packet(const void *ctx, const ocsd_datapath_op_t op,
				      const ocsd_trc_index_t index, const void *pkt)
{
	struct watch *w = (struct watch *)ctx;

	if (op == OCSD_OP_RESET) {
		w->have_address = false;
		w->exception_return = 0;
	} else if (op == OCSD_OP_DATA && pkt) {
		check(w, index, pkt);
	}
	return OCSD_RESP_CONT;
}

int cs_hazard_scan(enum cs_framing framing, const struct cs_source_config *sources, size_t nr,
		   const uint8_t *buf, size_t start, size_t len, uint64_t *first, const char **what,
		   uint64_t *cut)
{
	struct watch watches[CS_MAX_SOURCES];
	dcd_tree_handle_t tree;
	size_t i, done = start;

	*first = UINT64_MAX;
	*what = NULL;
	if (nr > CS_MAX_SOURCES)
		return -EINVAL;
	tree = ocsd_create_dcd_tree(framing == CS_UNFORMATTED ? OCSD_TRC_SRC_SINGLE
							      : OCSD_TRC_SRC_FRAME_FORMATTED,
				    framing == CS_FRAMES ? OCSD_DFRMTR_FRAME_MEM_ALIGN :
				    framing == CS_FRAMES_FSYNC ? OCSD_DFRMTR_HAS_FSYNCS : 0);
	if (!tree)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		const char *name = sources[i].protocol == CS_ETE ? OCSD_BUILTIN_DCD_ETE
								 : OCSD_BUILTIN_DCD_ETMV4I;
		const void *regs = sources[i].protocol == CS_ETE ? (const void *)&sources[i].ete
								 : (const void *)&sources[i].etm4;
		unsigned char csid;

		cut[i] = UINT64_MAX;
		watches[i] = (struct watch){ .first = first, .what = what, .cut = &cut[i] };
		if (ocsd_dt_create_decoder(tree, name, OCSD_CREATE_FLG_PACKET_PROC, regs, &csid) ||
		    ocsd_dt_attach_packet_callback(tree, csid, OCSD_C_API_CB_PKT_SINK, on_packet,
						   &watches[i])) {
			ocsd_destroy_dcd_tree(tree);
			return -EINVAL;
		}
	}
	/* As the decode will feed it: going on after errors where it does. */
	while (done < len) {
		uint32_t used = 0, chunk = len - done > UINT32_MAX ? UINT32_MAX : len - done;
		ocsd_datapath_resp_t resp;

		resp = ocsd_dt_process_data(tree, OCSD_OP_DATA, done, chunk, buf + done, &used);
		done += used;
		while (OCSD_DATA_RESP_IS_WAIT(resp))
			resp = ocsd_dt_process_data(tree, OCSD_OP_FLUSH, 0, 0, NULL, NULL);
		if (!OCSD_DATA_RESP_IS_FATAL(resp))
			continue;
		if (!cs_can_resume(framing, used, chunk))
			break;
		ocsd_dt_process_data(tree, OCSD_OP_RESET, done, 0, NULL, NULL);
		done = cs_resume_at(framing, done, used);
	}
	/* The end: a packet it cuts comes out as such. */
	ocsd_dt_process_data(tree, OCSD_OP_EOT, 0, 0, NULL, NULL);
	ocsd_destroy_dcd_tree(tree);
	return 0;
}
