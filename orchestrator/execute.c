/* execute.c - a plan's runs, in order, then its verdict: runs.jsonl and summary.txt in
 * results/<plan>-<time>/, and the same summary on stdout. */
#include "orchestrator/execute.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/error.h"
#include "common/log.h"
#include "common/registry.h"
#include "common/sig.h"
#include "orchestrator/calibrate.h"
#include "orchestrator/environment.h"
#include "orchestrator/harness.h"
#include "orchestrator/judge.h"
#include "orchestrator/report.h"
#include "orchestrator/run.h"

/* make_results_dir creates results_root/<plan name>-<UTC time>/ into dir. */
static int make_results_dir(const char *root, const char *plan_path, char *dir, size_t len,
			    char *err, size_t errlen)
{
	char copy[256], stamp[32];
	snprintf(copy, sizeof(copy), "%s", plan_path);
	char *base = basename(copy), *dot = strrchr(base, '.');
	if (dot != NULL)
		*dot = '\0';
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	if (mkdir(root, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", root, strerror(errno));
		return TB_ESYS;
	}
	int w = snprintf(dir, len, "%s/%.64s-%s", root, base, stamp);
	if (w < 0 || (size_t)w >= len || mkdir(dir, 0755) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return TB_ESYS;
	}
	return TB_OK;
}

/* check_clients fails a plan whose clients this host's registry does not know, before
 * anything starts. With a remote sampler the clients come from its registry, which
 * answers for itself when asked. */
static int check_clients(const orc_plan *plan, const char *client, const char *clients_file,
			 char *err, size_t errlen)
{
	if (plan->sampler_url[0] != '\0')
		return TB_OK;
	char why[600];
	for (size_t i = 0; i <= plan->nruns; i++) {
		const char *name = i < plan->nruns ? plan->runs[i].client : client;
		if (name[0] != '\0' &&
		    tb_registry_require(clients_file, name, why, sizeof(why)) != TB_OK) {
			snprintf(err, errlen, "%s: %s", plan->path, why);
			return TB_EINVAL;
		}
	}
	return TB_OK;
}

/* copy_file keeps the plan as it was written beside its results. */
static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
	char buf[8192];
	size_t n;
	while (out != NULL && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if ((out != NULL && fclose(out) != 0) || in == NULL)
		tb_warn("orchestrator: cannot copy %s to %s", from, to);
	if (in != NULL)
		fclose(in);
}

/* assertion_json is one line of assertions.jsonl. */
static void assertion_json(FILE *f, const orc_assert *a, const char *verdict, const char *values)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "verdict", verdict);
	cJSON_AddNumberToObject(o, "line", a->line);
	cJSON_AddStringToObject(o, "text", a->text);
	cJSON_AddStringToObject(o, "values", values);
	char *text = cJSON_PrintUnformatted(o);
	if (text != NULL)
		fprintf(f, "%s\n", text);
	cJSON_free(text);
	cJSON_Delete(o);
}

static size_t total_runs(const orc_plan *plan)
{
	size_t n = 0;
	for (size_t i = 0; i < plan->nruns; i++)
		n += plan->runs[i].nsps * plan->runs[i].repeat;
	return n;
}

int orc_execute(const orc_plan *plan, const orc_exec_opts *o, char *err, size_t errlen)
{
	const char *client = o->client ? o->client : plan->client;
	if (client[0] == '\0') {
		snprintf(err, errlen, "%s names no client: add 'client NAME' or give --client",
			 plan->path);
		return 2;
	}
	if (check_clients(plan, client, o->clients_file, err, errlen) != TB_OK)
		return 2;
	/* A plan that names no satellite group gets one local group of two ports. */
	orc_plan_satellites local = {.ports = "0,0", .mode = "typical"};
	orc_harness_opts ho = {.clients = o->clients_file, .sampler_url = plan->sampler_url,
			       .groups = plan->nsatellites ? plan->satellites : &local,
			       .ngroups = plan->nsatellites ? plan->nsatellites : 1,
			       .control_port = (uint16_t)o->control_port,
			       .period_ns = plan->period_ns, .progress = o->progress};
	char dir[512];
	if (make_results_dir(o->results_root, plan->path, dir, sizeof(dir), err, errlen) != TB_OK)
		return 2;
	orc_harness h;
	if (orc_harness_start(&h, &ho, err, errlen) != TB_OK)
		return 2;

	int status = 2;
	size_t nall = total_runs(plan), done = 0;
	orc_result *results = calloc(nall ? nall : 1, sizeof(*results));
	orc_named_results *named = calloc(plan->nruns, sizeof(*named));
	char path[600];
	snprintf(path, sizeof(path), "%s/runs.jsonl", dir);
	FILE *jsonl = fopen(path, "w");
	if (results == NULL || named == NULL || jsonl == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}

	/* Calibrate once (the cache makes later plans skip it). */
	orc_calibration cal;
	if (orc_calibration_load(client, plan->target_cpu, &cal) != TB_OK) {
		fprintf(stderr, "orchestrator: calibrating %s for %.0f%% CPU...\n", client,
			100 * plan->target_cpu);
		if (orc_calibrate(&h.env, client, plan->target_cpu, &cal, err, errlen) != TB_OK)
			goto out;
		char why[256];
		if (orc_calibration_save(client, &cal, why, sizeof(why)) != TB_OK)
			tb_warn("orchestrator: %s", why);
		fprintf(stderr, "orchestrator: calibrated %s in %.1f s: %.1f%% CPU\n", client,
			cal.seconds, 100 * cal.measured_cpu);
	}
	snprintf(path, sizeof(path), "%s/plan.txt", dir);
	copy_file(plan->path, path);
	snprintf(path, sizeof(path), "%s/environment.json", dir);
	orc_environment_in ei = {.plan_path = plan->path, .scale = o->scale > 0 ? o->scale : 1,
				 .client = client, .clients_file = o->clients_file,
				 .calibration = &cal, .period_s = (double)plan->period_ns / 1e9};
	char why[512];
	if (orc_environment_write(path, &ei, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: %s", why);

	/* Every run is named up front: a plan that stops early still judges what ran. */
	for (size_t i = 0; i < plan->nruns; i++)
		named[i].name = plan->runs[i].name;
	bool any_failed = false, stopped = false;
	for (size_t i = 0; i < plan->nruns && !tb_sig_stop_requested() && !stopped; i++) {
		const orc_plan_run *pr = &plan->runs[i];
		named[i].results = &results[done];
		for (size_t s = 0; s < pr->nsps && !tb_sig_stop_requested() && !stopped; s++) {
			for (unsigned k = 0; k < pr->repeat && !tb_sig_stop_requested() && !stopped;
			     k++) {
				/* A local satellite a run saw die is started again for the next. */
				if (orc_harness_revive(&h, err, errlen) != TB_OK)
					goto out;
				orc_run_params p = {
					.client = pr->client[0] ? pr->client : client,
					.trace = pr->trace,
					.sps = pr->sps[s],
					.runtime_s = pr->runtime_s,
					.satellite_mode = pr->satellite_mode,
					.no_flush = pr->no_flush,
					.no_timeout = pr->no_timeout,
					.run_id = done + 1,
					.events = pr->events,
					.nevents = pr->nevents,
					.step = done + 1,
					.steps = nall,
				};
				char samples[700];
				snprintf(samples, sizeof(samples), "%s/run-%03zu-%s.csv.lz4", dir,
					 done + 1, pr->name);
				p.samples_path = samples;
				if (pr->protocol[0] != '\0')
					tb_protocol_parse(pr->protocol, &p.protocol);
				orc_run_derive(&p, cal.work_per_second, cal.sleep_per_work_ns);
				fprintf(stderr, "[%zu/%zu] %s: %.0f spans/s for %.3g s%s%s\n", done + 1,
					nall, pr->name, p.sps, p.runtime_s, p.trace ? "" : ", untraced",
					pr->repeat > 1 ? " (repeat)" : "");
				orc_result *r = &results[done];
				if (orc_run(&h.env, &p, r, err, errlen) != TB_OK)
					goto out;
				done++;
				named[i].n++;
				char *json = orc_result_to_json(r);
				if (json != NULL) {
					fprintf(jsonl, "{\"plan_run\":\"%s\",\"result\":%s}\n", pr->name,
						json);
					fflush(jsonl);
					free(json);
				}
				printf("  %-16s %8.1f spans/s  CPU %5.1f%%  dropped %llu of %llu  "
				       "RSS %.1f MiB%s%s\n",
				       pr->name, r->spans_per_second, 100 * r->cpu_usage,
				       (unsigned long long)r->dropped_spans,
				       (unsigned long long)r->spans_sent,
				       (double)r->peak_rss_bytes / 1048576.0,
				       r->failed ? "  FAILED: " : "", r->failed ? r->failure : "");
				any_failed |= r->failed;
				if (r->failed && plan->stop_on_failure) {
					printf("  stopping: %s failed and the plan says on_failure stop "
					       "(%zu of %zu runs done)\n", pr->name, done, nall);
					stopped = true;
				}
			}
		}
	}
	if (tb_sig_stop_requested()) {
		snprintf(err, errlen, "interrupted by signal %d after %zu of %zu runs",
			 tb_sig_last(), done, nall);
		goto out;
	}

	/* The verdict. */
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	FILE *sum = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/assertions.jsonl", dir);
	FILE *aj = fopen(path, "w");
	bool all_pass = !any_failed;
	for (size_t i = 0; i < plan->nasserts; i++) {
		const orc_assert *a = &plan->asserts[i];
		bool pass;
		char values[512];
		bool ok = orc_judge(a, named, plan->nruns, &pass, values, sizeof(values));
		const char *verdict = !ok ? "ERROR" : pass ? "PASS" : "FAIL";
		all_pass &= ok && pass;
		char line[1024];
		snprintf(line, sizeof(line), "%-5s %s:%d: %s   (%s)\n", verdict, plan->path, a->line,
			 a->text, values);
		fputs(line, stdout);
		if (sum != NULL)
			fputs(line, sum);
		if (aj != NULL)
			assertion_json(aj, a, verdict, values);
	}
	if (aj != NULL)
		fclose(aj);
	if (any_failed) {
		const char *msg = "FAIL  at least one run failed (see runs.jsonl)\n";
		fputs(msg, stdout);
		if (sum != NULL)
			fputs(msg, sum);
	}
	if (sum != NULL)
		fclose(sum);
	printf("results: %s\n", dir);
	if (plan->ngraphs > 0) {
		fflush(jsonl);
		orc_report_outcome ro;
		if (orc_report_write(dir, NULL, &ro, why, sizeof(why)) != TB_OK) {
			tb_error("orchestrator: report: %s", why);
		} else {
			if (ro.problem[0] != '\0')
				tb_warn("orchestrator: report: %s", ro.problem);
			printf("report: %s (%zu of %zu graphs drawn)\n", ro.html, ro.drawn, ro.graphs);
		}
	}
	status = all_pass ? 0 : 1;
out:
	if (jsonl != NULL)
		fclose(jsonl);
	for (size_t i = 0; i < done; i++)
		orc_result_free(&results[i]);
	free(results);
	free(named);
	orc_harness_stop(&h);
	return status;
}
