/* SPDX-License-Identifier: MIT */
/* doors_test.c - every capability of a plan is reachable from `orchestrator run` and from
 * include/tracebench.h. The grammar's tables give each keyword its doors
 * (orc_plan_doors); this test holds them to it: each keyword has one, each option it
 * names is in `orchestrator --help`, each API name it gives exists in tracebench.h (the
 * list below compiles only while it does). */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "libtracebench/plan/plan.h"
#include "tracebench.h"

/* The API names a door may give, each checked by the compiler. */
#define FIELD(s, m) {#s "." #m, sizeof(((s *)0)->m) > 0}
#define CALL(f) {#f, sizeof(&(f)) > 0}
static const struct api_name {
	const char *name;
	bool exists;
} api_names[] = {
	FIELD(tb_benchmark_params, trace), FIELD(tb_benchmark_params, spans_per_second),
	FIELD(tb_benchmark_params, runtime_s), FIELD(tb_benchmark_params, no_timeout),
	FIELD(tb_benchmark_params, protocol), FIELD(tb_benchmark_params, no_flush),
	FIELD(tb_benchmark_params, sleep_interval_ns), FIELD(tb_benchmark_params, clients),
	FIELD(tb_benchmark_params, mix), FIELD(tb_benchmark_params, total_sps),
	FIELD(tb_benchmark_params, proxy),
	FIELD(tb_benchmark_params, events), FIELD(tb_controller_opts, sample_period_ns),
	FIELD(tb_controller_opts, target_cpu), FIELD(tb_controller_opts, sampler_url),
	FIELD(tb_controller_opts, tls_cert), FIELD(tb_controller_opts, tls_key),
	FIELD(tb_controller_opts, tls_ca), FIELD(tb_plan_opts, budgets),
	CALL(tb_controller_open), CALL(tb_controller_set_calibration), CALL(tb_benchmark),
	CALL(tb_satellites_open), CALL(tb_satellites_open_ports), CALL(tb_satellites_attach),
	CALL(tb_result_number), CALL(tb_result_list), CALL(tb_results_report),
	CALL(tb_plan_run),
};

static bool api_exists(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(api_names) / sizeof(api_names[0]); i++)
		if (strlen(api_names[i].name) == len && strncmp(api_names[i].name, name, len) == 0)
			return api_names[i].exists;
	return false;
}

static orc_plan_door doors[128];
static size_t ndoors;
static char help[32768];

static void setup(void)
{
	ndoors = orc_plan_doors(doors, sizeof(doors) / sizeof(doors[0]));
	FILE *p = popen(ORCHESTRATOR_BIN " --help", "r");
	cr_assert_not_null(p);
	size_t n = fread(help, 1, sizeof(help) - 1, p);
	help[n] = '\0';
	cr_assert_eq(pclose(p), 0);
}

TestSuite(doors, .init = setup);

/* in_help: option (such as "--at") is in the help as a word of its own. */
static bool in_help(const char *opt, size_t len)
{
	for (const char *h = strstr(help, "--"); h != NULL; h = strstr(h + 1, "--"))
		if (strncmp(h, opt, len) == 0 && strchr(" ,\n[]=|", h[len]) != NULL)
			return true;
	return false;
}

Test(doors, the_grammar_lists_every_table)
{
	size_t tables[3] = {0};
	for (size_t i = 0; i < ndoors; i++)
		tables[strcmp(doors[i].table, "statement") == 0 ? 0
		       : strcmp(doors[i].table, "run setting") == 0 ? 1 : 2]++;
	cr_assert_geq(tables[0], 14, "statements: %zu", tables[0]);
	cr_assert_geq(tables[1], 15, "run settings: %zu", tables[1]);
	cr_assert_geq(tables[2], 7, "events: %zu", tables[2]);
}

Test(doors, every_plan_keyword_has_a_run_option_or_an_api_name)
{
	for (size_t i = 0; i < ndoors; i++)
		cr_expect(doors[i].flags != NULL || doors[i].api != NULL,
			  "the %s '%s' has no `orchestrator run` option and no API field",
			  doors[i].table, doors[i].keyword);
}

/* Run settings and events are what one benchmark does: each has its option. */
Test(doors, every_run_setting_and_event_has_a_run_option)
{
	for (size_t i = 0; i < ndoors; i++)
		if (strcmp(doors[i].table, "statement") != 0)
			cr_expect(doors[i].flags != NULL, "the %s '%s' has no `orchestrator run` "
				  "option", doors[i].table, doors[i].keyword);
}

Test(doors, every_option_a_keyword_names_is_in_the_help)
{
	for (size_t i = 0; i < ndoors; i++) {
		for (const char *f = doors[i].flags; f != NULL && *f != '\0';) {
			size_t len = strcspn(f, " ");
			cr_expect(in_help(f, len), "the %s '%s' names %.*s, which orchestrator --help "
				  "does not have", doors[i].table, doors[i].keyword, (int)len, f);
			f += len + (f[len] == ' ');
		}
	}
}

Test(doors, every_api_name_a_keyword_names_is_in_tracebench_h)
{
	for (size_t i = 0; i < ndoors; i++) {
		for (const char *a = doors[i].api; a != NULL && *a != '\0';) {
			size_t len = strcspn(a, " ");
			cr_expect(api_exists(a, len), "the %s '%s' names %.*s, which tracebench.h "
				  "does not have", doors[i].table, doors[i].keyword, (int)len, a);
			a += len + (a[len] == ' ');
		}
	}
}

Test(doors, an_event_option_is_read_as_a_plan_reads_the_event)
{
	orc_event ev;
	char err[512];
	cr_assert_eq(orc_event_parse("3s:errors 0.3 retry_after 2s", &ev, err, sizeof(err)),
		     TB_OK, "%s", err);
	cr_assert_eq(ev.kind, ORC_EV_ERRORS);
	cr_assert_float_eq(ev.at_s, 3, 1e-9);
	cr_assert_float_eq(ev.probability, 0.3, 1e-9);
	cr_assert_float_eq(ev.retry_after_s, 2, 1e-9);
	cr_assert_eq(ev.group, -1);
	cr_assert_eq(orc_event_parse("500ms:down", &ev, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(ev.kind, ORC_EV_SATELLITES_DOWN);
	cr_assert_float_eq(ev.at_s, 0.5, 1e-9);

	static const char *const bad[][2] = {
		{"5s:dwn", "expected down, up, mode"},
		{"down", "expected TIME:EVENT"},
		{"5s:down now", "expected the end of the line, got 'now'"},
		{"x:down", "expected the event's time"},
		{"5s:errors 2", "got '2'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(orc_event_parse(bad[i][0], &ev, err, sizeof(err)), TB_EINVAL, "%s",
			     bad[i][0]);
		cr_expect(strstr(err, bad[i][0]) != NULL && strstr(err, bad[i][1]) != NULL,
			  "%s: %s", bad[i][0], err);
	}
}

Test(doors, a_client_mix_is_read_as_a_plan_reads_it)
{
	orc_plan_mix mix[ORC_PLAN_MAX_MIX];
	size_t n = 0;
	char err[512];
	cr_assert_eq(orc_mix_parse("c x2, js-otel x3", mix, &n, err, sizeof(err)), TB_OK, "%s",
		     err);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(mix[0].client, "c");
	cr_assert_eq(mix[0].count, 2);
	cr_assert_str_eq(mix[1].client, "js-otel");
	cr_assert_eq(mix[1].count, 3);
	cr_assert_eq(orc_mix_parse("4", mix, &n, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(n, 1);
	cr_assert_eq(mix[0].count, 4);
	cr_assert_str_eq(mix[0].client, "");
	cr_assert_eq(orc_mix_parse("c x0", mix, &n, err, sizeof(err)), TB_EINVAL);
	cr_assert(strstr(err, "x1 to x128") != NULL, "%s", err);
	cr_assert_eq(orc_mix_parse("c x2,", mix, &n, err, sizeof(err)), TB_EINVAL);
}
