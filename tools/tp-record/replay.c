// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-replay (textpoke replay): print a data directory that textpoke
 * record (or uftrace record) wrote as an indented call graph, with
 * tp-graph's printer and without uftrace (docs/textpoke-replay.1).
 *
 * The directory becomes a graph recording (<textpoke/fgraph_record.h>)
 * in memory: each session's objects (its sid-<id>.map) are loaded at the
 * session's start with the functions of their symbol files, and each
 * thread's records (<tid>.dat) become entries and returns, a return
 * matched with the entry of its depth.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/fgraph_record.h>

#include "../tp-graph/replay.h"

#define REC_MAGIC	5u
#define MAX_DEPTH	1024

struct out {
	unsigned char *buf;
	size_t len, cap;
	uint32_t objects;
};

static int put(struct out *o, const void *data, size_t len)
{
	size_t pad = (8 - len % 8) % 8;

	if (o->len + len + pad > o->cap) {
		size_t cap = (o->len + len + pad) * 2 + 65536;
		unsigned char *p = realloc(o->buf, cap);

		if (!p)
			return -ENOMEM;
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, len);
	memset(o->buf + o->len + len, 0, pad);
	o->len += len + pad;
	return 0;
}

static int put_with(struct out *o, const void *head, size_t head_len, const char *s, size_t len)
{
	size_t at = o->len;
	int err = put(o, head, head_len);

	if (err)
		return err;
	/* the payload follows the head unpadded: one padding after both */
	o->len = at + head_len;
	return put(o, s, len);
}

static uint64_t parse_ts(const char *s)
{
	unsigned long long sec = 0, nsec = 0;

	sscanf(s, "%llu.%llu", &sec, &nsec);
	return sec * 1000000000ull + nsec;
}

/* One object of a session and its functions, from DIR/<basename>.sym. */
static int load_object(struct out *o, const char *dir, uint64_t start, const char *path,
		       uint64_t time)
{
	struct tp_fgraph_object obj = { .type = TP_FGRAPH_LOAD, .base = start, .time = time };
	const char *base = strrchr(path, '/');
	char *sym_path, line[4096];
	FILE *f;
	int err;

	obj.object = o->objects++;
	obj.len = strlen(path);
	err = put_with(o, &obj, sizeof(obj), path, obj.len);
	if (err)
		return err;
	if (asprintf(&sym_path, "%s/%s.sym", dir, base ? base + 1 : path) < 0)
		return -ENOMEM;
	f = fopen(sym_path, "r");
	free(sym_path);
	while (f && fgets(line, sizeof(line), f)) {
		struct tp_fgraph_record rec = { .type = TP_FGRAPH_SYMBOL, .object = obj.object };
		unsigned long long addr;
		char type, name[4000];

		if (sscanf(line, "%llx %c %3999s", &addr, &type, name) != 3 ||
		    !strchr("TtWwP", type))
			continue;
		rec.func = start + addr;
		rec.len = strlen(name);
		err = put_with(o, &rec, sizeof(rec), name, rec.len);
		if (err)
			break;
	}
	if (f)
		fclose(f);
	return err;
}

static int load_session(struct out *o, const char *dir, const char *sid, uint64_t time)
{
	char *path, line[8192];
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/sid-%s.map", dir, sid) < 0)
		return -ENOMEM;
	f = fopen(path, "r");
	free(path);
	if (!f)
		return 0;	/* a session without a map: its calls have no names */
	while (!err && fgets(line, sizeof(line), f)) {
		unsigned long long start;
		char file[4096];

		if (sscanf(line, "%llx-%*x %*s %*x %*s %*u %4095s", &start, file) == 2 &&
		    file[0] == '/')
			err = load_object(o, dir, start, file, time);
	}
	fclose(f);
	return err;
}

/* Every session of task.txt; the first one's pid. */
static int load_sessions(struct out *o, const char *dir, uint64_t *pid)
{
	char *path, line[8192];
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/task.txt", dir) < 0)
		return -ENOMEM;
	f = fopen(path, "r");
	free(path);
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		char ts[64], sid[17];
		unsigned long p;

		if (sscanf(line, "SESS timestamp=%63s pid=%lu sid=%16s", ts, &p, sid) != 3)
			continue;
		if (!*pid)
			*pid = p;
		err = load_session(o, dir, sid, parse_ts(ts));
	}
	fclose(f);
	return err;
}

/* One thread's records: entries, and returns matched with them by depth. */
static int load_thread(struct out *o, const char *dir, uint32_t tid, FILE *err_out)
{
	static uint64_t calltime[MAX_DEPTH], func[MAX_DEPTH];
	static bool open_at[MAX_DEPTH];
	uint64_t raw[2];
	char *path;
	FILE *f;
	int err = 0;

	if (asprintf(&path, "%s/%u.dat", dir, tid) < 0)
		return -ENOMEM;
	f = fopen(path, "rb");
	if (!f) {
		err = -errno;
		free(path);
		return err;
	}
	memset(open_at, 0, sizeof(open_at));
	while (!err && fread(raw, sizeof(raw), 1, f) == 1) {
		struct tp_fgraph_record rec = { .tid = tid };
		unsigned int type = raw[1] & 3, depth = (raw[1] >> 6) & 0x3ff;
		uint64_t addr = raw[1] >> 16;

		if (((raw[1] >> 3) & 7) != REC_MAGIC) {
			fprintf(err_out, "textpoke replay: %s: bad record\n", path);
			err = -EINVAL;
			break;
		}
		if (type == 0) {
			calltime[depth] = raw[0];
			func[depth] = addr;
			open_at[depth] = true;
			rec.type = TP_FGRAPH_ENTRY;
			rec.calltime = raw[0];
		} else if (type == 1) {
			if (!open_at[depth] || func[depth] != addr)
				continue;	/* its entry was before the recording */
			open_at[depth] = false;
			rec.type = TP_FGRAPH_RETURN;
			rec.calltime = calltime[depth];
			rec.rettime = raw[0];
		} else {
			continue;	/* lost records, events: not printed */
		}
		rec.func = addr;
		rec.depth = depth;
		err = put(o, &rec, sizeof(rec));
	}
	fclose(f);
	free(path);
	return err;
}

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int load_threads(struct out *o, const char *dir)
{
	uint32_t *tids = NULL, *grown;
	size_t nr = 0;
	struct dirent *e;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		unsigned long tid = strtoul(e->d_name, &end, 10);

		if (end == e->d_name || strcmp(end, ".dat") || !tid || tid > UINT32_MAX)
			continue;
		grown = realloc(tids, (nr + 1) * sizeof(*tids));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		tids = grown;
		tids[nr++] = tid;
	}
	closedir(d);
	if (!err)
		qsort(tids, nr, sizeof(*tids), compare_u32);
	for (size_t i = 0; !err && i < nr; i++)
		err = load_thread(o, dir, tids[i], stderr);
	if (!err && !nr)
		err = -ENODATA;
	free(tids);
	return err;
}

static void usage(FILE *f)
{
	fputs("usage: tp-replay [--tid TID] [--no-demangle] [DIR]   (textpoke replay)\n"
	      "       tp-replay --help | --version\n"
	      "Print the calls recorded in DIR (default uftrace.data) by textpoke record\n"
	      "as an indented call graph, one block per thread.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tid", required_argument, NULL, 't' },
		{ "no-demangle", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct tp_fgraph_file_header h = { .version = TP_FGRAPH_VERSION };
	struct replay_opts opts = { 0 };
	struct out o = { 0 };
	const char *dir = "uftrace.data";
	uint64_t pid = 0;
	char *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opts.tid = strtoul(optarg, &end, 10);
			if (!*optarg || *end || !opts.tid) {
				fprintf(stderr, "textpoke replay: bad thread id '%s'\n", optarg);
				return 2;
			}
			break;
		case 'N':
			opts.raw_names = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tp-replay (textpoke) %s\n", TP_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc - 1) {
		usage(stderr);
		return 2;
	}
	if (optind == argc - 1)
		dir = argv[optind];
	memcpy(h.magic, TP_FGRAPH_MAGIC, sizeof(h.magic));
	h.version = TP_FGRAPH_VERSION;
	h.record_size = sizeof(struct tp_fgraph_record);
	err = put(&o, &h, sizeof(h));
	if (!err)
		err = load_sessions(&o, dir, &pid);
	if (!err)
		err = load_threads(&o, dir);
	if (err) {
		fprintf(stderr, "textpoke replay: %s: %s\n", dir,
			err == -ENODATA ? "no recorded thread" : strerror(-err));
		free(o.buf);
		return 1;
	}
	((struct tp_fgraph_file_header *)o.buf)->pid = pid;
	err = graph_replay(stdout, stderr, o.buf, o.len, &opts);
	free(o.buf);
	return err ? 1 : 0;
}
