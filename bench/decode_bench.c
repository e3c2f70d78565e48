/* SPDX-License-Identifier: MIT */
/* decode_bench.c - what one span costs each satellite decoder, against protobuf-c's full
 * unpack (the Datadog walker against msgpack-c's unpack, the Zipkin JSON reader against
 * the cJSON one), on 1000-span reports shaped like real ones (bench/reportgen.h).
 * Prints ns per span on one core, the best and the median of many decodes: on this kind
 * of VM the same decode of the same bytes swings between two speeds almost 2x apart from
 * one moment to the next, so a mean says more about the machine than about the code. The satellite's
 * HTTP-level figures come from satellite_bench. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/reportgen.h"
#include "common/clock.h"
#include "proto/collector.pb-c.h"
#include <msgpack.h>
#include "satellite/decode.h"

#define SPANS 1000

typedef struct timing {
	double best;	/* ns per span */
	double median;
} timing;

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static timing per_span_ns(const sat_decoder *d, const uint8_t *body, size_t len, int reps)
{
	double *ns = calloc((size_t)reps, sizeof(*ns));
	sat_ids ids = {0};
	char err[256];
	timing t;

	if (ns == NULL) {
		fprintf(stderr, "decode_bench: out of memory\n");
		exit(2);
	}
	for (int r = 0; r < reps; r++) {
		uint64_t t0 = tb_now_ns();
		ids.n = 0;
		if (d->decode(body, len, &ids, err, sizeof(err)) != 0 || ids.n != SPANS) {
			fprintf(stderr, "decode_bench: %s failed: %s\n", d->name, err);
			exit(2);
		}
		ns[r] = (double)(tb_now_ns() - t0) / SPANS;
	}
	sat_ids_fini(&ids);
	qsort(ns, (size_t)reps, sizeof(*ns), by_value);
	t.best = ns[0];
	t.median = ns[reps / 2];
	free(ns);
	return t;
}

int main(void)
{
	size_t ls_len, op_len, oj_len, lj_len, zj_len, zp_len, dd_len, d5_len;
	uint8_t *ls = tb_report_lightstep(SPANS, 1, &ls_len);
	uint8_t *op = tb_report_otlp_proto(SPANS, 1, &op_len);
	char *oj = tb_report_otlp_json(SPANS, 1, &oj_len);
	char *lj = tb_report_lightstep_json(SPANS, 1, &lj_len);
	char *zj = tb_report_zipkin_json(SPANS, 1, &zj_len);
	uint8_t *zp = tb_report_zipkin_proto(SPANS, 1, &zp_len);
	uint8_t *dd = tb_report_datadog(SPANS, 1, &dd_len);
	uint8_t *d5 = tb_report_datadog_v05(SPANS, 1, &d5_len);
	int reps = 200;
	double ns[20];

	if (!ls || !op || !oj || !lj || !zj || !zp || !dd || !d5 || sat_decode_init() != 0) {
		fprintf(stderr, "decode_bench: out of memory\n");
		return 2;
	}
	printf("decode_bench: %d-span reports, one core, ns per span (lower is better)\n", SPANS);
	printf("%-34s %8s %10s %10s %12s\n", "decoder", "B/span", "best ns", "median ns",
	       "M spans/s");

	for (int r = 0; r < 20; r++) {
		uint64_t t0 = tb_now_ns();
		lightstep__collector__report_request__free_unpacked(
			lightstep__collector__report_request__unpack(NULL, ls_len, ls), NULL);
		ns[r] = (double)(tb_now_ns() - t0) / SPANS;
	}
	qsort(ns, 20, sizeof(ns[0]), by_value);
	printf("%-34s %8zu %10.0f %10.0f %12.2f\n", "protobuf-c unpack (reference)",
	       ls_len / SPANS, ns[0], ns[10], 1e3 / ns[0]);
	for (int r = 0; r < 20; r++) {
		msgpack_unpacked u;
		size_t off = 0;
		uint64_t t0 = tb_now_ns();
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, (const char *)dd, dd_len, &off) != MSGPACK_UNPACK_SUCCESS) {
			fprintf(stderr, "decode_bench: msgpack-c cannot unpack the Datadog report\n");
			return 2;
		}
		msgpack_unpacked_destroy(&u);
		ns[r] = (double)(tb_now_ns() - t0) / SPANS;
	}
	qsort(ns, 20, sizeof(ns[0]), by_value);
	printf("%-34s %8zu %10.0f %10.0f %12.2f\n", "msgpack-c unpack (reference)",
	       dd_len / SPANS, ns[0], ns[10], 1e3 / ns[0]);

	struct {
		sat_proto p;
		const void *body;
		size_t len;
		int reps;
	} cases[] = {
		{SAT_PROTO_LIGHTSTEP, ls, ls_len, reps},
		{SAT_PROTO_OTLP_PROTO, op, op_len, reps},
		{SAT_PROTO_OTLP_JSON, oj, oj_len, reps / 10},
		{SAT_PROTO_LIGHTSTEP_JSON, lj, lj_len, reps / 10},
		{SAT_PROTO_ZIPKIN_JSON, zj, zj_len, reps / 10},
		{SAT_PROTO_ZIPKIN_PROTO, zp, zp_len, reps},
		{SAT_PROTO_DATADOG_V04, dd, dd_len, reps},
		{SAT_PROTO_DATADOG_V05, d5, d5_len, reps},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const sat_decoder *d = sat_decoder_get(cases[i].p);
		timing t = per_span_ns(d, cases[i].body, cases[i].len, cases[i].reps);
		printf("%-34s %8zu %10.0f %10.0f %12.2f\n", d->name, cases[i].len / SPANS, t.best,
		       t.median, 1e3 / t.best);
	}
	sat_decoder cjson = *sat_decoder_get(SAT_PROTO_ZIPKIN_JSON);
	cjson.name = "zipkin-json by cJSON (reference)";
	cjson.decode = sat__zipkin_json_cjson;
	timing t = per_span_ns(&cjson, (const uint8_t *)zj, zj_len, reps / 10);
	printf("%-34s %8zu %10.0f %10.0f %12.2f\n", cjson.name, zj_len / SPANS, t.best, t.median,
	       1e3 / t.best);
	free(ls);
	free(op);
	free(oj);
	free(lj);
	free(zj);
	free(zp);
	free(dd);
	free(d5);
	return 0;
}
