/* SPDX-License-Identifier: MIT */
/* resend.h - how long tracers wait before sending a refused report again. A report that
 * was refused (an error, a close, an answer never delivered) is remembered by its first
 * span, with the time; when a report starting with that span comes again, the time
 * between the two is one resend delay. That is what a collector's Retry-After asks
 * tracers to stretch, so it shows whether they do.
 *
 * A fixed table of SAT_RESEND_SLOTS remembered reports: a newer refusal may take an
 * older one's slot, and then that resend goes unmeasured, never mismeasured. */
#ifndef SAT_RESEND_H
#define SAT_RESEND_H

#include <stdbool.h>
#include <stdint.h>

#include "satellite/decode.h"

#define SAT_RESEND_SLOTS 4096

typedef struct sat_resend sat_resend;

/* sat_resend_alloc makes an empty table. TB_OK or TB_ENOMEM. */
int sat_resend_alloc(sat_resend **rp);

/* sat_resend_free releases r. NULL is fine. */
void sat_resend_free(sat_resend *r);

/* sat_resend_refused remembers a refused report by its first span, at now_ns. */
void sat_resend_refused(sat_resend *r, const sat_span_id *first, uint64_t now_ns);

/* sat_resend_arrived tells whether a report starting with first was refused before;
 * then *delay_ns is the time since, and the report is forgotten. */
bool sat_resend_arrived(sat_resend *r, const sat_span_id *first, uint64_t now_ns,
			uint64_t *delay_ns);

/* sat_resend_reset forgets everything, for a new run. */
void sat_resend_reset(sat_resend *r);

#endif
