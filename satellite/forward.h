/* SPDX-License-Identifier: MIT */
/* forward.h - the satellite as a local agent: reports it has taken (decoded, counted,
 * answered 2xx) are queued and sent on to one or more upstream collectors (satellites,
 * or any collector that takes the same protocols), in batches, with retries.
 *
 * A report is queued as the tracer sent it, inflated. Reports of one protocol and one
 * client (access token) are joined into one upstream request as the protocol allows
 * (decode.h's sat_join): protobuf messages are concatenated, which merges their repeated
 * fields; Zipkin JSON arrays are spliced; other JSON bodies go one per request. A batch
 * leaves when it reaches batch_bytes or its oldest report has waited batch_delay_ms.
 *
 * Each sender thread keeps one kept-alive connection (libcurl) and takes the next batch;
 * upstreams are used in turn. A batch that fails (no connection, a timeout, 408, 429 or
 * 5xx) goes back to the front of the queue and its sender waits (100 ms, doubling to
 * 2 s, or the Retry-After given, up to 30 s) before trying the next upstream. A batch
 * answered with another 4xx is dropped (`rejected`), as is one older than max_age_s
 * (`expired`). When the queue holds queue_bytes, new reports are refused with 503 and
 * Retry-After: 1 (report.c counts them as `queue_full`): the tracer keeps them.
 *
 * What the forwarder did is in the satellite's counters (counters.h); what it holds now
 * is sat_forward_held. */
#ifndef SAT_FORWARD_H
#define SAT_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "satellite/counters.h"
#include "satellite/decode.h"

/* Most upstreams one forwarder sends to. */
#define SAT_FORWARD_MAX_URLS 16

typedef struct sat_forward_opts {
	const char *urls[SAT_FORWARD_MAX_URLS];	/* http://host:port of each upstream */
	size_t nurls;
	size_t queue_bytes;		/* most bytes of reports held; 0: 64 MiB */
	size_t batch_bytes;		/* a batch leaves at this size; 0: 1 MiB */
	unsigned batch_delay_ms;	/* or when its oldest report is this old; 0: send at once */
	unsigned senders;		/* upstream requests at once; 0: 2 */
	unsigned timeout_ms;		/* one upstream request's limit; 0: 10 s */
	unsigned max_age_s;		/* drop a report queued this long; 0: 300 s */
	unsigned drain_ms;		/* at exit, keep sending this long; 0: 2 s */
} sat_forward_opts;

typedef struct sat_forward sat_forward;

/* sat_forward_url_check checks one upstream URL: http:// or https://, a host, a port
 * or the scheme's, no path but "/", no query. TB_OK, or TB_EINVAL with err naming it. */
int sat_forward_url_check(const char *url, char *err, size_t errlen);

/* sat_forward_alloc checks o's URLs and starts the sender threads, which count into c.
 * TB_OK, TB_EINVAL (err names the bad option), TB_ENOMEM or TB_ESYS. */
int sat_forward_alloc(sat_forward **fp, const sat_forward_opts *o, sat_counters *c, char *err,
		      size_t errlen);

/* sat_forward_put queues a copy of one report's body (len bytes, plain) of proto with
 * spans spans, from client (-1: unknown). TB_OK, TB_EAGAIN when the queue is full, or
 * TB_ENOMEM. Thread-safe. */
int sat_forward_put(sat_forward *f, sat_proto proto, int client, const uint8_t *body,
		    size_t len, uint64_t spans);

/* sat_forward_held tells what the queue holds now: spans and bytes accepted and not yet
 * delivered upstream (batches being sent included). */
void sat_forward_held(sat_forward *f, uint64_t *spans, uint64_t *bytes);

/* sat_forward_free keeps sending for the drain time, stops the senders, logs what was
 * still held, and frees f. NULL is fine. */
void sat_forward_free(sat_forward *f);

#endif
