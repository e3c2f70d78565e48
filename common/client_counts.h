/* SPDX-License-Identifier: MIT */
/* client_counts.h - what a satellite counts for each client of a run apart, named as
 * bench.proto's ClientCount (whose comments say what each counts). A report belongs to
 * the client its access token names (command.h); reports whose token names none are
 * counted in the satellite's totals only.
 *
 * TB_CLIENT_COUNTS is the one list: the satellite's per-client counters, the message it
 * fills and the orchestrator's per-client sums are all made from it. */
#ifndef TB_CLIENT_COUNTS_H
#define TB_CLIENT_COUNTS_H

#define TB_CLIENT_COUNTS(X)                                                              \
	X(reports) X(spans) X(resent) X(dup_after_ack) X(refused_spans) X(unacked)        \
	X(in_flight) X(never_acked)

#endif
