/* SPDX-License-Identifier: MIT */
/* fuzz_seeds.c - writes a starting corpus for each fuzz target (small real reports in
 * every protocol, and a gzip body) into the directories named on the command line:
 *   fuzz_seeds LIGHTSTEP_DIR OTLP_PROTO_DIR OTLP_JSON_DIR LIGHTSTEP_JSON_DIR INFLATE_DIR */
#include <stdio.h>
#include <stdlib.h>

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

int main(int argc, char **argv)
{
	size_t n, z;
	void *b;

	if (argc != 6) {
		fprintf(stderr, "usage: fuzz_seeds LS OTLP_PROTO OTLP_JSON LS_JSON INFLATE\n");
		return 2;
	}
	for (size_t spans = 1; spans <= 2; spans++) {
		char name[32];
		snprintf(name, sizeof(name), "spans-%zu", spans);
		b = tb_report_lightstep(spans, 1, &n);
		put(argv[1], name, b, n);
		free(b);
		b = tb_report_otlp_proto(spans, 1, &n);
		put(argv[2], name, b, n);
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
