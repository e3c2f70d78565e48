/* SPDX-License-Identifier: MIT */
/* fuzz_bench.c - libFuzzer target for bench.proto Envelopes, as the agents and the
 * orchestrator read them off nng. Every input goes through tb_rpc_decode, the one reader
 * every tb_rpc_server and tb_rpc_client uses. One that decodes is then handled for real:
 * sent over inproc:// to a satellite's control handler (a live service: counters,
 * faults, duplicate set, HTTP ports), whose reply must decode too; and its parts that
 * the sampler or the orchestrator check (an ArgvCommand, a SampleBatch, SatFaults) go
 * through those checks. Nothing may crash, leak, hang or answer undecodably. */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "common/rpc.h"
#include "sampler/argv.h"
#include "sampler/batch.h"
#include "satellite/control.h"

static sat_service svc;
static tb_rpc_server *srv;
static nng_socket req;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char err[256];
	tb_log_set_stderr(TB_LOG_ERROR);
	static const uint16_t port = 0; /* the server keeps a pointer to it */
	sat_http_opts ho = {.bind = "127.0.0.1", .ports = &port, .nports = 1, .threads = 1,
			    .max_body = 1 << 20, .idle_timeout_s = 5};
	if (sat_counters_alloc(&svc.counters) != TB_OK ||
	    sat_faults_alloc(&svc.faults, TB_SAT_TYPICAL) != TB_OK ||
	    sat_dupset_alloc(&svc.dups, 1024) != TB_OK)
		abort();
	ho.counters = svc.counters;
	ho.faults = svc.faults;
	ho.dups = svc.dups;
	if (sat_http_alloc(&svc.http, &ho, err, sizeof(err)) != TB_OK ||
	    tb_rpc_server_alloc(&srv, "inproc://fuzz-bench", NULL, err, sizeof(err)) != TB_OK ||
	    nng_req0_open(&req) != 0 || nng_dial(req, "inproc://fuzz-bench", NULL, 0) != 0)
		abort();
	svc.ring_name = "";
	svc.http_host = "127.0.0.1";
	nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 5000);
	nng_socket_set_ms(req, NNG_OPT_SENDTIMEO, 5000);
	return 0;
}

/* satellite_round_trip has the satellite handle the message; its reply must decode. */
static void satellite_round_trip(const uint8_t *data, size_t size)
{
	char why[300];
	Tb__ErrorCode code;
	if (nng_send(req, (void *)data, size, 0) != 0)
		abort();
	Tb__Envelope *in;
	if (tb_rpc_server_recv(srv, 5000, &in) != TB_OK)
		abort(); /* it decoded here, so the server must take it */
	sat_control_handle(&svc, srv, in); /* a Shutdown is answered; we go on */
	tb_rpc_free(in);
	void *rep;
	size_t len;
	if (nng_recv(req, &rep, &len, NNG_FLAG_ALLOC) != 0)
		abort();
	Tb__Envelope *out = tb_rpc_decode(rep, len, &code, why, sizeof(why));
	if (out == NULL)
		abort();
	tb_rpc_free(out);
	nng_free(rep, len);
}

/* check_parts runs the checks the sampler and the orchestrator apply to parts of e. */
static void check_parts(const Tb__Envelope *e)
{
	char err[300];
	if (e->body_case == TB__ENVELOPE__BODY_SMP_LAUNCH && e->smp_launch->argv_command) {
		char *base[] = {"client", NULL};
		smp_argv_run r;
		if (smp_argv_prepare(&r, e->smp_launch->argv_command, base, err, sizeof(err)) ==
		    TB_OK)
			smp_argv_cleanup(&r);
	}
	if (e->body_case == TB__ENVELOPE__BODY_SAMPLE_BATCH) {
		tb_rec_sample *s = NULL;
		size_t n;
		if (smp_batch_decode(e->sample_batch, &s, &n, err, sizeof(err)) == TB_OK &&
		    n != e->sample_batch->count)
			abort();
		free(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[300];
	Tb__ErrorCode code;
	Tb__Envelope *e = tb_rpc_decode(data, size, &code, why, sizeof(why));
	if (e == NULL) {
		if (code != TB__ERROR_CODE__ERR_MALFORMED && code != TB__ERROR_CODE__ERR_VERSION)
			abort();
		return 0;
	}
	(void)tb_rpc_body_name(e->body_case);
	check_parts(e);
	tb_rpc_free(e);
	satellite_round_trip(data, size);
	return 0;
}
