/* SPDX-License-Identifier: MIT */
/* result_test.c - the Result's one table of fields: every row complete and every name
 * unique, JSON both ways, a run's figures made from its clients', every assertable field
 * named by a plan, and results written under the fields' old names still read. */
#include <criterion/criterion.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>

#include "common/error.h"
#include "libtracebench/plan/plan.h"
#include "libtracebench/results/result.h"
#include "libtracebench/stats/judge.h"
#include "testutil.h"

/* ---- the Result's field table ---- */

Test(result_fields, every_row_is_complete_and_names_are_unique)
{
	size_t n;
	const orc_field *f = orc_result_fields(&n);
	cr_assert_gt(n, 30);
	for (size_t i = 0; i < n; i++) {
		cr_assert(f[i].name != NULL && f[i].doc != NULL && f[i].doc[0] != '\0', "%s",
			  f[i].member);
		cr_assert(f[i].per == ORC_PER_RUN || f[i].type == ORC_FT_LIST, "%s", f[i].member);
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(f[i].name, f[k].name);
		/* An old name never shadows a field's own. */
		cr_assert_null(orc_result_field_renamed(f[i].name, strlen(f[i].name), ORC_OLD_IN_PLAN),
			       "%s", f[i].name);
		cr_assert_null(orc_result_field_renamed(f[i].name, strlen(f[i].name), ORC_OLD_IN_JSONL),
			       "%s", f[i].name);
	}
}

Test(result_fields, json_round_trips_every_field)
{
	orc_result a = {0}, b;
	double cpu[] = {0.5, 0.25}, mem[] = {1e6, 2e6, 3e6};
	snprintf(a.client, sizeof(a.client), "c");
	snprintf(a.plan_run, sizeof(a.plan_run), "ignored");
	snprintf(a.failure, sizeof(a.failure), "it \"broke\"");
	a.trace = a.failed = true;
	a.sps_asked = 300;
	a.spans_sent = 12345678901ull;
	a.client_dropped = (orc_optu64){true, 7};
	a.exit_code = -1;
	a.context_switches = 42;
	a.cpu_list = (orc_list){cpu, 2};
	a.memory_list = (orc_list){mem, 3};
	a.events.n = 1;
	a.events.v[0].at_s = 1.5;
	snprintf(a.events.v[0].what, sizeof(a.events.v[0].what), "satellites down");
	char *text = orc_result_to_json(&a);
	cr_assert_not_null(text);
	cJSON *o = cJSON_Parse(text);
	cr_assert_eq(orc_result_from_json(o, &b), TB_OK);
	cJSON_Delete(o);
	char *again = orc_result_to_json(&b);
	cr_assert_str_eq(text, again);
	cr_assert(strstr(text, "\"dropped_spans\":0") != NULL, "%s", text);
	cr_assert(strstr(text, "client_buffered") == NULL, "an untold count is left out: %s", text);
	cr_assert_eq(b.spans_sent, 12345678901ull);
	cr_assert(b.client_dropped.has && !b.client_buffered.has);
	cr_assert_eq(b.memory_list.n, 3);
	cr_assert_float_eq(b.memory_list.v[2], 3e6, 1e-6);
	cr_assert_str_eq(b.events.v[0].what, "satellites down");
	cr_assert_eq(b.exit_code, -1);
	free(text);
	free(again);
	orc_result_free(&b);
}

/* A run's figures from its clients': sums, maxima, all/any, the first set, lists
 * element by element; the run's own fields left alone. */
Test(result_fields, a_runs_figures_are_made_from_its_clients)
{
	orc_result cs[3] = {0}, r = {0};
	double l0[] = {1, 2, 3}, l1[] = {10, 20}, l2[] = {100};
	for (int k = 0; k < 3; k++) {
		cs[k].spans_sent = 100 * (uint64_t)(k + 1);
		cs[k].cpu_usage = 0.25;
		cs[k].peak_rss_bytes = 1000 * (uint64_t)(k == 1 ? 9 : 1);
		cs[k].clock_time = k;
		cs[k].client_result = true;
		snprintf(cs[k].client, sizeof(cs[k].client), "c%d", k);
	}
	cs[0].memory_list = (orc_list){l0, 3};
	cs[1].memory_list = (orc_list){l1, 2};
	cs[2].memory_list = (orc_list){l2, 1};
	cs[2].client_result = false;
	cs[1].exit_code = 3;
	cs[2].client_dropped = (orc_optu64){true, 5};
	r.host_cpu = 0.5;
	r.spans_received = 42; /* the satellites' total: not the clients' to make */
	cr_assert_eq(orc_result_aggregate(&r, cs, 3), TB_OK);
	cr_assert_eq(r.spans_sent, 600);
	cr_assert_float_eq(r.cpu_usage, 0.75, 1e-12);
	cr_assert_eq(r.peak_rss_bytes, 9000);
	cr_assert_float_eq(r.clock_time, 2, 1e-12);
	cr_assert(!r.client_result, "all clients' results, or not");
	cr_assert_eq(r.exit_code, 3);
	cr_assert_str_eq(r.client, "c0");
	cr_assert(r.client_dropped.has && r.client_dropped.v == 5);
	cr_assert_eq(r.spans_received, 42);
	cr_assert_float_eq(r.host_cpu, 0.5, 1e-12);
	cr_assert_eq(r.memory_list.n, 3);
	cr_assert_float_eq(r.memory_list.v[0], 111, 1e-9);
	cr_assert_float_eq(r.memory_list.v[1], 22, 1e-9);
	cr_assert_float_eq(r.memory_list.v[2], 3, 1e-9);
	free(r.memory_list.v);
	free(r.cpu_list.v);
}

/* A run of several clients keeps each one's figures beside its own in runs.jsonl, and
 * reads them back; RUN.client.FIELD lists them. */
Test(result_fields, per_client_results_round_trip_and_are_judged_by_client)
{
	orc_result r = {0}, back;
	r.client_count = 2;
	r.spans_sent = 30;
	r.host_cpu = 0.5;
	r.per_client = calloc(2, sizeof(orc_result));
	r.nper_client = 2;
	r.per_client[0].spans_sent = 10;
	r.per_client[1].spans_sent = 20;
	r.per_client[1].peak_rss_bytes = 77;
	char *text = orc_result_to_json(&r);
	cr_assert_not_null(text);
	cr_assert(strstr(text, "\"per_client\":[{") != NULL, "%s", text);
	cJSON *o = cJSON_Parse(text);
	cr_assert_eq(orc_result_from_json(o, &back), TB_OK);
	cJSON_Delete(o);
	cr_assert_eq(back.nper_client, 2);
	cr_assert_eq(back.per_client[1].spans_sent, 20);
	cr_assert_eq(back.per_client[1].peak_rss_bytes, 77);
	cr_assert_float_eq(back.per_client[0].host_cpu, 0, 1e-12, "a run's field is the run's");
	char *again = orc_result_to_json(&back);
	cr_assert_str_eq(text, again);
	free(text);
	free(again);

	orc_named_results runs[] = {{"a", &back, 1}};
	orc_plan *p = NULL;
	char err[512];
	const char *plan = "run a sps 1 runtime 1s clients 2\n"
			   "assert sum(a.client.spans_sent) == a.spans_sent\n"
			   "assert max(a.client.peak_rss_bytes) == 77\n"
			   "assert count(a.client.spans_sent) == 2\n"
			   "assert a.client.spans_sent >= 10\n";
	cr_assert_eq(orc_plan_parse("t.plan", plan, &p, err, sizeof(err)), TB_OK, "%s", err);
	for (size_t i = 0; i < p->nasserts; i++) {
		bool pass;
		char values[256];
		cr_assert(orc_judge(&p->asserts[i], runs, 1, &pass, values, sizeof(values)), "%s",
			  values);
		cr_assert(pass, "%s: %s", p->asserts[i].text, values);
	}
	orc_plan_free(p);
	orc_result_free(&back);
	orc_result_free(&r);
}

Test(result_fields, a_plan_names_any_assertable_field_and_lists_them_when_wrong)
{
	orc_plan *p;
	char err[2048];
	cr_assert_eq(orc_plan_parse("f.plan", "run a sps 1 runtime 1s\n"
				    "assert a.context_switches > 0\n", &p, err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_str_eq(p->asserts[0].lhs->fieldp->member, "context_switches");
	orc_plan_free(p);
	cr_assert_eq(orc_plan_parse("f.plan", "run a sps 1 runtime 1s\nassert a.lost_spans > 0\n",
				    &p, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "f.plan:2:10: expected a field (or client.FIELD): sps_asked, runtime,") != NULL, "%s",
		  err);
	cr_assert(strstr(err, ", context_switches, ") != NULL, "%s", err);
	cr_assert(strstr(err, " or elapsed, got 'lost_spans'") != NULL, "%s", err);
	/* A field that only informs is named as such too: not among the assertable. */
	cr_assert_eq(orc_plan_parse("f.plan", "run a sps 1 runtime 1s\nassert a.run_id > 0\n",
				    &p, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "got 'run_id'") != NULL, "%s", err);
}

Test(result_fields, a_plan_with_a_field_s_old_name_is_told_its_new_one)
{
	static const char *const old[][2] = {
		{"dropped", "dropped_spans"}, {"sent", "spans_sent"}, {"peak_rss", "peak_rss_bytes"},
		{"sps", "sps_achieved"}, {"memory", "memory_list"}, {"clients", "client_count"},
	};
	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
		orc_plan *p;
		char text[128], err[2048], want[160];
		snprintf(text, sizeof(text), "run a sps 1 runtime 1s\nassert sum(a.%s) >= 0\n",
			 old[i][0]);
		cr_assert_eq(orc_plan_parse("f.plan", text, &p, err, sizeof(err)), TB_EINVAL);
		snprintf(want, sizeof(want), "f.plan:2:14: expected a field ('%s' is now called '%s'), got '%s'",
			 old[i][0], old[i][1], old[i][0]);
		cr_assert(strstr(err, want) != NULL, "%s", err);
	}
}

Test(result_fields, results_written_with_the_old_rate_keys_read_as_asked_and_achieved)
{
	cJSON *o = cJSON_Parse("{\"sps\": 300, \"spans_per_second\": 287.5, \"spans_sent\": 9}");
	cr_assert_not_null(o);
	orc_result r;
	cr_assert_eq(orc_result_from_json(o, &r), TB_OK);
	cr_assert_float_eq(r.sps_asked, 300, 1e-12);
	cr_assert_float_eq(r.sps_achieved, 287.5, 1e-12);
	cr_assert_eq(r.spans_sent, 9);
	orc_result_free(&r);
	cJSON_Delete(o);
	/* The new key wins over an old one in the same object. */
	o = cJSON_Parse("{\"sps\": 300, \"sps_asked\": 400}");
	cr_assert_eq(orc_result_from_json(o, &r), TB_OK);
	cr_assert_float_eq(r.sps_asked, 400, 1e-12);
	orc_result_free(&r);
	cJSON_Delete(o);
}

