/* SPDX-License-Identifier: MIT */
/* fuzz_seeds.c - writes a starting corpus for each fuzz target (small real reports in
 * every protocol, and a gzip body) into the directories named on the command line:
 *   fuzz_seeds LIGHTSTEP_DIR OTLP_PROTO_DIR OTLP_JSON_DIR LIGHTSTEP_JSON_DIR INFLATE_DIR
 *              GRPC_DIR BENCH_DIR ZIPKIN_JSON_DIR ZIPKIN_PROTO_DIR
 * BENCH_DIR gets bench.proto Envelopes of the kinds the agents and the orchestrator
 * read, one of another protocol version among them. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/reportgen.h"
#include "common/rpc.h"
#include "sampler/batch.h"

static void put(const char *dir, const char *name, const void *b, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(b, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

/* put_grpc writes a gRPC call's body as fuzz_grpc takes it: the selector byte, then the
 * message with its 5-byte prefix (flag 1: compressed). */
static void put_grpc(const char *dir, const char *name, uint8_t selector, uint8_t flag,
		     const void *msg, size_t n)
{
	uint8_t *b = malloc(n + 6);
	b[0] = selector;
	b[1] = flag;
	b[2] = (uint8_t)(n >> 24);
	b[3] = (uint8_t)(n >> 16);
	b[4] = (uint8_t)(n >> 8);
	b[5] = (uint8_t)n;
	memcpy(b + 6, msg, n);
	put(dir, name, b, n + 6);
	free(b);
}

/* put_envelope writes e, packed at version. */
static void put_envelope(const char *dir, const char *name, Tb__Envelope *e, uint32_t version)
{
	e->version = version;
	size_t n = tb__envelope__get_packed_size(e);
	uint8_t *b = malloc(n + 1);
	tb__envelope__pack(e, b);
	put(dir, name, b, n);
	free(b);
}

/* bench_seeds writes one Envelope of each kind a peer reads. */
static void bench_seeds(const char *dir)
{
	Tb__Envelope e = TB__ENVELOPE__INIT;
	Tb__Hello h = TB__HELLO__INIT;
	h.role = "orchestrator";
	e.body_case = TB__ENVELOPE__BODY_HELLO;
	e.hello = &h;
	put_envelope(dir, "hello", &e, TB_PROTO_VERSION);
	put_envelope(dir, "hello-old-version", &e, TB_PROTO_VERSION - 1);

	Tb__SatReset r = TB__SAT_RESET__INIT;
	r.run_id = 7;
	e.body_case = TB__ENVELOPE__BODY_SAT_RESET;
	e.sat_reset = &r;
	put_envelope(dir, "sat-reset", &e, TB_PROTO_VERSION);

	Tb__SatFaults f = TB__SAT_FAULTS__INIT;
	f.error_probability = 0.5;
	f.error_status = 503;
	Tb__SatSetFaults sf = TB__SAT_SET_FAULTS__INIT;
	sf.faults = &f;
	e.body_case = TB__ENVELOPE__BODY_SAT_SET_FAULTS;
	e.sat_set_faults = &sf;
	put_envelope(dir, "sat-set-faults", &e, TB_PROTO_VERSION);

	Tb__SatSetListening sl = TB__SAT_SET_LISTENING__INIT;
	sl.listening = 1;
	e.body_case = TB__ENVELOPE__BODY_SAT_SET_LISTENING;
	e.sat_set_listening = &sl;
	put_envelope(dir, "sat-set-listening", &e, TB_PROTO_VERSION);

	Tb__ArgvCommand ac = TB__ARGV_COMMAND__INIT;
	char *sats[] = {"127.0.0.1:8360"};
	ac.trace = 1;
	ac.repeat = 100;
	ac.num_tags = 10;
	ac.n_satellites = 1;
	ac.satellites = sats;
	ac.protocol = "lightstep";
	Tb__SmpLaunch l = TB__SMP_LAUNCH__INIT;
	l.client_name = "c";
	l.argv_command = &ac;
	e.body_case = TB__ENVELOPE__BODY_SMP_LAUNCH;
	e.smp_launch = &l;
	put_envelope(dir, "smp-launch", &e, TB_PROTO_VERSION);

	tb_rec_sample s[3] = {{.seq = 1}, {.seq = 2}, {.seq = 3}};
	Tb__SampleBatch sb = TB__SAMPLE_BATCH__INIT;
	if (smp_batch_encode(&sb, s, 3, 0, 0) != 0)
		exit(1);
	e.body_case = TB__ENVELOPE__BODY_SAMPLE_BATCH;
	e.sample_batch = &sb;
	put_envelope(dir, "sample-batch", &e, TB_PROTO_VERSION);
	smp_batch_clear(&sb);
}

int main(int argc, char **argv)
{
	size_t n, z;
	void *b;

	if (argc != 11) {
		fprintf(stderr, "usage: fuzz_seeds LS OTLP_PROTO OTLP_JSON LS_JSON INFLATE GRPC "
				"BENCH ZIPKIN_JSON ZIPKIN_PROTO DATADOG\n");
		return 2;
	}
	bench_seeds(argv[7]);
	for (size_t spans = 1; spans <= 2; spans++) {
		char name[32];
		snprintf(name, sizeof(name), "spans-%zu", spans);
		char gname[48];
		b = tb_report_lightstep(spans, 1, &n);
		put(argv[1], name, b, n);
		void *lz = tb_gzip(b, n, &z);
		snprintf(gname, sizeof(gname), "lightstep-gzip-%zu", spans);
		put_grpc(argv[6], gname, 0x05, 1, lz, z);	/* LightStep, grpc-encoding gzip */
		free(lz);
		free(b);
		b = tb_report_otlp_proto(spans, 1, &n);
		put(argv[2], name, b, n);
		snprintf(gname, sizeof(gname), "otlp-%zu", spans);
		put_grpc(argv[6], gname, 0x00, 0, b, n);
		free(b);
		b = tb_report_otlp_json(spans, 1, &n);
		put(argv[3], name, b, n);
		free(b);
		b = tb_report_lightstep_json(spans, 1, &n);
		put(argv[4], name, b, n);
		void *g = tb_gzip(b, n, &z);
		put(argv[5], name, g, z);
		free(g);
		free(b);
		b = tb_report_zipkin_json(spans, 1, &n);
		put(argv[8], name, b, n);
		free(b);
		b = tb_report_zipkin_proto(spans, 1, &n);
		put(argv[9], name, b, n);
		free(b);
		b = tb_report_datadog(spans, 1, &n);
		put(argv[10], name, b, n);
		free(b);
		snprintf(gname, sizeof(gname), "v05-%s", name);
		b = tb_report_datadog_v05(spans, 1, &n);
		put(argv[10], gname, b, n);
		free(b);
	}
	return 0;
}
