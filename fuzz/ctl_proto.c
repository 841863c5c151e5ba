// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the control protocol's request parser, which reads
 * whatever a local peer sends to a traced program's control socket.  What
 * it accepts must be what the client would have sent: formatting the
 * parsed request gives the same bytes back, within the limits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/agent/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CTL_REQUEST_MAX + 1];
	struct ctl_request req;
	const char *msg = NULL;
	int err, n;

	err = ctl_parse((const char *)data, size, &req, &msg);
	if (err) {
		if (!msg || (err != -EINVAL && err != -E2BIG))
			abort();
		return 0;
	}
	if (size > CTL_REQUEST_MAX || strlen(req.glob) > CTL_GLOB_MAX)
		abort();
	n = ctl_format(line, sizeof(line), req.verb, req.glob);
	if (n < 0 || (size_t)n != size || memcmp(line, data, size))
		abort();
	return 0;
}
