// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The recorders: each thread appends its calls to a buffer of its own,
 * in the record layout of uftrace's per-thread data files (<tid>.dat),
 * and writes the buffer out when it is full.  Everything here runs in
 * the graph callbacks, in any thread and in signal handlers: mmap(),
 * openat() and write() only, no lock, no allocator.
 *
 * A record is 16 bytes, little-endian: the time in nanoseconds, then one
 * word holding (from bit 0) the type (2 bits: entry 0, exit 1), a bit
 * unused here, a 3-bit magic (5) that lets readers check the stream, the
 * depth (10 bits) and the function's address (48 bits).
 *
 * Calls traced at the PLT (plt.c) go on the same stack: the depth of
 * such a call is one more than its caller's frame, and every entry the
 * library reports below a PLT call counts that call too, so that one
 * thread's stream is one well-nested graph (main -> qsort -> cmp).
 *
 * With a minimum duration, an entry is held on the thread's stack until
 * its call proves long enough: a call that lasted as long is written with
 * the entries still held below it, so that the stream stays a well-nested
 * graph; a shorter call whose entry was never written is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent_internal.h"

#define REC_ENTRY	0ull
#define REC_EXIT	1ull
#define REC_MAGIC	5ull
#define BUF_RECS	4096
#define STACK_FRAMES	1024

struct rec {
	uint64_t time;
	uint64_t word;
};

struct frame {
	uint64_t func;
	uint64_t time;
	int depth;
	bool written;
	bool plt;			/* a call traced at the PLT */
};

struct recorder {
	struct recorder *next;		/* every recorder of the process */
	pid_t tid;
	int fd;				/* <tid>.dat, opened at the first write */
	bool skip;			/* a thread TEXTPOKE_TIDS leaves out */
	bool busy;			/* in a callback: a signal's calls are lost */
	unsigned int nr;		/* records in @recs */
	unsigned int sp;		/* frames in @stack */
	unsigned int plt_open;		/* of which calls traced at the PLT */
	uint64_t last_time;		/* of the last record */
	struct frame stack[STACK_FRAMES];
	struct rec recs[BUF_RECS];
};

static int data_dir = -1;
static struct recorder *recorders;
static uint64_t records_written, records_lost;

static __thread struct recorder *self __attribute__((tls_model("initial-exec")));

/*
 * The calls seen, counted by each thread in a slot of its own: a locked
 * add to one shared word cost every traced call a few percent alone, and
 * would bounce its cache line between the threads.  Threads past the
 * slots (they are not reused) share one word.
 */
#define COUNT_SLOTS	1024

static struct {
	uint64_t n;
} __attribute__((aligned(64))) call_counts[COUNT_SLOTS];
static unsigned int call_counts_used;
static uint64_t calls_shared;
/* This thread's slot, plus one; -1: the shared word. */
static __thread int call_slot __attribute__((tls_model("initial-exec")));

static void count_call(void)
{
	int slot = call_slot;
	uint64_t *n;

	if (!slot) {
		unsigned int i = __atomic_fetch_add(&call_counts_used, 1, __ATOMIC_RELAXED);

		slot = i < COUNT_SLOTS ? (int)i + 1 : -1;
		call_slot = slot;
	}
	if (slot < 0) {
		__atomic_fetch_add(&calls_shared, 1, __ATOMIC_RELAXED);
		return;
	}
	/*
	 * This thread alone writes it: a load and a store, no locked add (a
	 * signal handler's call between the two may go uncounted).
	 */
	n = &call_counts[slot - 1].n;
	__atomic_store_n(n, __atomic_load_n(n, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

int writer_init(const char *dir)
{
	data_dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return data_dir < 0 ? -errno : 0;
}

static uint64_t rec_word(uint64_t type, int depth, uint64_t func)
{
	return type | REC_MAGIC << 3 | (uint64_t)(depth & 0x3ff) << 6 | func << 16;
}

static bool thread_wanted(pid_t tid)
{
	int i;

	if (!agent_config.nr_tids)
		return true;
	for (i = 0; i < agent_config.nr_tids; i++)
		if (agent_config.tids[i] == tid)
			return true;
	return false;
}

/*
 * The calling thread's recorder, made at its first traced call (at
 * @now: readers look for the thread's session from then on).
 */
static struct recorder *recorder(uint64_t now)
{
	struct recorder *r = self;

	if (r)
		return r;
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	r->tid = syscall(SYS_gettid);
	r->fd = -1;
	r->skip = !thread_wanted(r->tid);
	r->next = __atomic_load_n(&recorders, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&recorders, &r->next, r, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	self = r;
	if (!r->skip)
		session_task(r->tid, now);
	return r;
}

static void flush(struct recorder *r)
{
	char name[32] = "";
	size_t len = r->nr * sizeof(struct rec), done = 0;
	ssize_t n;

	if (!r->nr)
		return;
	if (r->fd < 0) {
		text_append(name, sizeof(name), NULL, r->tid);
		text_append(name, sizeof(name), ".dat", -1);
		r->fd = openat(data_dir, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	}
	while (r->fd >= 0 && done < len) {
		n = write(r->fd, (char *)r->recs + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	if (done < len)
		__atomic_fetch_add(&records_lost, (len - done) / sizeof(struct rec),
				   __ATOMIC_RELAXED);
	__atomic_fetch_add(&records_written, done / sizeof(struct rec), __ATOMIC_RELAXED);
	r->nr = 0;
}

/*
 * Readers take a time that goes back for broken data: a signal handler's
 * calls may be written between the moment a call's time was read and
 * its record (the library reads the entry's time before the callback),
 * so a record is never older than the one before it.
 */
static void put(struct recorder *r, uint64_t time, uint64_t word)
{
	if (time < r->last_time)
		time = r->last_time;
	r->last_time = time;
	if (r->nr == BUF_RECS)
		flush(r);
	r->recs[r->nr].time = time;
	r->recs[r->nr].word = word;
	r->nr++;
}

/* Write the entries still held, from the outermost. */
static void put_held(struct recorder *r)
{
	unsigned int i;

	for (i = 0; i < r->sp; i++) {
		struct frame *f = &r->stack[i];

		if (f->written)
			continue;
		put(r, f->time, rec_word(REC_ENTRY, f->depth, f->func));
		f->written = true;
	}
}

/*
 * 1: the call is recorded and its return must be reported; 0: not.
 * @depth: the library's, or -1 for a call traced at the PLT, whose time
 * is read here (into @calltime) once no signal handler's call can be
 * recorded before it: the stream's times never go back.
 */
static int enter(uint64_t func, int depth, uint64_t *calltime)
{
	struct recorder *r;
	struct frame *f;
	bool plt = depth < 0;
	int ret = 0;

	count_call();
	if (data_dir < 0)
		return 0;	/* nowhere to record: counted only */
	r = recorder(*calltime ? *calltime : agent_now());
	if (!r || r->skip || r->busy)
		return 0;
	r->busy = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (plt)
		*calltime = agent_now();
	if (plt)
		depth = r->sp ? r->stack[r->sp - 1].depth + 1 : 0;
	else
		depth += r->plt_open;
	if (agent_config.max_depth && depth >= agent_config.max_depth)
		goto out;
	if (r->sp == STACK_FRAMES) {
		__atomic_fetch_add(&records_lost, 1, __ATOMIC_RELAXED);
		goto out;
	}
	f = &r->stack[r->sp++];
	f->func = func;
	f->time = *calltime;
	f->depth = depth;
	f->written = false;
	f->plt = plt;
	r->plt_open += plt;
	if (!agent_config.min_ns)
		put_held(r);
	ret = 1;
out:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r->busy = false;
	return ret;
}

int writer_entry(uint64_t func, int depth, uint64_t calltime)
{
	return enter(func, depth, &calltime);
}

int writer_plt_entry(uint64_t func, uint64_t *calltime)
{
	*calltime = 0;
	return enter(func, -1, calltime);
}

/*
 * The frame's own depth is written: the library's would miss PLT calls.
 * Every reported entry has one return, in order, so the frame is the
 * top one; but a call traced at the PLT that an exception unwinds (plt.c)
 * returns with the frames above it, which are written as returned too.
 * @rettime 0: now, read once no signal handler's call can come first.
 */
static void leave(uint64_t func, uint64_t calltime, uint64_t rettime)
{
	struct recorder *r = self;
	struct frame *f;
	unsigned int at;

	if (!r || !r->sp || r->busy)
		return;
	r->busy = true;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!rettime)
		rettime = agent_now();
	for (at = r->sp; at && (r->stack[at - 1].func != func ||
				r->stack[at - 1].time != calltime); at--)
		;
	while (at && r->sp >= at) {
		f = &r->stack[r->sp - 1];
		if (f->written || rettime - f->time >= agent_config.min_ns) {
			put_held(r);
			put(r, rettime, rec_word(REC_EXIT, f->depth, f->func));
		}
		if (f->plt)
			r->plt_open--;
		r->sp--;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r->busy = false;
}

void writer_return(uint64_t func, int depth, uint64_t calltime, uint64_t rettime)
{
	(void)depth;
	leave(func, calltime, rettime);
}

void writer_plt_return(uint64_t func, uint64_t calltime)
{
	leave(func, calltime, 0);
}

/*
 * Only while no callback runs (tracing suspended, or at exit): every
 * thread's records to its file, the entries of calls still running too,
 * so that the graph shows them.
 */
void writer_flush_all(void)
{
	struct recorder *r;

	for (r = __atomic_load_n(&recorders, __ATOMIC_ACQUIRE); r; r = r->next) {
		flush(r);
		if (r->fd >= 0)
			fsync(r->fd);
	}
}

/*
 * The child of fork(): the other threads' recorders are the parent's to
 * write; this thread keeps its stack (its calls return in the child too)
 * under its new tid, with nothing in its buffer that the parent will not
 * write itself.
 */
void writer_after_fork_child(void)
{
	struct recorder *r, *next, *mine = self;

	for (r = recorders; r; r = next) {
		next = r->next;
		if (r != mine)
			munmap(r, sizeof(*r));
	}
	recorders = mine;
	if (!mine)
		return;
	mine->next = NULL;
	mine->tid = syscall(SYS_gettid);
	mine->fd = -1;
	mine->nr = 0;
	mine->skip = !thread_wanted(mine->tid);
	if (!mine->skip)
		session_task(mine->tid, agent_now());
}

uint64_t writer_records(void)
{
	return __atomic_load_n(&records_written, __ATOMIC_RELAXED);
}

uint64_t writer_calls(void)
{
	unsigned int used = __atomic_load_n(&call_counts_used, __ATOMIC_RELAXED);
	uint64_t sum = __atomic_load_n(&calls_shared, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < used && i < COUNT_SLOTS; i++)
		sum += __atomic_load_n(&call_counts[i].n, __ATOMIC_RELAXED);
	return sum;
}

uint64_t writer_lost(void)
{
	return __atomic_load_n(&records_lost, __ATOMIC_RELAXED);
}
