/* SPDX-License-Identifier: MIT */
/* accounting.h - where every span a traced run sent went. The satellites count each span
 * once, at its first copy whose 2xx answer was fully delivered (received); the spans
 * that never got there are lost, and each lost span is put down to one cause:
 *
 *   sent = received + tracer-dropped + held by the proxy + refused + in flight + unexplained
 *
 * - tracer-dropped: the tracer's own count of the spans it dropped or still held at exit
 *   (its word is taken first, up to the spans actually missing). A tracer that counts
 *   nothing it lets go (dd-opentracing-cpp) leaves its losses in unexplained, and the
 *   line says so;
 * - held by the proxy: a run through a proxy that can tell (a forwarding satellite):
 *   what it took from the tracer and still held, or dropped, when the run settled. A
 *   proxy that cannot tell leaves those spans in unexplained, and the line says so;
 * - refused: spans the satellites saw and refused (an injected error or close), or whose
 *   2xx answer was never delivered, that no later copy got accepted;
 * - in flight: spans of answers still being delivered when the run was settled;
 * - unexplained: what none of these accounts for. A correct tracer and harness leave 0;
 *   the summary and the report flag a run that does not. */
#ifndef ORC_ACCOUNTING_H
#define ORC_ACCOUNTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libtracebench/results/result.h"

/* orc_account fills r's dropped_spans and lost_* fields and unexplained from its counts,
 * never_acked (spans the satellites saw but never acknowledged) and in_flight. False,
 * with why, when the counts cannot be true: more spans received than sent. */
bool orc_account(orc_result *r, uint64_t never_acked, uint64_t in_flight, char *why,
		 size_t len);

/* orc_account_line writes r's reconciliation, "sent 15000 = received 14820 +
 * tracer-dropped 150 + refused 30 + in flight 0 + unexplained 0", into buf; a run
 * through a proxy has "+ held by the proxy N" after tracer-dropped; a tracer that tells
 * nothing reads "tracer-dropped ? (the tracer does not tell: in unexplained)". */
void orc_account_line(const orc_result *r, char *buf, size_t len);

#endif
