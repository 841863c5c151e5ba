/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The demo's request handling, built with the library's ftrace flags:
 * every function here can be traced, graph-traced or redirected while
 * the worker threads run it.
 */
#ifndef DEMO_REQUESTS_H
#define DEMO_REQUESTS_H

struct request {
	int id;
	int qty;
	int unit_cents;
};

/* Parse, price and answer request @id; returns the price in cents. */
int req_handle(int id);
int req_parse(int id, struct request *r);
/* Ten percent off from five items: req_price gets five items wrong. */
int req_price(const struct request *r);
int req_price_fixed(const struct request *r);
int req_reply(const struct request *r, int price);

/* What req_handle(@id) must return, computed without the traced code. */
int req_expected(int id);

#endif /* DEMO_REQUESTS_H */
