/* SPDX-License-Identifier: MIT */
/* control.h - the satellite's control channel: bench.proto requests from the
 * orchestrator over nng (hello, reset with a run id, read counters, set mode and faults,
 * go down / come up, shut down), applied to the running service. */
#ifndef SAT_CONTROL_H
#define SAT_CONTROL_H

#include <stdbool.h>

#include "common/rpc.h"
#include "satellite/counters.h"
#include "satellite/dupset.h"
#include "satellite/faults.h"
#include "satellite/http.h"

/* What the control channel acts on. */
typedef struct sat_service {
	sat_http *http;
	sat_counters *counters;
	sat_faults *faults;
	sat_dupset *dups;
	const char *ring_name;	/* "" if no ring */
	const char *http_host;	/* the address the HTTP ports listen on */
} sat_service;

/* sat_control_handle answers one request (exactly one reply is sent). Returns true when
 * the request was Shutdown. */
bool sat_control_handle(sat_service *s, tb_rpc_server *srv, const Tb__Envelope *req);

#endif
