/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control protocol of a running agent (docs/textpoke-ctl.1), shared
 * by the server in the traced program (ctl_server.c) and its clients
 * (textpoke-ctl, textpoke-attach).
 *
 * One request per connection: a line of at most CTL_REQUEST_MAX bytes,
 * newline included,
 *
 *	trace GLOB | untrace GLOB | status | stop
 *
 * verb and argument separated by one space, the argument printable
 * ASCII without spaces (fnmatch(3) globs).  The reply is "ok\n" and,
 * for status, its text; or "error NAME: message\n" (NAME an errno name).
 * The server closes the connection after its reply.
 *
 * The socket is PID.sock in a directory of the user's alone (0700, owned
 * by the user, not a symbolic link): $XDG_RUNTIME_DIR/textpoke when the
 * runtime directory is the user's, else /tmp/textpoke-UID.
 */
#ifndef TP_CTL_PROTO_H
#define TP_CTL_PROTO_H

#include <stddef.h>
#include <sys/types.h>

#define CTL_REQUEST_MAX	512	/* bytes of a request, its newline included */
#define CTL_GLOB_MAX	255	/* bytes of a glob */
#define CTL_REPLY_MAX	8192	/* bytes of a reply */
#define CTL_PATH_MAX	108	/* sizeof(sockaddr_un.sun_path) */

enum ctl_verb {
	CTL_TRACE,
	CTL_UNTRACE,
	CTL_STATUS,
	CTL_STOP,
};

struct ctl_request {
	enum ctl_verb verb;
	char glob[CTL_GLOB_MAX + 1];	/* "" for status and stop */
};

/*
 * Parse the @len bytes of @buf, a whole request line (its newline
 * last).  0, or -EINVAL (no such verb, a missing or unexpected or bad
 * argument, a byte outside printable ASCII, no newline at the end),
 * -E2BIG (the line or its glob is too long).  @msg, when it fails, says
 * what was wrong in words for the error reply.
 */
int ctl_parse(const char *buf, size_t len, struct ctl_request *req,
	      const char **msg);

/* Write the request line of @verb and @glob into @buf; its length or -E2BIG/-EINVAL. */
int ctl_format(char *buf, size_t len, enum ctl_verb verb, const char *glob);

/* The verb named @word, or -EINVAL. */
int ctl_verb_by_name(const char *word);

/* "EPERM" for EPERM (a positive errno), "E?" for one it does not know. */
const char *ctl_errno_name(int err);

/*
 * The socket directory of @uid into @buf (@len bytes): $XDG_RUNTIME_DIR
 * is used only when @uid is the caller's.  With @create, the directory is
 * made (0700) when missing.  Either way it is checked: a directory, not
 * a link, owned by @uid, no access for group or others.  0, -EPERM
 * (the checks failed: someone else's or a too open directory), -ENAMETOOLONG,
 * or the errno of mkdir/lstat.
 */
int ctl_socket_dir(char *buf, size_t len, uid_t uid, int use_env, int create);

/* The checks of ctl_socket_dir() on directory @dir (made when @create). */
int ctl_dir_check(const char *dir, uid_t uid, int create);

/* The socket path of process @pid in directory @dir; 0 or -ENAMETOOLONG. */
int ctl_socket_path(char *buf, size_t len, const char *dir, pid_t pid);

#endif /* TP_CTL_PROTO_H */
