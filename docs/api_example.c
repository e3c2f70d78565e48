/* SPDX-License-Identifier: MIT */
/* api_example.c - LightStep Benchmarks' API snippet, in C with libtracebench: one
 * benchmark of the client "c" reporting to a satellite group in mode typical.
 *   cc api_example.c $(pkg-config --cflags --libs tracebench) -o api_example
 *   ./api_example [RUNTIME_SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>

#include <tracebench.h>

int main(int argc, char **argv)
{
	char err[1024] = "";
	tb_controller *c = NULL;
	tb_satellites *sats = NULL;
	tb_result *r = NULL;
	int status = 1;

	if (tb_controller_open(&c, "c", NULL, err, sizeof(err)) != TB_OK ||
	    tb_satellites_open(&sats, c, "typical", err, sizeof(err)) != TB_OK)
		goto out;
	tb_benchmark_params p = {
		.trace = true,
		.spans_per_second = 100,
		.runtime_s = argc > 1 ? atof(argv[1]) : 10,
		.no_timeout = false,
	};
	if (tb_benchmark(c, sats, &p, &r, err, sizeof(err)) != TB_OK)
		goto out;

	/* These are available no matter what. */
	double program_time, clock_time, spans_sent;
	const double *cpu, *memory;
	size_t ncpu, nmemory;
	tb_result_number(r, "program_time", &program_time);
	tb_result_number(r, "clock_time", &clock_time);
	tb_result_number(r, "spans_sent", &spans_sent);
	tb_result_list(r, "cpu_list", &cpu, &ncpu);
	tb_result_list(r, "memory_list", &memory, &nmemory);
	printf("The test had CPU for %.3f seconds\n", program_time);
	printf("The test took %.3f seconds to run\n", clock_time);
	printf("%.0f spans were generated during the test.\n", spans_sent);
	printf("CPU share, sampled %zu times, last %.3f\n", ncpu, ncpu ? cpu[ncpu - 1] : 0);
	printf("Bytes memory used, sampled %zu times, last %.0f\n", nmemory,
	       nmemory ? memory[nmemory - 1] : 0);

	/* These are only meaningful because a satellite group was passed. */
	double spans_received, dropped_spans;
	tb_result_number(r, "spans_received", &spans_received);
	tb_result_number(r, "dropped_spans", &dropped_spans);
	printf("%.0f spans were received by the mock satellites.\n", spans_received);
	printf("%.0f spans were dropped.\n", dropped_spans);
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "api_example: %s\n", err);
	tb_result_free(r);
	tb_satellites_close(sats);
	tb_controller_close(c);
	return status;
}
