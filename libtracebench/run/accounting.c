/* SPDX-License-Identifier: MIT */
/* accounting.c - every span sent put down to one cause (accounting.h). */
#include "libtracebench/run/accounting.h"

#include <stdio.h>
#include <string.h>

/* take moves up to cap of *rest into its cause. */
static uint64_t take(uint64_t *rest, uint64_t cap)
{
	uint64_t t = cap < *rest ? cap : *rest;
	*rest -= t;
	return t;
}

bool orc_account(orc_result *r, uint64_t never_acked, uint64_t in_flight, char *why,
		 size_t len)
{
	r->dropped_spans = r->lost_by_tracer = r->lost_refused = r->lost_in_flight = 0;
	r->lost_held_by_proxy = 0;
	r->unexplained = 0;
	if (r->spans_received > r->spans_sent) {
		snprintf(why, len, "the satellites received %llu distinct spans, more than the %llu "
				   "the client says it sent",
			 (unsigned long long)r->spans_received, (unsigned long long)r->spans_sent);
		return false;
	}
	uint64_t rest = r->spans_sent - r->spans_received;
	r->dropped_spans = rest;
	uint64_t told = (r->client_dropped.has ? r->client_dropped.v : 0) +
			(r->client_buffered.has ? r->client_buffered.v : 0);
	r->lost_by_tracer = take(&rest, told);
	if (r->proxy_held.has)
		r->lost_held_by_proxy = take(&rest, r->proxy_held.v + r->proxy_dropped);
	/* never_acked counts the spans of answers still in flight too. */
	r->lost_refused = take(&rest, never_acked > in_flight ? never_acked - in_flight : 0);
	r->lost_in_flight = take(&rest, in_flight);
	r->unexplained = rest;
	return true;
}

void orc_account_line(const orc_result *r, char *buf, size_t len)
{
	char proxy[96] = "", tracer[64];
	/* A tracer that counts nothing it lets go leaves its losses in unexplained. */
	if (r->client_dropped.has || r->client_buffered.has)
		snprintf(tracer, sizeof(tracer), "%llu", (unsigned long long)r->lost_by_tracer);
	else
		snprintf(tracer, sizeof(tracer), "? (the tracer does not tell: in unexplained)");
	if (r->proxy_held.has)
		snprintf(proxy, sizeof(proxy), " + held by the proxy %llu",
			 (unsigned long long)r->lost_held_by_proxy);
	else if (r->proxy[0] != '\0' && strcmp(r->proxy, "none") != 0)
		snprintf(proxy, sizeof(proxy), " + held by the proxy ? (%s cannot tell: in "
			 "unexplained)", r->proxy);
	snprintf(buf, len, "sent %llu = received %llu + tracer-dropped %s%s + refused %llu + "
			   "in flight %llu + unexplained %llu",
		 (unsigned long long)r->spans_sent, (unsigned long long)r->spans_received,
		 tracer, proxy, (unsigned long long)r->lost_refused,
		 (unsigned long long)r->lost_in_flight, (unsigned long long)r->unexplained);
}
