// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The control protocol's requests and the socket's place (ctl_proto.h).
 * The parser reads bytes from any local process of the same user: it
 * trusts nothing in them, allocates nothing, and never reads past @len.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl_proto.h"

static const char *const verb_names[] = {
	[CTL_TRACE]	= "trace",
	[CTL_UNTRACE]	= "untrace",
	[CTL_STATUS]	= "status",
	[CTL_STOP]	= "stop",
};

static int verb_takes_glob(enum ctl_verb verb)
{
	return verb == CTL_TRACE || verb == CTL_UNTRACE;
}

static int verb_lookup(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof(verb_names) / sizeof(verb_names[0]); i++)
		if (strlen(verb_names[i]) == len && !memcmp(verb_names[i], word, len))
			return (int)i;
	return -EINVAL;
}

int ctl_verb_by_name(const char *word)
{
	return verb_lookup(word, strlen(word));
}

/* A glob's bytes: printable ASCII, no space (the separator). */
static int glob_byte(unsigned char c)
{
	return c > ' ' && c < 0x7f;
}

static int fail(const char **msg, const char *why, int err)
{
	if (msg)
		*msg = why;
	return err;
}

int ctl_parse(const char *buf, size_t len, struct ctl_request *req,
	      const char **msg)
{
	size_t verb_len, glob_len;
	const char *sp;
	int verb;

	if (len > CTL_REQUEST_MAX)
		return fail(msg, "request too long", -E2BIG);
	if (!len || buf[len - 1] != '\n')
		return fail(msg, "request does not end with a newline", -EINVAL);
	len--;
	sp = memchr(buf, ' ', len);
	verb_len = sp ? (size_t)(sp - buf) : len;
	verb = verb_lookup(buf, verb_len);
	if (verb < 0)
		return fail(msg, "unknown request (trace, untrace, status, stop)", -EINVAL);
	if (!verb_takes_glob(verb)) {
		if (sp)
			return fail(msg, "this request takes no argument", -EINVAL);
		req->verb = verb;
		req->glob[0] = '\0';
		return 0;
	}
	if (!sp)
		return fail(msg, "this request needs a glob", -EINVAL);
	glob_len = len - verb_len - 1;
	if (!glob_len)
		return fail(msg, "empty glob", -EINVAL);
	if (glob_len > CTL_GLOB_MAX)
		return fail(msg, "glob too long", -E2BIG);
	for (size_t i = 0; i < glob_len; i++)
		if (!glob_byte(sp[1 + i]))
			return fail(msg, "glob with a space or a byte that is not printable ASCII",
				    -EINVAL);
	req->verb = verb;
	memcpy(req->glob, sp + 1, glob_len);
	req->glob[glob_len] = '\0';
	return 0;
}

int ctl_format(char *buf, size_t len, enum ctl_verb verb, const char *glob)
{
	struct ctl_request check;
	int n;

	if ((unsigned int)verb >= sizeof(verb_names) / sizeof(verb_names[0]))
		return -EINVAL;
	if (verb_takes_glob(verb))
		n = snprintf(buf, len, "%s %s\n", verb_names[verb], glob ? glob : "");
	else
		n = snprintf(buf, len, "%s\n", verb_names[verb]);
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	/* What the server would refuse is refused here, with its reason. */
	n = ctl_parse(buf, (size_t)n, &check, NULL) ?: n;
	return n;
}

const char *ctl_errno_name(int err)
{
	switch (err) {
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case EINTR:	return "EINTR";
	case EIO:	return "EIO";
	case E2BIG:	return "E2BIG";
	case EAGAIN:	return "EAGAIN";
	case ENOMEM:	return "ENOMEM";
	case EACCES:	return "EACCES";
	case EBUSY:	return "EBUSY";
	case EEXIST:	return "EEXIST";
	case EINVAL:	return "EINVAL";
	case ENOSPC:	return "ENOSPC";
	case ERANGE:	return "ERANGE";
	case EDEADLK:	return "EDEADLK";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS:	return "ENOSYS";
	case ETIMEDOUT:	return "ETIMEDOUT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EALREADY:	return "EALREADY";
	case EPROTO:	return "EPROTO";
	default:	return "E?";
	}
}

int ctl_dir_check(const char *dir, uid_t uid, int create)
{
	struct stat st;

	if (create && mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	/* Someone else's directory, or one others may write into: refused. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 0077))
		return -EPERM;
	return 0;
}

/* The runtime directory, when it is @uid's and only theirs to write. */
static const char *runtime_dir(uid_t uid)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (!dir || dir[0] != '/' || stat(dir, &st))
		return NULL;
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 0022))
		return NULL;
	return dir;
}

int ctl_socket_dir(char *buf, size_t len, uid_t uid, int use_env, int create)
{
	const char *run = use_env && uid == geteuid() ? runtime_dir(uid) : NULL;
	int n;

	if (run)
		n = snprintf(buf, len, "%s/textpoke", run);
	else
		n = snprintf(buf, len, "/tmp/textpoke-%u", (unsigned int)uid);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return ctl_dir_check(buf, uid, create);
}

int ctl_socket_path(char *buf, size_t len, const char *dir, pid_t pid)
{
	int n = snprintf(buf, len, "%s/%d.sock", dir, (int)pid);

	if (n < 0 || (size_t)n >= len || (size_t)n >= CTL_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}
