/* SPDX-License-Identifier: MIT */
/* execute.c - a plan's runs, in order, then its verdict: runs.jsonl and summary.txt in
 * results/<plan>-<time>/, and the same summary on stdout. */
#include "libtracebench/run/execute.h"
#include "libtracebench/run/execute_parts.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/registry.h"
#include "common/sig.h"
#include "libtracebench/run/accounting.h"
#include "libtracebench/plan/budget.h"
#include "libtracebench/run/calibrate.h"
#include "libtracebench/run/environment.h"
#include "libtracebench/results/export.h"
#include "libtracebench/run/harness.h"
#include "libtracebench/stats/client_table.h"
#include "libtracebench/stats/judge.h"
#include "libtracebench/report/report.h"
#include "libtracebench/run/run.h"
#include "libtracebench/results/runsfile.h"
#include "libtracebench/stats/stats.h"

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
	for (size_t i = 0; i < plan->nsamplers; i++)
		if (plan->samplers[i].url[0] != '\0')
			return TB_OK;
	char why[600];
	for (size_t i = 0; i <= plan->nruns; i++) {
		const orc_plan_run *r = i < plan->nruns ? &plan->runs[i] : NULL;
		for (size_t j = 0; j <= (r != NULL ? r->nmix : 0); j++) {
			const char *name = r == NULL ? client : j == 0 ? r->client : r->mix[j - 1].client;
			if (name[0] != '\0' &&
			    tb_registry_require(clients_file, name, why, sizeof(why)) != TB_OK) {
				snprintf(err, errlen, "%s: %s", plan->path, why);
				return TB_EINVAL;
			}
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
		n += orc_plan_run_steps(&plan->runs[i]);
	return n;
}


/* client_index adds name to the plan's clients if it is new, and returns its index. */
static size_t client_index(execution *x, const char *name)
{
	for (size_t i = 0; i < x->nclients; i++)
		if (strcmp(x->clients[i], name) == 0)
			return i;
	x->clients[x->nclients] = name;
	return x->nclients++;
}

/* plan_relative writes path, relative to the plan's directory unless absolute. */
static const char *plan_relative(const orc_plan *plan, const char *path, char *buf,
				 size_t len)
{
	const char *slash = strrchr(plan->path, '/');
	if (path[0] == '/' || slash == NULL)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%.*s/%s", (int)(slash - plan->path), plan->path, path);
	return buf;
}

/* load_tls loads the credentials for tls+tcp:// agents: each --tls-* flag, else the
 * plan's tls statement. */
static int load_tls(execution *x, char *err, size_t errlen)
{
	const orc_plan *plan = x->plan;
	char cert[600], key[600], ca[600];
	tb_tls_opts t = x->o->tls;
	if (t.cert == NULL && plan->tls_cert[0] != '\0')
		t.cert = plan_relative(plan, plan->tls_cert, cert, sizeof(cert));
	if (t.key == NULL && plan->tls_key[0] != '\0')
		t.key = plan_relative(plan, plan->tls_key, key, sizeof(key));
	if (t.ca == NULL && plan->tls_ca[0] != '\0')
		t.ca = plan_relative(plan, plan->tls_ca, ca, sizeof(ca));
	if (!tb_tls_opts_given(&t))
		return TB_OK;
	return tb_tls_load(&x->tls, &t, err, errlen);
}

/* prepare checks the clients, creates the results directory and starts the harness. */
static int prepare(execution *x, char *err, size_t errlen)
{
	const orc_plan *plan = x->plan;
	x->client = x->o->client ? x->o->client : plan->client;
	if (x->client[0] == '\0') {
		snprintf(err, errlen, "%s names no client: add 'client NAME' or give --client",
			 plan->path);
		return TB_EINVAL;
	}
	int rc = check_clients(plan, x->client, x->o->clients_file, err, errlen);
	if (rc != TB_OK)
		return rc;
	for (size_t i = 0; i < plan->nruns; i++) {
		const orc_plan_run *r = &plan->runs[i];
		x->run_client[i] = client_index(x, r->client[0] ? r->client : x->client);
		for (size_t j = 0; j < r->nmix; j++)
			x->mix_client[i][j] = r->mix[j].client[0] ? client_index(x, r->mix[j].client)
								  : x->run_client[i];
	}
	if ((rc = load_tls(x, err, errlen)) != TB_OK)
		return rc;
	if ((rc = make_results_dir(x->o->results_root, plan->path, x->dir, sizeof(x->dir), err,
				   errlen)) != TB_OK)
		return rc;
	/* A plan that names no satellite group gets one local group on LightStep
	 * Benchmarks' ports. */
	static const orc_plan_satellites local = {.mode = TB_SAT_TYPICAL};
	const char *urls[ORC_PLAN_MAX_SAMPLERS];
	for (size_t i = 0; i < plan->nsamplers; i++)
		urls[i] = plan->samplers[i].url;
	orc_harness_opts ho = {.clients = x->o->clients_file, .sampler_urls = urls,
			       .nsamplers = plan->nsamplers,
			       .groups = plan->nsatellites ? plan->satellites : &local,
			       .ngroups = plan->nsatellites ? plan->nsatellites : 1,
			       .control_port = (uint16_t)x->o->control_port,
			       .period_ns = plan->period_ns, .progress = x->o->progress,
			       .tls = x->tls};
	if ((rc = orc_harness_start(&x->h, &ho, err, errlen)) != TB_OK)
		return rc;
	x->started = true;
	x->nall = total_runs(plan);
	for (size_t i = 0; i < plan->nruns; i++)
		x->runtime_left_s += plan->runs[i].runtime_s *
				     (double)orc_plan_run_steps(&plan->runs[i]);
	x->warm = calloc(x->nall ? x->nall : 1, sizeof(*x->warm));
	x->named = calloc(plan->nruns ? plan->nruns : 1, sizeof(*x->named));
	if (x->warm == NULL || x->named == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	/* Every run is named up front: a plan that stops early still judges what ran. */
	for (size_t i = 0; i < plan->nruns; i++) {
		const orc_plan_run *pr = &plan->runs[i];
		x->by_run[i] = calloc(orc_plan_run_steps(pr) ? orc_plan_run_steps(pr) : 1,
				      sizeof(orc_result));
		if (x->by_run[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			return TB_ENOMEM;
		}
		x->named[i] = (orc_named_results){.name = pr->name, .results = x->by_run[i]};
	}
	char path[600];
	snprintf(path, sizeof(path), "%s/runs.jsonl", x->dir);
	if ((x->jsonl = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return TB_ESYS;
	}
	snprintf(path, sizeof(path), "%s/plan.txt", x->dir);
	copy_file(plan->path, path);
	return TB_OK;
}

/* calibrate finds every client's calibration (the cache spares most of them), then
 * writes environment.json with them. */
static int calibrate(execution *x, char *err, size_t errlen)
{
	for (size_t i = 0; i < x->nclients && x->plan->target_cpu > 0; i++) {
		int rc = orc_calibration_get(&x->h.env, x->clients[i], x->plan->target_cpu, false,
					     &x->cals[i], err, errlen);
		if (rc != TB_OK)
			return rc;
	}
	char path[600], why[512];
	snprintf(path, sizeof(path), "%s/environment.json", x->dir);
	orc_environment_in ei = {.plan_path = x->plan->path,
				 .scale = x->o->scale > 0 ? x->o->scale : 1,
				 .client = x->client, .clients_file = x->o->clients_file,
				 .clients = x->clients, .calibrations = x->cals,
				 .nclients = x->nclients,
				 .period_s = (double)x->plan->period_ns / 1e9};
	if (orc_environment_write(path, &ei, why, sizeof(why)) != TB_OK)
		tb_warn("orchestrator: %s", why);
	return TB_OK;
}

/* eta_after estimates how long the steps after pr's will take: their runtimes, plus
 * what each step so far took beyond its runtime (start, settle, calibration aside). */
static double eta_after(execution *x, const orc_plan_run *pr)
{
	uint64_t now = tb_now_ns();
	if (x->first_step_ns == 0)
		x->first_step_ns = now;
	x->runtime_left_s -= pr->runtime_s;
	double overhead = 3; /* a first guess, before any step has been timed */
	if (x->done > 0) {
		double over = (double)(now - x->first_step_ns) / 1e9 - x->runtime_done_s;
		overhead = over > 0 ? over / (double)x->done : 0;
	}
	size_t later = x->nall > x->done + 1 ? x->nall - x->done - 1 : 0;
	return (x->runtime_left_s > 0 ? x->runtime_left_s : 0) + (double)later * overhead;
}


/* run_clients lists the clients of plan run i, each at sps spans/s, with the work and
 * sleep its calibration gives; NULL (one client) for a run that names none. */
static orc_run_client *run_clients(execution *x, size_t i, double sps, size_t *n)
{
	const orc_plan_run *pr = &x->plan->runs[i];
	*n = orc_plan_run_clients(pr);
	if (pr->nmix == 0)
		return NULL;
	orc_run_client *cs = calloc(*n, sizeof(*cs));
	size_t k = 0;
	for (size_t j = 0; cs != NULL && j < pr->nmix; j++) {
		size_t ci = x->mix_client[i][j];
		const orc_calibration *cal = &x->cals[ci];
		for (unsigned c = 0; c < pr->mix[j].count; c++, k++) {
			cs[k].name = x->clients[ci];
			cs[k].sampler = pr->mix[j].sampler;
			orc_run_client_derive(&cs[k], sps, cal->work_per_second,
					      cal->sleep_per_work_ns);
		}
	}
	return cs;
}

/* print_clients sums up the clients of a run of several: how together they started,
 * and the spread of their figures. */
static void print_clients(const orc_result *r)
{
	double sent_lo = 0, sent_hi = 0, cpu_hi = 0, rss_hi = 0;
	size_t apart = 0, exact = 0;
	for (size_t k = 0; k < r->nper_client; k++) {
		const orc_result *c = &r->per_client[k];
		double sent = (double)c->spans_sent;
		sent_lo = k == 0 || sent < sent_lo ? sent : sent_lo;
		sent_hi = sent > sent_hi ? sent : sent_hi;
		cpu_hi = c->cpu_usage > cpu_hi ? c->cpu_usage : cpu_hi;
		rss_hi = (double)c->peak_rss_bytes > rss_hi ? (double)c->peak_rss_bytes : rss_hi;
		apart += c->attributed;
		exact += c->attributed && c->unexplained == 0 && !c->failed;
	}
	printf("  %-16s %zu clients started within %.3f s of each other, the last %.3f s after "
	       "the first launch\n", "", r->nper_client, r->start_spread, r->all_started);
	printf("  %-16s each sent %.0f..%.0f spans; CPU up to %.1f%%, peak RSS up to %.1f MiB\n",
	       "", sent_lo, sent_hi, 100 * cpu_hi, rss_hi / 1048576.0);
	if (r->trace)
		printf("  %-16s per client: %zu of %zu counted apart, %zu of them with every span "
		       "accounted for\n", "", apart, r->nper_client, exact);
}

/* print_run writes a run's outcome on the console. */
static void print_run(const char *name, const orc_result *r)
{
	printf("  %-16s %8.1f spans/s  CPU %5.1f%%  dropped %llu of %llu  RSS %.1f MiB%s%s\n",
	       name, r->sps_achieved, 100 * r->cpu_usage,
	       (unsigned long long)r->dropped_spans, (unsigned long long)r->spans_sent,
	       (double)r->peak_rss_bytes / 1048576.0, r->failed ? "  FAILED: " : "",
	       r->failed ? r->failure : "");
	if (r->trace && !r->failed) {
		char line[384];
		orc_account_line(r, line, sizeof(line));
		printf("  %-16s %s\n", "", line);
	}
	if (r->nper_client > 0)
		print_clients(r);
	if (r->dup_unchecked > 0)
		printf("  %-16s %llu spans not checked for duplicates: the duplicate set was full\n",
		       "", (unsigned long long)r->dup_unchecked);
	if (r->harness_bound)
		printf("  %-16s this result may measure the harness, not the tracer: %s\n", "",
		       r->harness_note);
}

/* perform_one performs a step and records it; *failed tells whether it failed, and
 * *out, when not NULL, gets its Result. */
static int perform_one(execution *x, const step *st, bool *failed, orc_result **out,
		       char *err, size_t errlen)
{
	size_t i = st->i;
	unsigned k = st->k;
	const orc_plan_run *pr = &x->plan->runs[i];
	const orc_calibration *cal = &x->cals[x->run_client[i]];
	/* A local satellite a run saw die is started again for the next. */
	int rc = orc_harness_revive(&x->h, err, errlen);
	if (rc != TB_OK)
		return rc;
	char samples[700];
	snprintf(samples, sizeof(samples), "%s/run-%03zu-%s.csv.lz4", x->dir, x->done + 1, pr->name);
	size_t nclients;
	double sps = pr->total_sps ? st->sps / (double)orc_plan_run_clients(pr) : st->sps;
	orc_run_client *clients = run_clients(x, i, sps, &nclients);
	if (pr->nmix > 0 && clients == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	orc_run_params p = {
		.client = x->clients[x->run_client[i]], .trace = pr->trace && !st->twin, .sps = sps,
		.clients = clients, .nclients = nclients,
		.runtime_s = pr->runtime_s, .satellite_mode = pr->satellite_mode, .proxy = pr->proxy,
		.no_flush = pr->no_flush, .no_timeout = pr->no_timeout, .run_id = x->done + 1,
		.sleep_interval_ns = pr->sleep_interval_ns,
		.events = pr->events, .nevents = pr->nevents, .samples_path = samples,
		.step = x->done + 1, .steps = x->nall, .eta_after_s = eta_after(x, pr),
	};
	if (pr->protocol[0] != '\0')
		tb_protocol_parse(pr->protocol, &p.protocol);
	orc_run_derive(&p, cal->work_per_second, cal->sleep_per_work_ns);
	bool warmup = k < pr->warmup;
	char many[64] = "";
	if (nclients > 1)
		snprintf(many, sizeof(many), " x %zu clients", nclients);
	fprintf(stderr, "[%zu/%zu] %s: %.0f spans/s%s for %.3g s%s%s\n", x->done + 1, x->nall,
		pr->name, p.sps, many, p.runtime_s, p.trace ? "" : ", untraced",
		warmup ? " (warm-up)" : st->twin ? " (twin)" : k > 0 ? " (repeat)" : "");
	bool judged = !warmup && !st->twin;
	orc_result *r = judged ? &x->by_run[i][x->named[i].n] : &x->warm[x->nwarm];
	rc = orc_run(&x->h.env, &p, r, err, errlen);
	free(clients);
	if (rc != TB_OK)
		return rc;
	x->done++;
	x->runtime_done_s += pr->runtime_s;
	if (judged)
		x->named[i].n++;
	else
		x->nwarm++;
	r->warmup = warmup;
	*failed = r->failed;
	snprintf(r->plan_run, sizeof(r->plan_run), "%s%s", pr->name, st->twin ? ".untraced" : "");
	if (out != NULL)
		*out = r;
	if (!st->defer_record && orc_runsfile_append(x->jsonl, r) != TB_OK)
		tb_warn("orchestrator: cannot write run %zu to runs.jsonl", x->done);
	print_run(r->plan_run, r);
	x->any_failed |= r->failed;
	return TB_OK;
}

/* exec_perform_step performs one run after checking for a signal; a failed run in a plan that
 * says on_failure stop sets x->stopped. */
int exec_perform_step(execution *x, const step *st, orc_result **out, char *err,
			size_t errlen)
{
	if (tb_sig_stop_requested()) {
		snprintf(err, errlen, "interrupted by signal %d after %zu of %zu runs", tb_sig_last(),
			 x->done, x->nall);
		return TB_EINTR;
	}
	bool failed = false;
	int rc = perform_one(x, st, &failed, out, err, errlen);
	if (rc != TB_OK)
		return rc;
	if (failed && x->plan->stop_on_failure) {
		printf("  stopping: %s failed and the plan says on_failure stop (%zu of %zu runs "
		       "done)\n", x->plan->runs[st->i].name, x->done, x->nall);
		x->stopped = true;
	}
	return TB_OK;
}

/* group_end is the run after the group of alternating runs that starts at i (i + 1 for
 * a run that does not alternate). */
static size_t group_end(const orc_plan *plan, size_t i)
{
	size_t j = i + 1;
	while (plan->runs[i].alternate && j < plan->nruns && plan->runs[j].alternate)
		j++;
	return j;
}

/* perform_runs performs every run, each sweep value and each repeat, in the plan's order:
 * a run's rounds one after another, or, for runs that alternate, round by round across
 * the group (A B A B ...). It stops at a signal, or at a failed run in a plan that says
 * on_failure stop. */
/* perform_in_order performs run i: each sweep value, each of its rounds in turn. */
static int perform_in_order(execution *x, size_t i, char *err, size_t errlen)
{
	const orc_plan_run *r = &x->plan->runs[i];
	for (size_t s = 0; s < r->nsps; s++)
		for (unsigned k = 0; k < r->repeat; k++) {
			step st = {.i = i, .sps = r->sps[s], .k = k};
			int rc = exec_perform_step(x, &st, NULL, err, errlen);
			if (rc != TB_OK || x->stopped)
				return rc;
		}
	return TB_OK;
}


/* perform_alternating performs the runs [i, end) round by round: round k of every run
 * (each sweep value) before round k + 1 of any. */
static int perform_alternating(execution *x, size_t i, size_t end, char *err, size_t errlen)
{
	for (unsigned k = 0; k < x->plan->runs[i].repeat; k++)
		for (size_t g = i; g < end; g++)
			for (size_t s = 0; s < x->plan->runs[g].nsps; s++) {
				step st = {.i = g, .sps = x->plan->runs[g].sps[s], .k = k};
				int rc = exec_perform_step(x, &st, NULL, err, errlen);
				if (rc != TB_OK || x->stopped)
					return rc;
			}
	return TB_OK;
}

static int perform_runs(execution *x, char *err, size_t errlen)
{
	const orc_plan *plan = x->plan;
	for (size_t i = 0; i < plan->nruns && !x->stopped;) {
		size_t end = group_end(plan, i);
		int rc = plan->runs[i].ramp.on	   ? exec_perform_ramp(x, i, err, errlen)
			 : plan->runs[i].alternate ? perform_alternating(x, i, end, err, errlen)
						   : perform_in_order(x, i, err, errlen);
		if (rc != TB_OK)
			return rc;
		i = end;
	}
	return TB_OK;
}

/* say writes line on stdout and into sum. */
static void say(FILE *sum, const char *line)
{
	fputs(line, stdout);
	if (sum != NULL)
		fputs(line, sum);
}

/* flag_unexplained names, on stdout and in sum, every run whose lost spans are not all
 * accounted for, and runs that sent spans again after they were acknowledged. */
static void flag_unexplained(const execution *x, FILE *sum)
{
	for (size_t i = 0; i < x->plan->nruns; i++)
		for (size_t k = 0; k < x->named[i].n; k++) {
			const orc_result *r = &x->named[i].results[k];
			char acc[384], line[640];
			if (r->unexplained == 0 && r->dup_after_ack == 0)
				continue;
			orc_account_line(r, acc, sizeof(acc));
			snprintf(line, sizeof(line), "WARN  %s run %zu of %zu: %llu spans unexplained, "
				 "%llu sent again after acknowledgment (%s)\n", x->named[i].name, k + 1,
				 x->named[i].n, (unsigned long long)r->unexplained,
				 (unsigned long long)r->dup_after_ack, acc);
			say(sum, line);
		}
}

/* clients_line sums up a run of several clients: how many were counted apart and
 * accounted for, and how together they started; then a WARN line for each client whose
 * spans are not all accounted for. */
static void clients_line(const char *name, size_t k, size_t n, const orc_result *r,
			 FILE *sum)
{
	size_t apart = 0, exact = 0;
	char line[768];
	for (size_t c = 0; c < r->nper_client; c++) {
		const orc_result *cr = &r->per_client[c];
		apart += cr->attributed;
		exact += cr->attributed && cr->unexplained == 0 && cr->dup_after_ack == 0;
	}
	snprintf(line, sizeof(line), "CLIENTS  %s run %zu of %zu: %zu clients (%s), %zu counted "
		 "apart, %zu of them with every span accounted for; started within %.3f s\n",
		 name, k + 1, n, r->nper_client, r->client, apart, exact, r->start_spread);
	say(sum, line);
	for (size_t c = 0; c < r->nper_client; c++) {
		const orc_result *cr = &r->per_client[c];
		char acc[384];
		if (!cr->attributed || (cr->unexplained == 0 && cr->dup_after_ack == 0))
			continue;
		orc_account_line(cr, acc, sizeof(acc));
		snprintf(line, sizeof(line), "WARN  %s run %zu of %zu, client %zu (%s): %s, %llu "
			 "sent again after acknowledgment\n", name, k + 1, n, c, cr->client, acc,
			 (unsigned long long)cr->dup_after_ack);
		say(sum, line);
	}
}

/* flag_clients writes clients_line for every run of several clients. */
static void flag_clients(const execution *x, FILE *sum)
{
	for (size_t i = 0; i < x->plan->nruns; i++)
		for (size_t k = 0; k < x->named[i].n; k++)
			if (x->named[i].results[k].nper_client > 0)
				clients_line(x->named[i].name, k, x->named[i].n,
					     &x->named[i].results[k], sum);
}

/* flag_harness_bound names, on stdout and in sum, every run whose figures may be the
 * harness's: a satellite or the client's host was the bottleneck. */
static void flag_harness_bound(const execution *x, FILE *sum)
{
	for (size_t i = 0; i < x->plan->nruns; i++)
		for (size_t k = 0; k < x->named[i].n; k++) {
			const orc_result *r = &x->named[i].results[k];
			char line[512];
			if (!r->harness_bound)
				continue;
			snprintf(line, sizeof(line), "WARN  %s run %zu of %zu: this result may "
				 "measure the harness, not the tracer: %s\n", x->named[i].name, k + 1,
				 x->named[i].n, r->harness_note);
			say(sum, line);
		}
}

/* compare_clients writes the clients compared, traced against NoOp, when the plan ran
 * any client both ways at one rate. */
static void compare_clients(const execution *x, FILE *sum)
{
	size_t total = 0;
	for (size_t i = 0; i < x->plan->nruns; i++)
		total += x->named[i].n;
	orc_result *all = malloc((total ? total : 1) * sizeof(*all));
	orc_client_row rows[ORC_CLIENT_TABLE_MAX];
	size_t k = 0;
	for (size_t i = 0; all != NULL && i < x->plan->nruns; i++)
		for (size_t j = 0; j < x->named[i].n; j++)
			all[k++] = x->named[i].results[j];	/* shallow: only read */
	size_t n = all != NULL ? orc_client_table(all, k, rows, ORC_CLIENT_TABLE_MAX) : 0;
	free(all);
	orc_client_table_text(stdout, rows, n);
	if (sum != NULL)
		orc_client_table_text(sum, rows, n);
}

/* judge judges every assertion over what ran, into stdout, summary.txt and
 * assertions.jsonl; *passed when all held and no run failed. */
static void judge(execution *x, bool *passed)
{
	const orc_plan *plan = x->plan;
	char path[600];
	snprintf(path, sizeof(path), "%s/summary.txt", x->dir);
	FILE *sum = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/assertions.jsonl", x->dir);
	FILE *aj = fopen(path, "w");
	bool all_pass = !x->any_failed;
	for (size_t i = 0; i < plan->nbudgets; i++) {
		char line[300];
		orc_budget_describe(&plan->budgets[i], x->client, line, sizeof(line));
		printf("BUDGET %s\n", line);
		if (sum != NULL)
			fprintf(sum, "BUDGET %s\n", line);
	}
	for (size_t i = 0; i < plan->nasserts; i++) {
		const orc_assert *a = &plan->asserts[i];
		bool pass;
		char values[512], line[1024];
		bool ok = orc_judge(a, x->named, plan->nruns, &pass, values, sizeof(values));
		if (ok && orc_judge_noisy(a, x->named, plan->nruns, plan->max_cv, plan->quiet_host,
					  values, sizeof(values)))
			ok = false;
		const char *verdict = !ok ? "ERROR" : pass ? "PASS" : "FAIL";
		all_pass &= ok && pass;
		snprintf(line, sizeof(line), "%-5s %s:%d: %s   (%s)\n", verdict, plan->path, a->line,
			 a->text, values);
		say(sum, line);
		if (aj != NULL)
			assertion_json(aj, a, verdict, values);
	}
	flag_unexplained(x, sum);
	flag_clients(x, sum);
	flag_harness_bound(x, sum);
	for (size_t i = 0; i < plan->nruns; i++)
		if (x->ramp_lines[i][0] != '\0') {
			printf("RAMP  %s\n", x->ramp_lines[i]);
			if (sum != NULL)
				fprintf(sum, "RAMP  %s\n", x->ramp_lines[i]);
		}
	/* The spread of every run performed more than once (a ramp's rates differ on
	 * purpose: no spread to speak of). */
	for (size_t i = 0; i < plan->nruns; i++) {
		if (plan->runs[i].ramp.on)
			continue;
		orc_stats_write(stdout, x->named[i].name, x->named[i].results, x->named[i].n);
		if (sum != NULL)
			orc_stats_write(sum, x->named[i].name, x->named[i].results, x->named[i].n);
	}
	compare_clients(x, sum);
	if (x->any_failed) {
		const char *msg = "FAIL  at least one run failed (see runs.jsonl)\n";
		fputs(msg, stdout);
		if (sum != NULL)
			fputs(msg, sum);
	}
	if (aj != NULL)
		fclose(aj);
	if (sum != NULL)
		fclose(sum);
	printf("results: %s\n", x->dir);
	*passed = all_pass;
}

/* report writes the files for CI systems (export.h) and, for a plan with graphs, the
 * report; one that fails is told, but the verdict stands. */
static void report(execution *x)
{
	orc_report_outcome ro;
	char why[512];
	fflush(x->jsonl);
	if (x->o->export_format != NULL &&
	    orc_export_github_benchmark(x->dir, why, sizeof(why)) != TB_OK)
		tb_error("orchestrator: %s", why);
	if (x->plan->ngraphs == 0) {
		if (orc_export_write(x->dir, why, sizeof(why)) != TB_OK)
			tb_error("orchestrator: %s", why);
		return;
	}
	if (orc_report_write(x->dir, NULL, &ro, why, sizeof(why)) != TB_OK) {
		tb_error("orchestrator: report: %s", why);
		return;
	}
	if (ro.problem[0] != '\0')
		tb_warn("orchestrator: report: %s", ro.problem);
	printf("report: %s (%zu of %zu graphs drawn)\n", ro.html, ro.drawn, ro.graphs);
}

int orc_execute(const orc_plan *plan, const orc_exec_opts *o, bool *passed, char *err,
		size_t errlen)
{
	*passed = false;
	execution *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	x->plan = plan;
	x->o = o;
	int rc = prepare(x, err, errlen);
	if (rc == TB_OK)
		rc = calibrate(x, err, errlen);
	if (rc == TB_OK)
		rc = perform_runs(x, err, errlen);
	if (rc == TB_OK) {
		judge(x, passed);
		report(x);
	}
	if (x->jsonl != NULL)
		fclose(x->jsonl);
	for (size_t i = 0; i < x->plan->nruns; i++) {
		for (size_t k = 0; x->named != NULL && k < x->named[i].n; k++)
			orc_result_free(&x->by_run[i][k]);
		free(x->by_run[i]);
	}
	for (size_t i = 0; i < x->nwarm; i++)
		orc_result_free(&x->warm[i]);
	free(x->warm);
	free(x->named);
	if (x->started)
		orc_harness_stop(&x->h);
	tb_tls_free(x->tls);
	free(x);
	return rc;
}
