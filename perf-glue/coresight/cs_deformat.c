// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Deformatting through OpenCSD with a collecting decoder (cs_deformat.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencsd/c_api/ocsd_c_api_custom.h>

#include "array.h"
#include "coresight/cs_deformat.h"

#define COLLECTOR_NAME	"TP_COLLECT"

/* The configuration a collector is created with: where its ID's bytes go. */
struct collector_cfg {
	uint8_t id;
	struct cs_stream *stream;
	int *failed;
};

static ocsd_datapath_resp_t collect(const void *handle, const ocsd_datapath_op_t op,
				    const ocsd_trc_index_t index, const uint32_t len,
				    const uint8_t *data, uint32_t *used)
{
	const struct collector_cfg *c = handle;
	struct cs_stream *s = c->stream;

	(void)index;
	if (used)
		*used = 0;
	if (op != OCSD_OP_DATA || !len)
		return OCSD_RESP_CONT;
	while (s->cap < s->len + len) {
		if (array_make_room(&s->bytes, &s->cap, s->cap, 1, 4096)) {
			*c->failed = -ENOMEM;
			return OCSD_RESP_FATAL_SYS_ERR;
		}
	}
	memcpy(s->bytes + s->len, data, len);
	s->len += len;
	*used = len;
	return OCSD_RESP_CONT;
}

static void no_monitor(const void *handle, const int flags)
{
	(void)handle, (void)flags;
}

static ocsd_err_t create(const int flags, const void *cfg, const ocsd_extern_dcd_cb_fns *lib,
			 ocsd_extern_dcd_inst_t *inst)
{
	(void)flags, (void)lib;
	inst->fn_data_in = collect;
	inst->fn_update_pkt_mon = no_monitor;
	/* The configuration outlives the tree: it is the handle. */
	inst->decoder_handle = (void *)cfg;
	inst->p_decoder_name = (char *)COLLECTOR_NAME;
	inst->cs_id = ((const struct collector_cfg *)cfg)->id;
	return OCSD_OK;
}

static ocsd_err_t destroy(const void *handle)
{
	(void)handle;
	return OCSD_OK;
}

static ocsd_err_t id_of(const void *cfg, unsigned char *id)
{
	*id = ((const struct collector_cfg *)cfg)->id;
	return OCSD_OK;
}

static ocsd_err_t no_packets(const void *pkt, char *buf, const int len)
{
	(void)pkt;
	if (len > 0)
		buf[0] = '\0';
	return OCSD_OK;
}

static ocsd_extern_dcd_fact_t factory = {
	.createDecoder = create,
	.destroyDecoder = destroy,
	.csidFromConfig = id_of,
	.pktToString = no_packets,
};

static pthread_once_t registered = PTHREAD_ONCE_INIT;
static ocsd_err_t register_err;

static void register_collector(void)
{
	register_err = ocsd_register_custom_decoder(COLLECTOR_NAME, &factory);
}

static int fail(struct cs_streams *out, int err, const char *what)
{
	snprintf(out->error, sizeof(out->error), "%s", what);
	return err;
}

static int feed(dcd_tree_handle_t tree, const uint8_t *buf, size_t len, enum cs_framing framing,
		struct cs_streams *out, const int *failed)
{
	size_t done = framing == CS_FRAMES_FSYNC ? cs_fsync_start(buf, len) : 0;

	while (done < len && !*failed) {
		uint32_t used = 0, chunk = len - done > UINT32_MAX ? UINT32_MAX : len - done;
		ocsd_datapath_resp_t resp;

		resp = ocsd_dt_process_data(tree, OCSD_OP_DATA, done, chunk, buf + done, &used);
		done += used;
		if (!OCSD_DATA_RESP_IS_FATAL(resp))
			continue;
		if (*failed)
			break;
		/* A frame the deformatter refuses: go on at the next one, where it can. */
		out->nr_errors++;
		if (!cs_can_resume(framing, used, chunk))
			return 0;
		ocsd_dt_process_data(tree, OCSD_OP_RESET, done, 0, NULL, NULL);
		done = cs_resume_at(framing, done, used);
	}
	if (*failed)
		return fail(out, *failed, "out of memory");
	ocsd_dt_process_data(tree, OCSD_OP_EOT, 0, 0, NULL, NULL);
	return 0;
}

int cs_deformat(const uint8_t *buf, size_t len, enum cs_framing framing, const uint8_t *ids,
		size_t nr, struct cs_streams *out)
{
	struct collector_cfg *cfgs = NULL;
	dcd_tree_handle_t tree;
	int failed = 0, err = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (framing == CS_UNFORMATTED)
		return fail(out, -EINVAL, "an unformatted buffer has nothing to deformat");
	pthread_once(&registered, register_collector);
	if (register_err != OCSD_OK)
		return fail(out, -EINVAL, "OpenCSD refuses a custom decoder");
	out->streams = calloc(nr ? nr : 1, sizeof(*out->streams));
	cfgs = calloc(nr ? nr : 1, sizeof(*cfgs));
	tree = ocsd_create_dcd_tree(OCSD_TRC_SRC_FRAME_FORMATTED,
				    framing == CS_FRAMES ? OCSD_DFRMTR_FRAME_MEM_ALIGN
							 : OCSD_DFRMTR_HAS_FSYNCS);
	if (!out->streams || !cfgs || !tree) {
		err = fail(out, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nr; i++) {
		unsigned char csid;

		out->streams[i].id = ids[i];
		cfgs[i] = (struct collector_cfg){ ids[i], &out->streams[i], &failed };
		if (ocsd_dt_create_decoder(tree, COLLECTOR_NAME, OCSD_CREATE_FLG_PACKET_PROC,
					   &cfgs[i], &csid) != OCSD_OK) {
			err = fail(out, -EINVAL, "OpenCSD refuses a trace ID");
			goto out;
		}
	}
	out->nr = nr;
	/* Whole frames only: OpenCSD 1.3.3 reads a whole one past a short end. */
	len -= len % (framing == CS_FRAMES ? OCSD_DFRMTR_FRAME_SIZE : 4);
	err = feed(tree, buf, len, framing, out, &failed);
out:
	if (tree)
		ocsd_destroy_dcd_tree(tree);
	free(cfgs);
	if (err) {
		char why[sizeof(out->error)];

		memcpy(why, out->error, sizeof(why));
		cs_streams_free(out);
		memcpy(out->error, why, sizeof(why));
	}
	return err;
}

void cs_streams_free(struct cs_streams *s)
{
	size_t i;

	for (i = 0; s->streams && i < s->nr; i++)
		free(s->streams[i].bytes);
	free(s->streams);
	memset(s, 0, sizeof(*s));
}
