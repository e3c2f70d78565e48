/* SPDX-License-Identifier: MIT */
/* fuzz_seeds.c - writes a starting corpus for each fuzz target (small real reports in
 * every protocol, and a gzip body) into the directories named on the command line:
 *   fuzz_seeds LIGHTSTEP_DIR OTLP_PROTO_DIR OTLP_JSON_DIR LIGHTSTEP_JSON_DIR INFLATE_DIR
 *              GRPC_DIR */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/reportgen.h"

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

int main(int argc, char **argv)
{
	size_t n, z;
	void *b;

	if (argc != 7) {
		fprintf(stderr, "usage: fuzz_seeds LS OTLP_PROTO OTLP_JSON LS_JSON INFLATE GRPC\n");
		return 2;
	}
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
	}
	return 0;
}
