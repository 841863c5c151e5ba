// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One decode pass: OpenCSD's ETMv4 decoder over the pieces of the trace,
 * reading code through a callback accessor on the code image at the
 * piece's time, its cache emptied between pieces by removing and adding
 * the accessor again (OpenCSD 1.3.3 has no other way).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencsd/ocsd_if_version.h>
#include <opencsd/etmv4/trc_pkt_types_etmv4.h>

#include "array.h"
#include "etm/etm_internal.h"

static void pass_fail(struct etm_pass *pass, int err, const char *what, size_t index)
{
	if (pass->cp.err)
		return;
	pass->cp.err = err;
	snprintf(pass->cp.error, sizeof(pass->cp.error), "%s at trace offset %zu", what, index);
}

/* The bytes the decoder sees at @addr in the current piece. */
static int read_code(struct etm_pass *pass, uint64_t addr, uint8_t *buf, size_t len)
{
	int answer = code_image_read_choosing(pass->cp.img, addr, pass->cp.time, code_pass_choose,
					      &pass->cp, buf, len);

	return answer < 0 ? answer : 0;
}

static uint32_t read_memory(const void *ctx, const ocsd_vaddr_t addr,
			    const ocsd_mem_space_acc_t space, const uint8_t trace_id,
			    const uint32_t want, uint8_t *buf)
{
	struct etm_pass *pass = (struct etm_pass *)ctx;
	uint64_t have = code_image_extent(pass->cp.img, addr);
	uint32_t len = want < have ? want : (uint32_t)have;

	(void)space;
	(void)trace_id;
	if (!len || read_code(pass, addr, buf, len))
		return 0;
	return len;
}

static int add_accessor(struct etm_pass *pass)
{
	return ocsd_dt_add_callback_trcid_mem_acc(pass->tree, pass->acc_start, pass->acc_end,
						  OCSD_MEM_SPACE_ANY, read_memory, pass) ? -EINVAL : 0;
}

#if OCSD_VER_NUM >= 0x010503
/* The cache's geometry when this build sets it (OpenCSD >= 1.5.3). */
#define CACHE_PAGE_SIZE		256
#define CACHE_PAGES		16

/* Turning the cache off and on again empties it, the accessor stays. */
static int flush_accessor(struct etm_pass *pass)
{
	if (ocsd_dt_set_mem_acc_cacheing(pass->tree, 0, CACHE_PAGE_SIZE, CACHE_PAGES) ||
	    ocsd_dt_set_mem_acc_cacheing(pass->tree, 1, CACHE_PAGE_SIZE, CACHE_PAGES))
		return -EINVAL;
	return 0;
}
#else
/* Empty OpenCSD's memory cache: before 1.5.3 it goes with the accessor. */
static int flush_accessor(struct etm_pass *pass)
{
	if (ocsd_dt_remove_mem_acc(pass->tree, pass->acc_start, OCSD_MEM_SPACE_ANY))
		return -EINVAL;
	return add_accessor(pass);
}
#endif

static int add_element(struct etm_pass *pass, ocsd_trc_index_t index,
		       const ocsd_generic_trace_elem *elem)
{
	struct etm_element *e;

	if (array_make_room(&pass->elements, &pass->cap_elements, pass->nr_elements,
			    sizeof(*e), 256))
		return -ENOMEM;
	e = &pass->elements[pass->nr_elements++];
	memset(e, 0, sizeof(*e));
	e->elem = *elem;
	e->elem.ptr_extended_data = NULL;
	e->index = index;
	e->piece = pass->cp.piece;
	/* A trap at a site in flight is an ambiguity too: the trace may show either. */
	if (elem->elem_type == OCSD_GEN_TRC_ELEM_EXCEPTION && elem->excep_ret_addr) {
		long window = code_image_window_at(pass->cp.img, elem->en_addr, 1, pass->cp.time);

		if (window >= 0)
			code_pass_note_window(&pass->cp, window);
	}
	/* The last instruction as the decoder saw it, for the consistency checks. */
	if (elem->elem_type == OCSD_GEN_TRC_ELEM_INSTR_RANGE && elem->last_instr_sz == 4 &&
	    elem->en_addr >= 4)
		read_code(pass, elem->en_addr - 4, (uint8_t *)&e->last_insn, 4);
	return 0;
}

static ocsd_datapath_resp_t on_element(const void *ctx, const ocsd_trc_index_t index,
				       const uint8_t trace_id, const ocsd_generic_trace_elem *elem)
{
	struct etm_pass *pass = (struct etm_pass *)ctx;

	(void)trace_id;
	if (add_element(pass, index, elem))
		pass->cp.err = -ENOMEM;
	return pass->cp.err ? OCSD_RESP_FATAL_SYS_ERR : OCSD_RESP_CONT;
}

/* Atoms per piece, from OpenCSD's packet monitor, for the consistency checks. */
static void on_packet(const void *ctx, const ocsd_datapath_op_t op, const ocsd_trc_index_t index,
		      const void *packet, const uint32_t size, const uint8_t *data)
{
	struct etm_pass *pass = (struct etm_pass *)ctx;
	const ocsd_etmv4_i_pkt *pkt = packet;

	(void)index;
	(void)size;
	(void)data;
	if (op != OCSD_OP_DATA || !pkt)
		return;
	switch (pkt->type) {
	case ETM4_PKT_I_ATOM_F1: case ETM4_PKT_I_ATOM_F2: case ETM4_PKT_I_ATOM_F3:
	case ETM4_PKT_I_ATOM_F4: case ETM4_PKT_I_ATOM_F5: case ETM4_PKT_I_ATOM_F6:
		pass->atoms[pass->cp.piece] += pkt->atom.num;
		break;
	default:
		break;
	}
}

static void feed(struct etm_pass *pass, const struct etm_piece *piece)
{
	size_t done = piece->start;

	while (done < piece->end && !pass->cp.err) {
		uint32_t used = 0;
		ocsd_datapath_resp_t resp;

		resp = ocsd_dt_process_data(pass->tree, OCSD_OP_DATA, done,
					    (uint32_t)(piece->end - done), pass->trace + done, &used);
		if (OCSD_DATA_RESP_IS_FATAL(resp)) {
			pass_fail(pass, -EINVAL, "OpenCSD stopped decoding", done + used);
			return;
		}
		if (OCSD_DATA_RESP_IS_WAIT(resp))
			ocsd_dt_process_data(pass->tree, OCSD_OP_FLUSH, 0, 0, NULL, NULL);
		else if (!used)
			pass_fail(pass, -EINVAL, "OpenCSD took no data", done);
		done += used;
	}
}

static int create_tree(struct etm_pass *pass)
{
	ocsd_etmv4_cfg config = pass->opts->config;
	unsigned char csid;
	size_t i;

	pass->tree = ocsd_create_dcd_tree(OCSD_TRC_SRC_SINGLE, 0);
	if (pass->tree == C_API_INVALID_TREE_HANDLE)
		return -ENOMEM;
	/*
	 * By default OpenCSD answers a packet sequence error by resetting
	 * its decoder, which frees the element stack, and goes on with the
	 * commit that found the error: with the elements it has just freed
	 * (1.3.3 crashes so on a return stack popped empty before an
	 * exception, found by fuzzing).  Halting makes every such error a
	 * fatal response, which is how this decoder treats a corrupt trace.
	 */
	if (ocsd_dt_create_decoder(pass->tree, OCSD_BUILTIN_DCD_ETMV4I,
				   OCSD_CREATE_FLG_FULL_DECODER | OCSD_OPFLG_PKTDEC_HALT_BAD_PKTS,
				   &config, &csid) ||
	    ocsd_dt_set_gen_elem_outfn(pass->tree, on_element, pass) ||
	    ocsd_dt_attach_packet_callback(pass->tree, csid, OCSD_C_API_CB_PKT_MON,
					   (void *)on_packet, pass))
		return -EINVAL;
	pass->atoms = calloc(pass->nr_pieces, sizeof(*pass->atoms));
	if (!pass->atoms)
		return -ENOMEM;
	/* One accessor over every region: the callback says where there is no code. */
	pass->acc_start = UINT64_MAX;
	pass->acc_end = 0;
	for (i = 0; i < pass->cp.img->nr_regions; i++) {
		const struct code_region *r = &pass->cp.img->regions[i];

		if (r->addr < pass->acc_start)
			pass->acc_start = r->addr;
		if (r->addr + r->size - 1 > pass->acc_end)
			pass->acc_end = r->addr + r->size - 1;
	}
	if (!pass->cp.img->nr_regions)
		return -EINVAL;
	return add_accessor(pass);
}

int etm_run_pass(struct etm_pass *pass)
{
	size_t i;
	int err;

	err = create_tree(pass);
	if (err) {
		if (pass->tree != C_API_INVALID_TREE_HANDLE)
			ocsd_destroy_dcd_tree(pass->tree);
		snprintf(pass->cp.error, sizeof(pass->cp.error), "OpenCSD refused the decoder setup");
		return err;
	}
	for (i = 0; i < pass->nr_pieces && !pass->cp.err; i++) {
		pass->cp.piece = i;
		pass->cp.time = pass->pieces[i].time;
		if (i && !pass->opts->no_flush && flush_accessor(pass))
			pass_fail(pass, -EINVAL, "OpenCSD refused to replace the accessor",
				  pass->pieces[i].start);
		feed(pass, &pass->pieces[i]);
	}
	if (!pass->cp.err)
		ocsd_dt_process_data(pass->tree, OCSD_OP_EOT, 0, 0, NULL, NULL);
	ocsd_destroy_dcd_tree(pass->tree);
	pass->tree = C_API_INVALID_TREE_HANDLE;
	return pass->cp.err;
}

void etm_pass_free(struct etm_pass *pass)
{
	free(pass->elements);
	free(pass->cp.undecided);
	free(pass->atoms);
	pass->elements = NULL;
	pass->cp.undecided = NULL;
	pass->atoms = NULL;
	pass->nr_elements = pass->cap_elements = pass->cp.nr_undecided = 0;
}
