/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client side of the control protocol (tools/agent/ctl_proto.h):
 * find the socket of a process and make one request.
 */
#ifndef TP_CTL_CLIENT_H
#define TP_CTL_CLIENT_H

#include <stddef.h>
#include <sys/types.h>

/*
 * The socket of process @pid into @path: 0, -ESRCH (no such process),
 * -ENOENT (it serves no socket in any of the places a server would use).
 */
int ctl_client_find(pid_t pid, char *path, size_t len);

/*
 * Whether process @pid serves its socket (found into @path): 0, the
 * errors of ctl_client_find(), -ECONNREFUSED (a stale socket: the file
 * is there, nobody listens on it), -EPROTO (another process listens).
 */
int ctl_client_probe(pid_t pid, char *path, size_t len);

/*
 * Send @request (a whole line) to the server of @pid and read its whole
 * reply into @reply (NUL-terminated).  Waits at most @timeout_ms for the
 * reply.  0, or a negative errno; -EPROTO when the socket is not served
 * by @pid itself, -ECONNREFUSED when nobody serves it (a stale socket).
 */
int ctl_client_request(pid_t pid, const char *request, char *reply,
		       size_t len, int timeout_ms);

#endif /* TP_CTL_CLIENT_H */
