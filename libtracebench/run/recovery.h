/* SPDX-License-Identifier: MIT */
/* recovery.h - how long a tracer takes to recover after an outage. For each `up` event
 * of a run (after a `down`), two times from the spans the satellites received, in
 * buckets of 100 ms:
 *
 *   first ack  until the first acknowledged report after the satellites came back: the
 *              end of the first bucket after `up` that holds any spans, so to 100 ms,
 *              and never 0;
 *   drained    until the tracer's backlog has drained: all it received reaches what the
 *              client had generated when the outage began (its rate times the time of
 *              `down`), or the received rate over a second is back within 10% of its
 *              rate over the two seconds before the outage, whichever comes first.
 *
 * A time that never came before the run's spans stopped arriving is -1. */
#ifndef ORC_RECOVERY_H
#define ORC_RECOVERY_H

#include <stddef.h>

#include "libtracebench/plan/plan.h"
#include "libtracebench/results/result.h"

/* orc_recovery_measure fills r's recovery_first_ack and recovery_drained, one value per
 * `up` event in events (run times, s), from r's received_list; offset_s is how long
 * after the satellites' reset (their bucket origin) the run's clock started. */
void orc_recovery_measure(orc_result *r, const orc_event *events, size_t nevents,
			  double offset_s);

#endif
