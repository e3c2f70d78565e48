/* SPDX-License-Identifier: MIT */
/* plan_test.c - the plan language: the shipped plans parse into what they say, and every
 * kind of mistake fails before anything runs, at file:line:col with what was expected. */
#include <criterion/criterion.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>

#include "common/error.h"
#include "libtracebench/plan/budget.h"
#include "libtracebench/plan/plan.h"
#include "libtracebench/results/result.h"
#include "libtracebench/stats/judge.h"
#include "testutil.h"

Test(plan, shipped_plans_parse)
{
	const char *const files[] = {SOURCE_DIR "/plans/regress.plan", SOURCE_DIR "/plans/quick.plan",
				     SOURCE_DIR "/plans/graphs.plan"};
	for (size_t i = 0; i < 3; i++) {
		orc_plan *p;
		char err[512];
		cr_assert_eq(orc_plan_load(files[i], &p, err, sizeof(err)), TB_OK, "%s", err);
		cr_assert_str_eq(p->client, "c");
		cr_assert_geq(p->nruns, 6);
		cr_assert_geq(p->nasserts, i == 2 ? 2 : 4);
		cr_assert_eq(p->ngraphs, i == 2 ? 4 : 0);
		orc_plan_free(p);
	}
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_load(SOURCE_DIR "/plans/faults.plan", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_eq(p->nruns, 2);
	cr_assert_eq(p->runs[0].nevents, 12);
	cr_assert_float_eq(p->runs[0].sps[0] * p->runs[0].runtime_s, 1e6, 1e-6);
	orc_plan_free(p);
	/* stress.plan: a ramp, 16 clients, and a fault storm of 16 under every fault. */
	cr_assert_eq(orc_plan_load(SOURCE_DIR "/plans/stress.plan", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_eq(p->nruns, 3);
	cr_assert(p->runs[0].ramp.on);
	cr_assert_eq(orc_plan_run_clients(&p->runs[1]), 16);
	cr_assert(p->runs[1].total_sps);
	cr_assert_eq(orc_plan_run_clients(&p->runs[2]), 16);
	bool kinds[ORC_EV_CLOSE + 1] = {false};
	for (size_t i = 0; i < p->runs[2].nevents; i++)
		kinds[p->runs[2].events[i].kind] = true;
	cr_assert(kinds[ORC_EV_ERRORS] && kinds[ORC_EV_BANDWIDTH] && kinds[ORC_EV_CLOSE] &&
		  kinds[ORC_EV_SATELLITES_DOWN] && kinds[ORC_EV_SATELLITES_UP]);
	orc_plan_free(p);
	/* proxy.plan: each path at each rate, untraced beside them, and a cost graph. */
	cr_assert_eq(orc_plan_load(SOURCE_DIR "/plans/proxy.plan", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	size_t via[TB_PROXY_KIND_COUNT] = {0};
	for (size_t i = 0; i < p->nruns; i++)
		via[p->runs[i].proxy.kind]++;
	cr_assert(via[TB_PROXY_NGINX] >= 3 && via[TB_PROXY_NGINX] == via[TB_PROXY_HAPROXY]);
	cr_assert_eq(p->graphs[0].kind, ORC_GRAPH_COST);
	orc_plan_free(p);
}

Test(plan, graphs_name_their_runs_and_scale_shrinks_every_duration)
{
	const char *text =
		"run on sps [100, 200] runtime 10s\n"
		"run off sps [100, 200] runtime 10s notrace {\n at 4s satellites down\n}\n"
		"graph cost tracer_cpu on, off title \"Tracer CPU\"\n"
		"graph mem memory on, off\n"
		"graph drops dropped on\n"
		"graph panels memory_panels off\n";
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_parse("t.plan", text, &p, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(p->ngraphs, 4);
	cr_assert_eq(p->graphs[0].kind, ORC_GRAPH_TRACER_CPU);
	cr_assert_str_eq(p->graphs[0].title, "Tracer CPU");
	cr_assert_str_eq(p->graphs[0].runs[1], "off");
	cr_assert_eq(p->graphs[1].kind, ORC_GRAPH_MEMORY);
	cr_assert_eq(p->graphs[1].nruns, 2);
	cr_assert_str_eq(p->graphs[1].title, "mem");
	cr_assert_eq(p->graphs[2].kind, ORC_GRAPH_DROPPED);
	cr_assert_eq(p->graphs[3].kind, ORC_GRAPH_PANELS);
	cr_assert(!p->stop_on_failure, "continue is the default");
	orc_plan_scale(p, 0.05);
	cr_assert_float_eq(p->runs[0].runtime_s, 0.5, 1e-9);
	cr_assert_float_eq(p->runs[1].events[0].at_s, 0.2, 1e-9);
	cr_assert_eq(p->runs[0].nsps, 2, "a scale leaves rates alone");
	cr_assert_float_eq(p->runs[0].sps[1], 200, 1e-9);
	orc_plan_free(p);
}

Test(plan, every_setting_lands_where_it_should)
{
	const char *text =
		"# a comment line\n"
		"client js-otel   # trailing comment\n"
		"sampling 10ms\n"
		"calibrate 0.6\n"
		"sampler \"tcp://10.0.0.2:7100\"\n"
		"satellites local ports \"8360-8363\" mode slow_succeed\n"
		"satellites remote \"tcp://10.0.0.3:7200\"\n"
		"\n"
		"run sweep sps [100, 200.5, 1e3] runtime 1.5m repeat 3 notrace protocol otlp noflush\n"
		"run outage sps 50 runtime 180s satellites slow_fail client c {\n"
		"  at 30s satellites down\n"
		"\n"
		"  at 120s satellites up   # back\n"
		"  at 10s mode typical\n"
		"  at 5s errors 0.25 status 503\n"
		"  at 1s latency 250ms\n"
		"}\n"
		"assert last(outage.memory_list) / first(outage.memory_list) < 2 # grows under 2x\n"
		"assert -(sweep.dropped_spans) <= 0\n"
		"assert abs(mean(sweep.cpu_list) - 0.5) * 100 != 7\n";
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_parse("t.plan", text, &p, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_str_eq(p->client, "js-otel");
	cr_assert_eq(p->period_ns, 10000000);
	cr_assert_float_eq(p->target_cpu, 0.6, 1e-12);
	cr_assert_eq(p->nsamplers, 1);
	cr_assert_str_eq(p->samplers[0].url, "tcp://10.0.0.2:7100");
	cr_assert_eq(p->nsatellites, 2);
	cr_assert_str_eq(p->satellites[0].ports, "8360-8363");
	cr_assert_eq(p->satellites[0].mode, TB_SAT_SLOW_SUCCEED);
	cr_assert(p->satellites[1].remote);
	cr_assert_eq(p->nruns, 2);
	const orc_plan_run *s = &p->runs[0];
	cr_assert_eq(s->nsps, 3);
	cr_assert_float_eq(s->sps[1], 200.5, 1e-12);
	cr_assert_float_eq(s->sps[2], 1000, 1e-12);
	cr_assert_float_eq(s->runtime_s, 90, 1e-9);
	cr_assert_eq(s->repeat, 3);
	cr_assert(!s->trace && s->no_flush);
	cr_assert_str_eq(s->protocol, "otlp");
	const orc_plan_run *o = &p->runs[1];
	cr_assert_str_eq(o->client, "c");
	cr_assert_eq(o->satellite_mode, TB_SAT_SLOW_FAIL);
	cr_assert_eq(o->nevents, 5);
	cr_assert_eq(o->events[0].kind, ORC_EV_SATELLITES_DOWN);
	cr_assert_float_eq(o->events[0].at_s, 30, 1e-9);
	cr_assert_eq(o->events[1].kind, ORC_EV_SATELLITES_UP);
	cr_assert_eq(o->events[2].kind, ORC_EV_MODE);
	cr_assert_eq(o->events[3].status, 503);
	cr_assert_float_eq(o->events[3].probability, 0.25, 1e-12);
	cr_assert_float_eq(o->events[4].latency_s, 0.25, 1e-12);
	cr_assert_eq(p->nasserts, 3);
	cr_assert_str_eq(p->asserts[0].text, "last(outage.memory_list) / first(outage.memory_list) < 2");
	cr_assert_eq(p->asserts[0].cmp, ORC_LT);
	cr_assert_eq(p->asserts[0].lhs->kind, ORC_EXPR_BINARY);
	cr_assert_eq(p->asserts[0].lhs->op, '/');
	cr_assert_eq(p->asserts[0].lhs->a->fn, ORC_FN_LAST);
	cr_assert_str_eq(p->asserts[0].lhs->a->a->field, "memory_list");
	cr_assert_eq(p->asserts[1].lhs->kind, ORC_EXPR_NEGATE);
	cr_assert_eq(p->asserts[2].cmp, ORC_NE);
	/* precedence: (abs(...)) * 100 */
	cr_assert_eq(p->asserts[2].lhs->op, '*');
	orc_plan_free(p);
}

/* Every fault is a plan event, aimed at every group or at one by name, and changes only
 * what it names. */
Test(plan, fault_events_parse_and_name_their_group)
{
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_parse("f.plan",
				    "satellites local name east\nsatellites local name west\n"
				    "run a sps 10 runtime 60s {\n"
				    "  at 1s bandwidth 50MB/s per connection\n"
				    "  at 2s east close 0.25\n"
				    "  at 3s errors 0.3 status 503 retry_after 2s\n"
				    "  at 4s west latency 100ms per_span 20us\n"
				    "  at 5s east down\n"
				    "  at 6s east up\n"
				    "  at 7s west bandwidth 512KB/s\n"
				    "  at 8s satellites mode slow_fail\n"
				    "  at 9s bandwidth unlimited\n"
				    "}\n", &p, err, sizeof(err)), TB_OK, "%s", err);
	const orc_plan_run *r = &p->runs[0];
	cr_assert_eq(r->nevents, 9);
	cr_assert_str_eq(p->satellites[0].name, "east");
	const orc_event *e = r->events;
	cr_assert(e[0].kind == ORC_EV_BANDWIDTH && e[0].group == -1 && e[0].per_connection);
	cr_assert_float_eq(e[0].bytes_per_s, 50.0 * 1048576, 1e-6);
	cr_assert(e[1].kind == ORC_EV_CLOSE && e[1].group == 0);
	cr_assert_float_eq(e[1].probability, 0.25, 1e-12);
	cr_assert(e[2].kind == ORC_EV_ERRORS && e[2].status == 503 && e[2].group == -1);
	cr_assert_float_eq(e[2].retry_after_s, 2, 1e-12);
	cr_assert(e[3].kind == ORC_EV_LATENCY && e[3].group == 1);
	cr_assert_float_eq(e[3].per_span_s, 20e-6, 1e-15);
	cr_assert(e[4].kind == ORC_EV_SATELLITES_DOWN && e[4].group == 0);
	cr_assert(e[5].kind == ORC_EV_SATELLITES_UP && e[5].group == 0);
	cr_assert(e[6].kind == ORC_EV_BANDWIDTH && !e[6].per_connection && e[6].group == 1);
	cr_assert(e[7].kind == ORC_EV_MODE && e[7].mode == TB_SAT_SLOW_FAIL && e[7].group == -1);
	cr_assert(e[8].kind == ORC_EV_BANDWIDTH && e[8].bytes_per_s == 0);
	char text[128];
	orc_event_describe(&e[2], text, sizeof(text));
	cr_assert_str_eq(text, "satellites errors 0.3 status 503 retry_after 2s");
	orc_event_describe(&e[4], text, sizeof(text));
	cr_assert_str_eq(text, "east down");
	orc_event_describe(&e[3], text, sizeof(text));
	cr_assert_str_eq(text, "west latency 100ms per_span 20us");
	orc_plan_free(p);
}

Test(plan, mistakes_fail_with_position_and_expectation)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"", "t.plan:1:1: expected at least one run, got the end of the file"},
		{"runn a sps 1 runtime 1s\n", "t.plan:1:1: expected a statement"},
		{"run a sps 1\n", "t.plan:1:12: expected the run 'a' to give both sps and runtime"},
		{"run a sps 1 runtime soon\n", "t.plan:1:21: expected the runtime, a duration such as 30s"},
		{"run a sps 1 runtime 10parsecs\n", "t.plan:1:21: expected the runtime, a duration"},
		{"run a sps -5 runtime 1s\n", "t.plan:1:11: expected spans per second"},
		{"run a sps [1, 2 runtime 1s\n", "t.plan:1:17: expected ',' or ']', got 'runtime'"},
		{"run a sps 1 runtime 1s fast\n", "t.plan:1:24: expected a run setting"},
		{"run a sps 1 runtime 1s\nrun a sps 2 runtime 1s\n", "t.plan:2:5: expected a new run name"},
		{"run a sps 1 runtime 10s {\n at 20s satellites down\n}\n",
		 "t.plan:2:2: expected an event before the run ends (10 s)"},
		{"run a sps 1 runtime 10s {\n at 2s satellites sideways\n}\n",
		 "t.plan:2:19: expected down, up, mode, errors, latency, bandwidth or close, got "
		 "'sideways'"},
		{"satellites local name east\nrun a sps 1 runtime 10s {\n at 2s west down\n}\n",
		 "t.plan:3:8: expected down, up, mode, errors, latency, bandwidth or close, after "
		 "satellites or a group's name, got 'west'"},
		{"run a sps 1 runtime 10s {\n at 2s bandwidth 50MB\n}\n",
		 "t.plan:2:22: expected /s after the size"},
		{"run a sps 1 runtime 10s {\n at 2s bandwidth fast\n}\n",
		 "t.plan:2:18: expected a rate such as 50MB/s"},
		{"run a sps 1 runtime 10s {\n at 2s bandwidth 1MB/s per host\n}\n",
		 "t.plan:2:28: expected per connection or per group"},
		{"run a sps 1 runtime 10s {\n at 2s close 2\n}\n",
		 "t.plan:2:14: expected a probability of closing from 0 to 1"},
		{"run a sps 1 runtime 10s {\n at 2s errors 0.3 retry_after 0s\n}\n",
		 "t.plan:2:31: expected a Retry-After of 1s to 3600s"},
		{"run a sps 1 runtime 10s {\n at 2s errors 0.3 then\n}\n",
		 "t.plan:2:19: expected status or retry_after"},
		{"run a sps 1 runtime 10s {\n at 2s latency 1ms per_span 1s\n}\n",
		 "t.plan:2:29: expected at most 4ms per span"},
		{"satellites local ports \"8360-\"\nrun a sps 1 runtime 1s\n",
		 "t.plan:1:24: expected a port list"},
		{"run a sps 1 runtime 1s sleep_interval 20s\n",
		 "t.plan:1:39: expected a sleep interval from 1us to 10s"},
		{"satellites local name close\nrun a sps 1 runtime 1s\n",
		 "t.plan:1:23: expected a group name that is not an event's word"},
		{"satellites local name e\nsatellites local name e\nrun a sps 1 runtime 1s\n",
		 "t.plan:2:23: expected a new group name: e is on line 1"},
		{"run a sps 1 runtime 10s {\n at 2s satellites down\n", "expected '}' to close"},
		{"run a sps 1 runtime 10s {\n at 2s errors 1.5\n}\n",
		 "t.plan:2:15: expected an error probability from 0 to 1"},
		{"run a sps 1 runtime 1s\nassert b.dropped_spans == 0\n",
		 "t.plan:2:8: expected the name of a run defined above, got 'b'"},
		{"run a sps 1 runtime 1s\nassert a.dropt == 0\n", "t.plan:2:10: expected a field"},
		{"run a sps 1 runtime 1s\nassert mode(a.cpu_list) < 1\n", "t.plan:2:8: expected a function"},
		{"run a sps 1 runtime 1s\nassert a.steal 1\n", "t.plan:2:16: expected a comparison"},
		{"run a sps 1 runtime 1s\nassert (a.steal < 1\n", "t.plan:2:17: expected ')', got '<'"},
		{"run a sps 1 runtime 1s\nassert a.steal < 1 extra\n", "t.plan:2:20: expected the end of the line"},
		{"sampling 0.1ms\nrun a sps 1 runtime 1s\n", "t.plan:1:10: expected a sampling period from 1ms to 60s"},
		{"calibrate 2\nrun a sps 1 runtime 1s\n", "t.plan:1:11: expected a target CPU share"},
		{"satellites local mode flaky\nrun a sps 1 runtime 1s\n", "t.plan:1:23: expected a satellite mode"},
		{"satellites remote tcp\nrun a sps 1 runtime 1s\n", "t.plan:1:19: expected the agent's URL"},
		{"sampler \"tcp://x:1\nrun a sps 1 runtime 1s\n", "t.plan:1:9: expected a closing '\"'"},
		{"run a sps 1 runtime 1s repeat 0\n", "t.plan:1:31: expected a repeat count from 1 to 1000"},
		{"run a sps 1 runtime 1s protocol zipkin\n", "t.plan:1:33: expected lightstep or otlp"},
		{"run a sps 1 runtime 1s proxy envoy\n",
		 "t.plan:1:30: expected a proxy: nginx, haproxy, satellite or command \"...\", or none"},
		{"run a sps 1 runtime 1s\ngraph g pie a\n", "t.plan:2:9: expected a graph kind: "
		 "memory, memory_panels, tracer_cpu, dropped, ramp or cost"},
		{"run a sps 1 runtime 1s\ngraph g memory b\n",
		 "t.plan:2:16: expected the name of a run above, not 'b'"},
		{"run a sps 1 runtime 1s\ngraph g memory a\ngraph g memory a\n",
		 "t.plan:3:7: expected a new graph name"},
		{"run a sps 1 runtime 1s\nrun b sps 1 runtime 1s\ngraph g tracer_cpu a, b\n",
		 "t.plan:3:9: expected two runs for tracer_cpu: a traced one, then an untraced"},
		{"run a sps [1, 2] runtime 1s\nrun b sps 1 runtime 1s notrace\ngraph g tracer_cpu a, b\n",
		 "t.plan:3:9: expected 'a' and 'b' to sweep the same sps values"},
		{"run a sps 1 runtime 1s\ngraph g memory a title\n", "t.plan:2:23: expected the graph's title"},
		{"on_failure retry\nrun a sps 1 runtime 1s\n", "t.plan:1:12: expected continue or stop"},
		{"sampler local name a\nsampler local name a\nrun a sps 1 runtime 1s\n",
		 "t.plan:2:20: expected a new sampler name"},
		{"sampler \"tcp://h:1\" name e\nrun a sps 1 runtime 1s clients 2 on w\n",
		 "t.plan:2:37: expected the name of a sampler above, got 'w'"},
		{"sampler remote\nrun a sps 1 runtime 1s\n",
		 "t.plan:1:9: expected local, or the sampler agent's URL"},
		{"run a sps 1 runtime 1s clients 0\n", "t.plan:1:32: expected a number of clients from 1 to 128"},
		{"run a sps 1 runtime 1s clients 129\n", "t.plan:1:32: expected a number of clients from 1 to 128"},
		{"run a sps 1 runtime 1s clients c\n", "t.plan:1:33: expected how many of the client: x1 to x128"},
		{"run a sps 1 runtime 1s clients c x0\n", "t.plan:1:34: expected how many of the client"},
		{"run a sps 1 runtime 1s clients c x8 js x8,\n", "t.plan:1:37: expected a run setting"},
		{"run a sps 1 runtime 1s clients c x100, d x29\n",
		 "t.plan:1:5: expected at most 128 clients in run 'a', not 129"},
		{"run a sps 1 runtime 1s client c clients d x2\n",
		 "t.plan:1:5: expected run 'a' to name its clients once"},
		{"run a sps 1 runtime 1s clients 2\nassert a.client.host_cpu < 1\n",
		 "t.plan:2:17: expected a field each client has: host_cpu is the run's"},
		{"run a sps 1 runtime 1s clients 2\nassert a.client.x < 1\n",
		 "t.plan:2:17: expected a field: "},
		{"run a sps 1 runtime 1s clients 2\nassert a.client < 1\n",
		 "t.plan:2:17: expected '.' and a field after 'client', got '<'"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		orc_plan *p = NULL;
		char err[512] = "";
		cr_assert_eq(orc_plan_parse("t.plan", cases[i].text, &p, err, sizeof(err)), TB_EINVAL,
			     "case %zu parsed", i);
		cr_assert_null(p);
		cr_assert(strstr(err, cases[i].want) != NULL, "case %zu: got \"%s\"\n want \"%s\"", i,
			  err, cases[i].want);
	}
}

/* A ramp: its rates, conditions and refinements as written, its steps counted, and
 * every way to get it wrong named. */
Test(plan, ramps_parse_count_their_steps_and_refuse_what_they_cannot_do)
{
	orc_plan *p;
	char err[512];
	const char *text = "ramp up from 1000 to 8000 factor 2 until dropped > 1% or cpu > 0.9 "
			   "refine 3 runtime 5s client js\n"
			   "graph g ramp up\nassert up.breaking_point > 3000\n";
	cr_assert_eq(orc_plan_parse("t.plan", text, &p, err, sizeof(err)), TB_OK, "%s", err);
	const orc_plan_run *r = &p->runs[0];
	cr_assert(r->ramp.on);
	cr_assert_float_eq(r->ramp.from, 1000, 1e-9);
	cr_assert_float_eq(r->ramp.to, 8000, 1e-9);
	cr_assert_float_eq(r->ramp.factor, 2, 1e-9);
	cr_assert_eq(r->ramp.nconds, 2);
	cr_assert_eq(r->ramp.conds[0].what, ORC_RAMP_DROPPED);
	cr_assert_float_eq(r->ramp.conds[0].limit, 1, 1e-9);
	cr_assert_str_eq(r->ramp.conds[1].text, "cpu > 0.9");
	cr_assert_eq(r->ramp.refine, 3);
	cr_assert_str_eq(r->client, "js");
	cr_assert_eq(orc_plan_run_steps(r), 4 + 3, "1000, 2000, 4000, 8000 and 3 bisections");
	cr_assert_eq(p->graphs[0].kind, ORC_GRAPH_RAMP);
	orc_plan_free(p);

	static const struct {
		const char *text, *want;
	} bad[] = {
		{"ramp r to 10 factor 2 until cpu > 0.9 runtime 1s\n", "expected 'from'"},
		{"ramp r from 100 to 50 factor 2 until cpu > 0.9 runtime 1s\n",
		 "expected the highest rate above"},
		{"ramp r from 100 to 500 factor 1 until cpu > 0.9 runtime 1s\n",
		 "expected the factor from one rate to the next above 1"},
		{"ramp r from 100 to 500 factor 2 runtime 1s\n", "expected 'until'"},
		{"ramp r from 100 to 500 factor 2 until memory > 3 runtime 1s\n",
		 "expected a ramp condition: dropped > N%, cpu > X or tracer_cpu > X"},
		{"ramp r from 100 to 500 factor 2 until dropped > 1 runtime 1s\n",
		 "expected '%' after the dropped percentage"},
		{"ramp r from 100 to 500 factor 2 until dropped < 1% runtime 1s\n", "expected '>'"},
		{"ramp r from 100 to 500 factor 2 until cpu > 0.9 refine 11 runtime 1s\n",
		 "expected 0 to 10 bisections"},
		{"ramp r from 1 to 1e9 factor 1.01 until cpu > 0.9 runtime 1s\n",
		 "expected at most 64 runs"},
		{"ramp r from 100 to 800 factor 2 until tracer_cpu > 0.1 repeat 9 runtime 1s\n",
		 "expected at most 64 runs: raise the factor, narrow from..to or repeat less"},
		{"ramp r from 100 to 500 factor 2 until cpu > 0.9 sps 5 runtime 1s\n",
		 "expected a ramp without sps, warmup or alternate"},
		{"ramp r from 100 to 500 factor 2 until cpu > 0.9\n",
		 "expected the ramp 'r' to give a runtime"},
		{"run a sps 1 runtime 1s\ngraph g ramp a\n", "expected one ramp for a ramp graph"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(orc_plan_parse("t.plan", bad[i].text, &p, err, sizeof(err)), TB_EINVAL,
			     "accepted: %s", bad[i].text);
		cr_assert(strstr(err, bad[i].want) != NULL, "%s\n  got: %s", bad[i].text, err);
	}
}

Test(plan, unreadable_and_binary_files_are_named)
{
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_load("/no/such.plan", &p, err, sizeof(err)), TB_ENOENT);
	cr_assert(strstr(err, "/no/such.plan") != NULL, "%s", err);
}

/* ---- judging assertions over results ---- */


static bool judge_text(const char *assertion, const orc_named_results *runs, size_t n,
		       bool *pass, char *values, size_t len)
{
	char text[512];
	snprintf(text, sizeof(text), "run a sps 1 runtime 1s\nrun b sps 1 runtime 1s\nassert %s\n",
		 assertion);
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_parse("j.plan", text, &p, err, sizeof(err)), TB_OK, "%s", err);
	bool ok = orc_judge(&p->asserts[0], runs, n, pass, values, len);
	orc_plan_free(p);
	return ok;
}

Test(judge, lists_reducers_and_every_element_semantics)
{
	double mem_a[] = {100, 150, 180}, cpu_a[] = {0.5, 0.7, 0.6};
	orc_result a[2], b[1];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	a[0].dropped_spans = 0;
	a[1].dropped_spans = 3;
	a[0].cpu_usage = 0.60;
	a[1].cpu_usage = 0.70;
	a[1].memory_list = (orc_list){mem_a, 3};
	a[1].cpu_list = (orc_list){cpu_a, 3};
	b[0].cpu_usage = 0.62;
	orc_named_results runs[] = {{"a", a, 2}, {"b", b, 1}};
	bool pass;
	char v[512];
	cr_assert(judge_text("a.dropped_spans == 0", runs, 2, &pass, v, sizeof(v)));
	cr_assert(!pass, "one of two runs dropped: %s", v);
	cr_assert(strstr(v, "left = [0, 3]") != NULL, "%s", v);
	cr_assert(judge_text("max(a.dropped_spans) <= 3", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("last(a.memory_list) / first(a.memory_list) < 2", runs, 2, &pass, v, sizeof(v)));
	cr_assert(pass, "%s", v);
	cr_assert(judge_text("last(a.memory_list) / first(a.memory_list) < 1.5", runs, 2, &pass, v, sizeof(v)));
	cr_assert(!pass, "180/100 is not < 1.5: %s", v);
	cr_assert(judge_text("abs(mean(a.cpu_usage) - mean(b.cpu_usage)) * 100 < 10", runs, 2, &pass,
			     v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("count(a.memory_list) == 3", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("a.cpu_list * 2 > 0.9", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("sum(a.dropped_spans) + -1 == 2", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	/* Spread: median, percentiles, standard deviation, coefficient of variation. */
	cr_assert(judge_text("median(a.memory_list) == 150", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("p(0, a.memory_list) == 100", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("p(100, a.memory_list) == 180", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("p(75, a.memory_list) == 165", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("abs(stddev(a.memory_list) - 40.4145) < 0.001", runs, 2, &pass, v,
			     sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("abs(cv(a.memory_list) - 40.4145 / 143.333) < 0.001", runs, 2, &pass, v,
			     sizeof(v)) && pass, "%s", v);
	cr_assert(judge_text("stddev(b.cpu_usage) == 0", runs, 2, &pass, v, sizeof(v)) && pass, "%s", v);
	cr_assert(!judge_text("cv(a.dropped_spans - a.dropped_spans) < 1", runs, 2, &pass, v, sizeof(v)));
	cr_assert(strstr(v, "cv() of a list whose mean is 0") != NULL, "%s", v);
	/* What cannot be evaluated says why. */
	cr_assert(!judge_text("a.dropped_spans / 0 < 1", runs, 2, &pass, v, sizeof(v)));
	cr_assert(strstr(v, "division by zero") != NULL, "%s", v);
	cr_assert(!judge_text("b.memory_list == 0", runs, 2, &pass, v, sizeof(v)));
	cr_assert(strstr(v, "no values") != NULL, "%s", v);
	cr_assert(!judge_text("a.dropped_spans == 0", runs, 1 - 1, &pass, v, sizeof(v)));
	cr_assert(strstr(v, "run 'a' has no results") != NULL, "%s", v);
	cr_assert(!judge_text("a.dropped_spans + a.memory_list > 0", runs, 2, &pass, v, sizeof(v)));
	cr_assert(strstr(v, "lists of 2 and 3 values") != NULL, "%s", v);
}

/* A run's clients: `clients N` copies the run's client, `clients A xN, B xM` mixes, and
 * total_sps shares the rate. */
Test(plan, clients_and_total_sps_parse)
{
	orc_plan *p = NULL;
	char err[512] = "";
	const char *text = "client c\n"
			   "run one sps 100 runtime 1s\n"
			   "run copies sps 100 runtime 1s clients 16\n"
			   "run mixed total_sps [800, 1600] runtime 1s clients c x8, js-otel x8\n"
			   "ramp up from 100 to 400 factor 2 until dropped > 1% runtime 1s clients 4\n"
			   "assert max(copies.client.peak_rss_bytes) < 100 * 1048576\n";
	cr_assert_eq(orc_plan_parse("t.plan", text, &p, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(orc_plan_run_clients(&p->runs[0]), 1);
	cr_assert_eq(p->runs[1].nmix, 1);
	cr_assert_str_eq(p->runs[1].mix[0].client, "");
	cr_assert_eq(orc_plan_run_clients(&p->runs[1]), 16);
	cr_assert(!p->runs[1].total_sps);
	cr_assert_eq(p->runs[2].nmix, 2);
	cr_assert_str_eq(p->runs[2].mix[1].client, "js-otel");
	cr_assert_eq(p->runs[2].mix[1].count, 8);
	cr_assert(p->runs[2].total_sps);
	cr_assert_eq(p->runs[2].nsps, 2);
	cr_assert_eq(orc_plan_run_clients(&p->runs[3]), 4);
	cr_assert(p->asserts[0].lhs->a->per_client);
	orc_plan_free(p);

	text = "client c\n"
	       "sampler \"tls+tcp://10.0.0.2:7100\" name east\n"
	       "sampler \"tls+tcp://10.0.0.3:7100\" name west\n"
	       "sampler local\n"
	       "run placed sps 100 runtime 1s clients c x2 on east, c x2 on west, c x1\n"
	       "run spread sps 100 runtime 1s clients 6 on west\n";
	cr_assert_eq(orc_plan_parse("t.plan", text, &p, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(p->nsamplers, 3);
	cr_assert_str_eq(p->samplers[1].name, "west");
	cr_assert_str_eq(p->samplers[2].url, "", "local: one started here");
	cr_assert_eq(p->runs[0].mix[0].sampler, 0);
	cr_assert_eq(p->runs[0].mix[1].sampler, 1);
	cr_assert_eq(p->runs[0].mix[2].sampler, -1, "no `on`: round-robin");
	cr_assert_eq(p->runs[1].mix[0].sampler, 1);
	orc_plan_free(p);
}

/* significant(A > B) holds only when a one-sided Mann-Whitney test rejects equality at
 * 5%; too few repeats to ever show it are an error, and only < or > may be asked. */
Test(judge, significant_asks_a_rank_test_and_needs_enough_repeats)
{
	orc_result a[4], b[4];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	for (int i = 0; i < 4; i++) {
		a[i].cpu_usage = 0.50 + 0.01 * i;
		b[i].cpu_usage = 0.40 + 0.01 * i;
	}
	orc_named_results runs[] = {{"a", a, 4}, {"b", b, 4}};
	orc_plan *p;
	char err[512], values[512];
	bool pass;
	cr_assert_eq(orc_plan_parse("s.plan", "run a sps 1 runtime 1s repeat 4\n"
				    "run b sps 1 runtime 1s repeat 4\n"
				    "assert significant(a.cpu_usage > b.cpu_usage)\n"
				    "assert significant(a.cpu_usage < b.cpu_usage)\n", &p, err,
				    sizeof(err)), TB_OK, "%s", err);
	cr_assert(p->asserts[0].significant);
	cr_assert_str_eq(p->asserts[0].text, "significant(a.cpu_usage > b.cpu_usage)");
	cr_assert(orc_judge(&p->asserts[0], runs, 2, &pass, values, sizeof(values)), "%s", values);
	cr_assert(pass, "%s", values);
	cr_assert(strstr(values, "one-sided p = 0.0143, Mann-Whitney U = 16 of 16 (exact)") != NULL,
		  "%s", values);
	cr_assert(orc_judge(&p->asserts[1], runs, 2, &pass, values, sizeof(values)));
	cr_assert(!pass, "%s", values);
	/* Overlapping values: not significant, so FAIL, not PASS. */
	b[3].cpu_usage = 0.505;
	b[2].cpu_usage = 0.515;
	cr_assert(orc_judge(&p->asserts[0], runs, 2, &pass, values, sizeof(values)));
	cr_assert(!pass, "%s", values);
	/* 3 and 2 can never get to p = 0.05: one split of C(5, 2) = 10 is 0.1. */
	runs[0].n = 3;
	runs[1].n = 2;
	cr_assert(!orc_judge(&p->asserts[0], runs, 2, &pass, values, sizeof(values)));
	cr_assert(strstr(values, "3 and 2 values can never be significant at 0.05: the smallest p "
				 "they can give is 0.1") != NULL, "%s", values);
	orc_plan_free(p);
	static const char *const bad[][2] = {
		{"assert significant(a.cpu_usage == b.cpu_usage)\n",
		 "b.plan:3:32: expected < or > in significant(A < B)"},
		{"assert significant(a.cpu_usage > b.cpu_usage\n", "b.plan:3:45: expected ) to end significant(, got the end of the line"},
		{"assert significant a.cpu_usage > 1\n", "b.plan:3:20: expected ( after significant"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text), "run a sps 1 runtime 1s\nrun b sps 1 runtime 1s\n%s",
			 bad[i][0]);
		cr_assert_eq(orc_plan_parse("b.plan", text, &p, err, sizeof(err)), TB_EINVAL, "%s",
			     bad[i][0]);
		cr_assert(strstr(err, bad[i][1]) != NULL, "%s", err);
	}
}

/* quiet_host: an assertion over a run whose host had more than that many cores of other
 * work is an error with the figure; one over quieter runs is judged. */
Test(judge, a_run_on_a_busy_host_is_too_noisy_to_judge)
{
	orc_result a[2], b[1];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	a[0].host_other_cpu = 0.02;
	a[1].host_other_cpu = 0.35;
	b[0].host_other_cpu = 0.05;
	orc_named_results runs[] = {{"a", a, 2}, {"b", b, 1}};
	orc_plan *p;
	char err[512], why[512];
	cr_assert_eq(orc_plan_parse("n.plan", "quiet_host 0.10\nrun a sps 1 runtime 1s\n"
				    "run b sps 1 runtime 1s\nassert mean(a.cpu_usage) < 1\n"
				    "assert b.cpu_usage < 1\n", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_float_eq(p->quiet_host, 0.10, 1e-12);
	cr_assert(orc_judge_noisy(&p->asserts[0], runs, 2, 0, p->quiet_host, why, sizeof(why)));
	cr_assert(strstr(why, "host too busy to judge: during a's run 2 of 2, other work used "
			      "0.35 cores of the client's host (quiet_host 0.10)") != NULL, "%s", why);
	cr_assert(!orc_judge_noisy(&p->asserts[1], runs, 2, 0, p->quiet_host, why, sizeof(why)));
	cr_assert(!orc_judge_noisy(&p->asserts[0], runs, 2, 0, 0.5, why, sizeof(why)));
	orc_plan_free(p);
	cr_assert_eq(orc_plan_parse("n.plan", "quiet_host 0\n", &p, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "n.plan:1:12: expected a number of cores above 0") != NULL, "%s",
		  err);
}

/* max_cv: an assertion over repeats that vary more than the plan allows is too noisy to
 * judge; one over a run performed once, or a per-sample list, is not. */
Test(judge, repeats_noisier_than_max_cv_are_too_noisy_to_judge)
{
	orc_result a[2], b[1];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	a[0].cpu_usage = 0.60;
	a[1].cpu_usage = 0.70;
	a[0].spans_sent = a[1].spans_sent = 1000;
	b[0].cpu_usage = 0.62;
	orc_named_results runs[] = {{"a", a, 2}, {"b", b, 1}};
	orc_plan *p;
	char err[512], why[512];
	cr_assert_eq(orc_plan_parse("n.plan", "max_cv 0.05\nrun a sps 1 runtime 1s\n"
				    "run b sps 1 runtime 1s\nassert mean(a.cpu_usage) < 1\n"
				    "assert b.cpu_usage < 1\nassert a.spans_sent == 1000\n"
				    "assert max(a.memory_list) >= 0\n", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_float_eq(p->max_cv, 0.05, 1e-12);
	/* stddev 0.0707 / mean 0.65 = 10.9% */
	cr_assert(orc_judge_noisy(&p->asserts[0], runs, 2, p->max_cv, 0, why, sizeof(why)));
	cr_assert(strstr(why, "too noisy to judge: a.cpu_usage varies by 10.9% over 2 repeats "
			      "(max_cv 5.0%)") != NULL, "%s", why);
	cr_assert(!orc_judge_noisy(&p->asserts[1], runs, 2, p->max_cv, 0, why, sizeof(why)));
	cr_assert(!orc_judge_noisy(&p->asserts[2], runs, 2, p->max_cv, 0, why, sizeof(why)));
	cr_assert(!orc_judge_noisy(&p->asserts[3], runs, 2, p->max_cv, 0, why, sizeof(why)));
	cr_assert(!orc_judge_noisy(&p->asserts[0], runs, 2, 0.2, 0, why, sizeof(why)));
	orc_plan_free(p);
	cr_assert_eq(orc_plan_parse("n.plan", "max_cv 0\nrun a sps 1 runtime 1s\n", &p, err,
				    sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "n.plan:1:8: expected a coefficient of variation above 0") != NULL,
		  "%s", err);
}

Test(plan, alternating_runs_repeat_alike_and_warm_ups_leave_a_round)
{
	orc_plan *p;
	char err[2048];
	cr_assert_eq(orc_plan_parse("a.plan", "run a sps 1 runtime 1s repeat 3 alternate warmup 1\n"
				    "run b sps 1 runtime 1s repeat 3 warmup 1 alternate notrace\n",
				    &p, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert(p->runs[0].alternate && p->runs[1].alternate);
	cr_assert_eq(p->runs[1].warmup, 1);
	orc_plan_free(p);
	cr_assert_eq(orc_plan_parse("a.plan", "run a sps 1 runtime 1s repeat 3 alternate\n"
				    "run b sps 1 runtime 1s repeat 2 alternate\n", &p, err,
				    sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "a.plan:2:5: expected 'b' to repeat and warm up as often as 'a'")
		  != NULL, "%s", err);
	cr_assert_eq(orc_plan_parse("a.plan", "run a sps 1 runtime 1s repeat 2 warmup 2\n", &p, err,
				    sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "expected fewer warm-up rounds (2) than repeats (2)") != NULL, "%s",
		  err);
}

Test(plan, p_takes_a_percentile_from_0_to_100_then_a_list)
{
	orc_plan *p;
	char err[2048];
	cr_assert_eq(orc_plan_parse("q.plan", "run a sps 1 runtime 1s\nassert p(101, a.cpu_list) < 1\n",
				    &p, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "q.plan:2:10: expected a percentile from 0 to 100, got '101'") != NULL,
		  "%s", err);
	cr_assert_eq(orc_plan_parse("q.plan", "run a sps 1 runtime 1s\nassert p(90 a.cpu_list) < 1\n",
				    &p, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "expected ',' and a list after p's percentile") != NULL, "%s", err);
	cr_assert_eq(orc_plan_parse("q.plan", "run a sps 1 runtime 1s\nassert mode(a.cpu_list) < 1\n",
				    &p, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "expected a function: last, first, mean, min, max, sum, count, abs, "
			      "median, stddev, cv or p") != NULL, "%s", err);
	cr_assert_eq(orc_plan_parse("q.plan", "run a sps 1 runtime 1s\nassert p(99.5, a.cpu_list) < 1\n",
				    &p, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(p->asserts[0].lhs->fn, ORC_FN_P);
	cr_assert_float_eq(p->asserts[0].lhs->number, 99.5, 1e-12);
	orc_plan_free(p);
}

/* budget_verdict parses text, chooses its budgets for client with the overrides, and
 * judges its one assertion over run a, whose cpu_usage is 0.20. */
static bool budget_verdict(const char *text, const char *client, const char *const *over,
			   size_t nover, char *err, size_t errlen)
{
	orc_plan *p;
	cr_assert_eq(orc_plan_parse("b.plan", text, &p, err, errlen), TB_OK, "%s", err);
	cr_assert_eq(orc_budget_choose(p, client, over, nover, err, errlen), TB_OK, "%s", err);
	orc_result a = {.cpu_usage = 0.20};
	orc_named_results runs[] = {{"a", &a, 1}};
	bool pass = false;
	char values[256];
	cr_assert(orc_judge(&p->asserts[0], runs, 1, &pass, values, sizeof(values)), "%s", values);
	orc_budget_describe(&p->budgets[0], client, err, errlen);
	orc_plan_free(p);
	return pass;
}

Test(budget, each_client_is_gated_on_its_own_budget_and_the_command_line_wins)
{
	const char *text = "budget tracer_cpu 0.10\n"
			   "budget tracer_cpu 0.25 for js-lightstep\n"
			   "run a sps 1 runtime 1s\n"
			   "assert a.cpu_usage < tracer_cpu\n";
	char err[512];
	cr_assert_not(budget_verdict(text, "c", NULL, 0, err, sizeof(err)));
	cr_assert_str_eq(err, "tracer_cpu = 0.1 (the plan's for every client)");
	cr_assert(budget_verdict(text, "js-lightstep", NULL, 0, err, sizeof(err)));
	cr_assert_str_eq(err, "tracer_cpu = 0.25 (the plan's for js-lightstep)");
	const char *over[] = {"tracer_cpu=0.3"};
	cr_assert(budget_verdict(text, "c", over, 1, err, sizeof(err)));
	cr_assert_str_eq(err, "tracer_cpu = 0.3 (--budget)");
	const char *tighter[] = {"tracer_cpu=0.15"};
	cr_assert_not(budget_verdict(text, "js-lightstep", tighter, 1, err, sizeof(err)));
}

Test(budget, bad_budgets_are_named)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"budget x 0.1 for c\nrun a sps 1 runtime 1s\n",
		 "b.plan:1:8: expected `budget x VALUE` for every client before a client's own"},
		{"budget x 0.1\nbudget x 0.2\nrun a sps 1 runtime 1s\n",
		 "b.plan:2:8: expected a new budget name: x is on line 1"},
		{"budget x 0.1\nbudget x 0.2 for c\nbudget x 0.3 for c\nrun a sps 1 runtime 1s\n",
		 "b.plan:3:18: expected a client without a budget x yet: c has one on line 2"},
		{"budget x\nrun a sps 1 runtime 1s\n", "b.plan:1:9: expected the budget's value"},
		{"budget mean 1\nrun a sps 1 runtime 1s\n",
		 "b.plan:1:8: expected a budget name that is not a run's or a function's"},
		{"budget x 1\nrun x sps 1 runtime 1s\n", "b.plan:2:5: expected a new run name ('x' is a budget above)"},
		{"run a sps 1 runtime 1s\nassert a.cpu_usage < y\n",
		 "b.plan:2:23: expected '.' and a field after the run name 'y'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		orc_plan *p;
		char err[512];
		cr_assert_eq(orc_plan_parse("b.plan", bad[i].text, &p, err, sizeof(err)), TB_EINVAL,
			     "case %zu", i);
		cr_assert(strstr(err, bad[i].want) != NULL, "case %zu: got \"%s\"\n want \"%s\"", i,
			  err, bad[i].want);
	}
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_parse("b.plan", "budget x 1\nrun a sps 1 runtime 1s\n", &p, err,
				    sizeof(err)), TB_OK, "%s", err);
	const char *unknown[] = {"y=2"}, *malformed[] = {"x=two"};
	cr_assert_eq(orc_budget_choose(p, "c", unknown, 1, err, sizeof(err)), TB_EINVAL);
	cr_assert_str_eq(err, "--budget y=2: b.plan has no budget y");
	cr_assert_eq(orc_budget_choose(p, "c", malformed, 1, err, sizeof(err)), TB_EINVAL);
	cr_assert_str_eq(err, "--budget x=two: expected NAME=VALUE, VALUE a number");
	orc_plan_free(p);
}

Test(budget, a_ramp_stops_at_the_budget_chosen_for_the_client)
{
	orc_plan *p;
	char err[512];
	cr_assert_eq(orc_plan_parse("b.plan", "budget lim 0.1\nbudget lim 0.3 for js\n"
				    "ramp r from 100 to 400 factor 2 until tracer_cpu > lim or "
				    "dropped > 1% runtime 1s\n", &p, err, sizeof(err)), TB_OK, "%s",
		     err);
	cr_assert(orc_ramp_paired(&p->runs[0].ramp));
	/* Each rate and its untraced twin. */
	cr_assert_eq(orc_plan_run_steps(&p->runs[0]), 6);
	orc_plan_free(p);
	cr_assert_eq(orc_plan_parse("b.plan", "budget lim 0.1\nbudget lim 0.3 for js\n"
				    "ramp r from 100 to 400 factor 2 until tracer_cpu > lim or "
				    "dropped > 1% repeat 2 runtime 1s\n", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_eq(orc_plan_run_steps(&p->runs[0]), 12, "3 rates x 2 rounds x a pair");
	cr_assert_str_eq(p->runs[0].ramp.conds[0].text, "tracer_cpu > 0.1 (lim)");
	cr_assert_eq(orc_budget_choose(p, "js", NULL, 0, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_float_eq(p->runs[0].ramp.conds[0].limit, 0.3, 1e-12);
	cr_assert_str_eq(p->runs[0].ramp.conds[0].text, "tracer_cpu > 0.3 (lim)");
	cr_assert_str_eq(p->runs[0].ramp.conds[1].text, "dropped > 1%");
	orc_plan_free(p);
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"ramp r from 100 to 400 factor 2 until tracer_cpu > lim runtime 1s\n",
		 "b.plan:1:52: expected a CPU share such as 0.10, or a budget defined above"},
		{"ramp r from 100 to 400 factor 2 until tracer_cpu > 0.1 runtime 1s notrace\n",
		 "b.plan:1:56: expected a traced ramp: tracer_cpu compares it with an untraced twin"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(orc_plan_parse("b.plan", bad[i].text, &p, err, sizeof(err)), TB_EINVAL);
		cr_assert(strstr(err, bad[i].want) != NULL, "case %zu: got \"%s\"", i, err);
	}
}
