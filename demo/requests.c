// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Request handling, compiled with `pkg-config --variable=ftrace_cflags
 * textpoke`: each function has an ops slot and an entry site.  noinline
 * keeps every call a real call, as in a program of several files.
 */
#include "requests.h"

#define DEMO_FN __attribute__((noinline))

DEMO_FN int req_parse(int id, struct request *r)
{
	r->id = id;
	r->qty = id % 7 + 1;
	r->unit_cents = 100 + id % 13;
	return 0;
}

/* The bug: "from five items" written as more than five. */
DEMO_FN int req_price(const struct request *r)
{
	int total = r->qty * r->unit_cents;

	return r->qty > 5 ? total - total / 10 : total;
}

DEMO_FN int req_price_fixed(const struct request *r)
{
	int total = r->qty * r->unit_cents;

	return r->qty >= 5 ? total - total / 10 : total;
}

static volatile int replies;

DEMO_FN int req_reply(const struct request *r, int price)
{
	replies += r->id;
	return price;
}

DEMO_FN int req_handle(int id)
{
	struct request r;

	req_parse(id, &r);
	return req_reply(&r, req_price(&r));
}
