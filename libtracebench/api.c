/* SPDX-License-Identifier: MIT */
/* api.c - include/tracebench.h over the orchestrator's parts: the controller is a
 * harness with no satellite groups of its own, a satellite group is one peer, and a
 * Result is read through the field table. */
#include "tracebench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/host.h"
#include "common/log.h"
#include "common/registry.h"
#include "common/sig.h"
#include "common/units.h"
#include "libtracebench/plan/budget.h"
#include "libtracebench/plan/plan.h"
#include "libtracebench/run/calibrate.h"
#include "libtracebench/stats/compare.h"
#include "libtracebench/run/execute.h"
#include "libtracebench/results/export.h"
#include "libtracebench/run/harness.h"
#include "libtracebench/report/report.h"
#include "libtracebench/results/result.h"
#include "libtracebench/run/run.h"

struct tb_controller {
	orc_harness h;
	tb_tls *tls;		/* for tls+tcp:// agents; NULL: none */
	char client[64];
	char clients_file[4096];
	bool remote;		/* the client runs on a remote sampler's host */
	double target_cpu;
	bool paced;		/* cal holds what to pace by */
	bool cal_given;		/* ... given by the caller: every client of a mix too */
	tb_calibration cal;
	uint64_t runs;		/* run ids so far */
};

struct tb_satellites {
	orc_peer peer;
};

struct tb_result {
	orc_result r;
};

/* ---- the process ---- */

void tb_log_setup(const char *program, tb_console console)
{
	static const tb_log_level levels[] = {
		[TB_CONSOLE_QUIET] = TB_LOG_ERROR,
		[TB_CONSOLE_NORMAL] = TB_LOG_WARN,
		[TB_CONSOLE_VERBOSE] = TB_LOG_INFO,
	};
	tb_log_init(program);
	tb_log_set_stderr((unsigned)console <= TB_CONSOLE_VERBOSE ? levels[console] : TB_LOG_WARN);
}

int tb_logs_open(const char *dir, char *err, size_t errlen)
{
	char path[4200];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return TB_ESYS;
	}
	snprintf(path, sizeof(path), "%s/benchmark.log", dir);
	int rc = tb_log_add_file(path, TB_LOG_INFO, err, errlen);
	if (rc != TB_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/benchmark_verbose.log", dir);
	return tb_log_add_file(path, TB_LOG_DEBUG, err, errlen);
}

void tb_stop_on_signals(void)
{
	tb_sig_init();
}

bool tb_stop_requested(void)
{
	return tb_sig_stop_requested();
}

/* registry_path is the registry to use: the one given, ./clients.conf, or an installed
 * tracebench's own. */
static void registry_path(const char *given, char *buf, size_t len)
{
	if (given != NULL) {
		snprintf(buf, len, "%s", given);
		return;
	}
	if (access("clients.conf", R_OK) != 0) {
		tb_share_path(buf, len, "clients.conf");
		if (access(buf, R_OK) == 0)
			return;
	}
	snprintf(buf, len, "clients.conf");
}

/* ---- the controller ---- */

int tb_controller_open(tb_controller **cp, const char *client, const tb_controller_opts *o,
		       char *err, size_t errlen)
{
	static const tb_controller_opts defaults;
	o = o != NULL ? o : &defaults;
	*cp = NULL;
	tb_controller *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	snprintf(c->client, sizeof(c->client), "%s", client ? client : "");
	registry_path(o->clients_file, c->clients_file, sizeof(c->clients_file));
	c->target_cpu = o->target_cpu > 0 ? o->target_cpu : 0.70;
	int rc = TB_OK;
	bool remote = o->sampler_url != NULL && o->sampler_url[0] != '\0';
	c->remote = remote;
	if (!remote && tb_registry_require(c->clients_file, c->client, err, errlen) != TB_OK)
		rc = TB_EINVAL;
	tb_tls_opts to = {.cert = o->tls_cert, .key = o->tls_key, .ca = o->tls_ca};
	if (rc == TB_OK && tb_tls_opts_given(&to))
		rc = tb_tls_load(&c->tls, &to, err, errlen);
	const char *urls[] = {o->sampler_url};
	orc_harness_opts ho = {.clients = c->clients_file, .sampler_urls = urls, .nsamplers = 1,
			       .control_port = (uint16_t)o->control_port,
			       .period_ns = o->sample_period_ns ? o->sample_period_ns
								: 100 * TB_NS_PER_MS,
			       .progress = o->progress, .tls = c->tls};
	if (rc == TB_OK)
		rc = orc_harness_start(&c->h, &ho, err, errlen);
	if (rc != TB_OK) {
		tb_tls_free(c->tls);
		free(c);
		return rc;
	}
	*cp = c;
	return TB_OK;
}

const char *tb_controller_client_mode(const tb_controller *c)
{
	tb_registry *reg;
	char err[256];
	if (c->remote || tb_registry_load(&reg, c->clients_file, err, sizeof(err)) != TB_OK)
		return NULL;
	const tb_client_def *d = tb_registry_find(reg, c->client);
	const char *mode = d != NULL ? tb_client_mode_name(d->mode) : NULL;
	tb_registry_free(reg);
	return mode;
}

void tb_controller_close(tb_controller *c)
{
	if (c == NULL)
		return;
	orc_harness_stop(&c->h);
	tb_tls_free(c->tls);
	free(c);
}

int tb_calibrate(tb_controller *c, bool fresh, tb_calibration *out, char *err, size_t errlen)
{
	orc_calibration cal;
	int rc = orc_calibration_get(&c->h.env, c->client, c->target_cpu, fresh, &cal, err,
				     errlen);
	if (rc != TB_OK)
		return rc;
	c->cal = (tb_calibration){.target_cpu = cal.target_cpu,
				  .work_per_second = cal.work_per_second,
				  .sleep_per_work_ns = cal.sleep_per_work_ns,
				  .measured_cpu = cal.measured_cpu,
				  .fixed_cpu_s = cal.fixed_cpu_s, .checks = cal.checks,
				  .settled = cal.settled};
	c->paced = true;
	if (out != NULL)
		*out = c->cal;
	return TB_OK;
}

void tb_controller_set_calibration(tb_controller *c, const tb_calibration *cal)
{
	c->cal = *cal;
	c->paced = true;
	c->cal_given = true;
}

/* ---- satellites ---- */

static int satellites_start(tb_satellites **sp, tb_controller *c, const orc_plan_satellites *g,
			    char *err, size_t errlen)
{
	*sp = NULL;
	tb_satellites *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	int rc = orc_satellite_start(&s->peer, g, c->h.bind, c->h.tls, err, errlen);
	if (rc != TB_OK) {
		free(s);
		return rc;
	}
	*sp = s;
	return TB_OK;
}

static int take_mode(const char *mode, tb_sat_mode *out, char *err, size_t errlen)
{
	if (mode == NULL) {
		*out = TB_SAT_DEFAULT;
		return TB_OK;
	}
	if (tb_sat_mode_parse(mode, strlen(mode), out) == TB_OK)
		return TB_OK;
	char modes[64];
	tb_sat_mode_choices(modes, sizeof(modes));
	snprintf(err, errlen, "satellite mode \"%s\": expected %s", mode, modes);
	return TB_EINVAL;
}

int tb_satellites_open_ports(tb_satellites **sp, tb_controller *c, const char *mode,
			     const char *ports, char *err, size_t errlen)
{
	orc_plan_satellites g = {0};
	uint16_t list[ORC_PLAN_MAX_PORTS];
	*sp = NULL;
	if (ports != NULL && (strlen(ports) >= sizeof(g.ports) ||
			      tb_parse_ports(ports, list, ORC_PLAN_MAX_PORTS) == 0)) {
		snprintf(err, errlen, "ports \"%.80s\": expected a range (8360-8367) or ports "
				      "separated by commas (8360,0), at most %d", ports,
			 ORC_PLAN_MAX_PORTS);
		return TB_EINVAL;
	}
	if (ports != NULL)
		snprintf(g.ports, sizeof(g.ports), "%s", ports);
	int rc = take_mode(mode ? mode : "typical", &g.mode, err, errlen);
	return rc == TB_OK ? satellites_start(sp, c, &g, err, errlen) : rc;
}

int tb_satellites_open(tb_satellites **sp, tb_controller *c, const char *mode, char *err,
		       size_t errlen)
{
	return tb_satellites_open_ports(sp, c, mode, NULL, err, errlen);
}

int tb_satellites_attach(tb_satellites **sp, tb_controller *c, const char *url,
			 const char *mode, char *err, size_t errlen)
{
	orc_plan_satellites g = {.remote = true};
	snprintf(g.url, sizeof(g.url), "%s", url);
	int rc = take_mode(mode, &g.mode, err, errlen);
	return rc == TB_OK ? satellites_start(sp, c, &g, err, errlen) : rc;
}

void tb_satellites_close(tb_satellites *s)
{
	if (s == NULL)
		return;
	orc_peer_stop(&s->peer);
	free(s);
}

/* ---- a benchmark ---- */

/* A benchmark's parameters, checked and turned into a run's. */
typedef struct bench_plan {
	orc_run_params params;
	orc_run_client clients[TB_MAX_CLIENTS];
	orc_event events[ORC_PLAN_MAX_EVENTS];
	char names[ORC_PLAN_MAX_MIX][ORC_PLAN_NAME];	/* the mix's, which clients point to */
} bench_plan;

static int check_params(const tb_benchmark_params *p, char *err, size_t errlen)
{
	if (!(p->spans_per_second > 0) || !(p->runtime_s > 0)) {
		snprintf(err, errlen, "spans_per_second and runtime_s must be above 0");
		return TB_EINVAL;
	}
	if (p->clients > TB_MAX_CLIENTS) {
		snprintf(err, errlen, "clients %u: expected at most %d", p->clients, TB_MAX_CLIENTS);
		return TB_EINVAL;
	}
	if (p->nevents > ORC_PLAN_MAX_EVENTS || (p->nevents > 0 && p->events == NULL)) {
		snprintf(err, errlen, "events: expected at most %d", ORC_PLAN_MAX_EVENTS);
		return TB_EINVAL;
	}
	return TB_OK;
}

/* mix_calibration is what paces client name: the controller's own calibration for its
 * client or when the caller gave one, else name's own (cached per client and host). */
static int mix_calibration(tb_controller *c, const char *name, double *wps, double *spw,
			   char *err, size_t errlen)
{
	*wps = c->cal.work_per_second;
	*spw = c->cal.sleep_per_work_ns;
	if (c->cal_given || strcmp(name, c->client) == 0)
		return TB_OK;
	orc_calibration cal;
	int rc = orc_calibration_get(&c->h.env, name, c->target_cpu, false, &cal, err, errlen);
	*wps = cal.work_per_second;
	*spw = cal.sleep_per_work_ns;
	return rc;
}

/* bench_clients lists the run's clients: copies of the controller's, or a mix by name,
 * each at sps. None for a run of the controller's client alone. */
static int bench_clients(tb_controller *c, const tb_benchmark_params *p, bench_plan *b,
			 char *err, size_t errlen)
{
	orc_plan_mix mix[ORC_PLAN_MAX_MIX] = {{.count = p->clients}};
	size_t nmix = p->clients > 1, n = 0;
	int rc;
	if (p->mix != NULL && (rc = orc_mix_parse(p->mix, mix, &nmix, err, errlen)) != TB_OK)
		return rc;
	for (size_t j = 0; j < nmix; j++)
		n += mix[j].count;
	if (n > TB_MAX_CLIENTS) {
		snprintf(err, errlen, "clients: %zu, expected at most %d", n, TB_MAX_CLIENTS);
		return TB_EINVAL;
	}
	double sps = p->total_sps && n > 0 ? p->spans_per_second / (double)n : p->spans_per_second;
	b->params.sps = sps;
	for (size_t j = 0, k = 0; j < nmix; j++) {
		char *name = b->names[j];
		snprintf(b->names[j], sizeof(b->names[j]), "%.63s",
			 mix[j].client[0] != '\0' ? mix[j].client : c->client);
		double wps, spw;
		if ((rc = mix_calibration(c, name, &wps, &spw, err, errlen)) != TB_OK)
			return rc;
		for (unsigned i = 0; i < mix[j].count; i++, k++) {
			b->clients[k] = (orc_run_client){.name = name, .sampler = 0};
			orc_run_client_derive(&b->clients[k], sps, wps, spw);
		}
	}
	b->params.clients = n > 0 ? b->clients : NULL;
	b->params.nclients = n;
	return TB_OK;
}

/* bench_events reads the timed events, in time order. */
static int bench_events(const tb_benchmark_params *p, bench_plan *b, char *err, size_t errlen)
{
	for (size_t i = 0; i < p->nevents; i++) {
		int rc = orc_event_parse(p->events[i], &b->events[i], err, errlen);
		if (rc != TB_OK)
			return rc;
		if (b->events[i].at_s >= p->runtime_s) {
			snprintf(err, errlen, "event \"%s\": expected a time before the run ends "
				 "(%g s)", p->events[i], p->runtime_s);
			return TB_EINVAL;
		}
		for (size_t k = i; k > 0 && b->events[k].at_s < b->events[k - 1].at_s; k--) {
			orc_event t = b->events[k];
			b->events[k] = b->events[k - 1];
			b->events[k - 1] = t;
		}
	}
	b->params.events = b->events;
	b->params.nevents = p->nevents;
	return TB_OK;
}

int tb_benchmark(tb_controller *c, tb_satellites *sats, const tb_benchmark_params *p,
		 tb_result **rp, char *err, size_t errlen)
{
	*rp = NULL;
	int rc = check_params(p, err, errlen);
	if (rc != TB_OK)
		return rc;
	if (!c->paced && (rc = tb_calibrate(c, false, NULL, err, errlen)) != TB_OK)
		return rc;
	bench_plan *b = calloc(1, sizeof(*b));
	tb_result *r = calloc(1, sizeof(*r));
	if (b == NULL || r == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = TB_ENOMEM;
		goto out;
	}
	b->params = (orc_run_params){.client = c->client, .trace = p->trace,
				     .runtime_s = p->runtime_s, .satellite_mode = TB_SAT_DEFAULT,
				     .no_flush = p->no_flush, .no_timeout = p->no_timeout,
				     .samples_path = p->samples_path,
				     .sleep_interval_ns = p->sleep_interval_ns};
	if (p->protocol != NULL && tb_protocol_parse(p->protocol, &b->params.protocol) != TB_OK) {
		snprintf(err, errlen, "protocol \"%s\": expected lightstep or otlp", p->protocol);
		rc = TB_EINVAL;
		goto out;
	}
	if (p->proxy != NULL &&
	    (rc = tb_proxy_spec_parse(p->proxy, &b->params.proxy, err, errlen)) != TB_OK)
		goto out;
	if ((rc = bench_clients(c, p, b, err, errlen)) != TB_OK ||
	    (rc = bench_events(p, b, err, errlen)) != TB_OK)
		goto out;
	orc_run_derive(&b->params, c->cal.work_per_second, c->cal.sleep_per_work_ns);
	b->params.run_id = ++c->runs;
	orc_env env = c->h.env;
	env.satellites = sats != NULL ? &sats->peer : NULL;
	env.nsatellites = sats != NULL;
	if ((rc = orc_run(&env, &b->params, &r->r, err, errlen)) == TB_OK) {
		*rp = r;
		r = NULL;
	}
out:
	tb_result_free(r);
	free(b);
	return rc;
}

/* ---- a Result ---- */

size_t tb_result_nfields(void)
{
	size_t n;
	orc_result_fields(&n);
	return n;
}

const char *tb_result_field_name(size_t i)
{
	size_t n;
	const orc_field *f = orc_result_fields(&n);
	return i < n ? f[i].name : NULL;
}

const char *tb_result_headline(size_t i)
{
	size_t n;
	const orc_headline *h = orc_result_headlines(&n);
	return i < n ? h[i].name : NULL;
}

static const orc_field *field_named(const char *name)
{
	if (name == NULL)
		return NULL;
	const orc_field *named = orc_result_field_named(name, strlen(name));
	return named != NULL ? named : orc_result_field_renamed(name, strlen(name), ORC_OLD_IN_JSONL);
}

int tb_result_number(const tb_result *r, const char *name, double *v)
{
	const orc_field *f = field_named(name);
	if (f == NULL)
		return TB_ENOENT;
	double x = orc_field_number(f, &r->r);
	if (isnan(x))
		return TB_EINVAL;
	*v = x;
	return TB_OK;
}

int tb_result_list(const tb_result *r, const char *name, const double **v, size_t *n)
{
	const orc_field *f = field_named(name);
	if (f == NULL)
		return TB_ENOENT;
	const orc_list *l = orc_field_list(f, &r->r);
	if (l == NULL)
		return TB_EINVAL;
	*v = l->v;
	*n = l->n;
	return TB_OK;
}

const char *tb_result_string(const tb_result *r, const char *name)
{
	const orc_field *f = field_named(name);
	return f != NULL ? orc_field_string(f, &r->r) : NULL;
}

void tb_result_print(const tb_result *r, FILE *out)
{
	orc_result_print(&r->r, out);
}

char *tb_result_json(const tb_result *r)
{
	return orc_result_to_json(&r->r);
}

void tb_result_free(tb_result *r)
{
	if (r == NULL)
		return;
	orc_result_free(&r->r);
	free(r);
}

/* ---- plans and reports ---- */

int tb_plan_check(const char *path, char *err, size_t errlen)
{
	orc_plan *plan;
	int rc = orc_plan_load(path, &plan, err, errlen);
	orc_plan_free(plan);
	return rc;
}

int tb_plan_run(const char *path, const tb_plan_opts *o, bool *passed, char *err,
		size_t errlen)
{
	static const tb_plan_opts defaults;
	o = o != NULL ? o : &defaults;
	*passed = false;
	char clients[4096];
	registry_path(o->clients_file, clients, sizeof(clients));
	orc_plan *plan;
	int rc = orc_plan_load(path, &plan, err, errlen);
	if (rc != TB_OK)
		return rc;
	double scale = o->scale > 0 ? o->scale : 1;
	if (scale != 1)
		orc_plan_scale(plan, scale);
	rc = orc_budget_choose(plan, o->client ? o->client : plan->client, o->budgets,
			       o->nbudgets, err, errlen);
	if (rc != TB_OK) {
		orc_plan_free(plan);
		return rc;
	}
	if (access(clients, R_OK) != 0) {
		snprintf(err, errlen, "the client registry %s: %s", clients, strerror(errno));
		orc_plan_free(plan);
		return TB_ENOENT;
	}
	tb_info("orchestrator: plan %s (%zu runs, %zu assertions)", path, plan->nruns,
		plan->nasserts);
	if (o->export_format != NULL &&
	    (rc = tb_results_export(NULL, o->export_format, err, errlen)) != TB_OK) {
		orc_plan_free(plan);
		return rc;
	}
	orc_exec_opts eo = {.client = o->client, .clients_file = clients,
			    .export_format = o->export_format,
			    .results_root = o->results_root ? o->results_root : "results",
			    .control_port = o->control_port, .progress = o->progress,
			    .scale = scale,
			    .tls = {.cert = o->tls_cert, .key = o->tls_key, .ca = o->tls_ca}};
	rc = orc_execute(plan, &eo, passed, err, errlen);
	orc_plan_free(plan);
	return rc;
}

int tb_results_report(const char *dir, tb_report_info *info, char *err, size_t errlen)
{
	return orc_report_write(dir, NULL, info, err, errlen);
}

int tb_results_export(const char *dir, const char *format, char *err, size_t errlen)
{
	if (format == NULL || strcmp(format, "github-benchmark") != 0) {
		snprintf(err, errlen, "export \"%s\": expected github-benchmark",
			 format ? format : "");
		return TB_EINVAL;
	}
	return dir == NULL ? TB_OK : orc_export_github_benchmark(dir, err, errlen);
}

int tb_compare(const char *base, const char *new_dir, const tb_compare_opts *o, FILE *out,
	       bool *regressed, char *err, size_t errlen)
{
	static const tb_compare_opts defaults;
	return orc_compare(base, new_dir, o ? o : &defaults, out, regressed, err, errlen);
}
