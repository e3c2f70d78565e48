/* SPDX-License-Identifier: MIT */
/* delayq.h - connections the satellite holds back (a slow mode, extra latency, a
 * bandwidth limit) without holding an HTTP thread: the handler suspends the connection
 * and queues it here with a deadline, and one timer thread resumes it when due.
 *
 * Teardown: sat_delayq_flush resumes everything at once (needed before stopping the HTTP
 * daemon, which must not hold suspended connections); sat_delayq_free flushes, stops the
 * thread and frees. */
#ifndef SAT_DELAYQ_H
#define SAT_DELAYQ_H

#include <stdbool.h>
#include <stdint.h>

struct MHD_Connection;
typedef struct sat_delayq sat_delayq;

/* sat_delayq_alloc starts the timer thread. Returns TB_OK, TB_ENOMEM or TB_ESYS. */
int sat_delayq_alloc(sat_delayq **qp);

/* sat_delayq_free resumes what is queued, stops the thread and frees q. NULL is fine. */
void sat_delayq_free(sat_delayq *q);

/* sat_delayq_add queues c, already suspended by the caller, to be resumed at deadline_ns
 * (CLOCK_MONOTONIC). Returns TB_OK, TB_ENOMEM, or TB_ECLOSED while a flush is under way
 * (the caller then resumes c itself). */
int sat_delayq_add(sat_delayq *q, struct MHD_Connection *c, uint64_t deadline_ns);

/* sat_delayq_hold blocks (hold true) or allows (false) additions; while held, everything
 * queued has been resumed. Used around restarting the HTTP daemon. */
void sat_delayq_hold(sat_delayq *q, bool hold);

#endif
