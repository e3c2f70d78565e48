/* SPDX-License-Identifier: MIT */
/* registry_test.c - clients.conf: entries load with their words, cwd and env; every
 * mistake is reported with file:line and what was expected. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/registry.h"

static char path[128];

static int load_text(const char *text, tb_registry **r, char *err, size_t errlen)
{
	snprintf(path, sizeof(path), "/tmp/tb-reg-test-%d.conf", (int)getpid());
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	int rc = tb_registry_load(r, path, err, errlen);
	unlink(path);
	return rc;
}

Test(registry, entries_load_with_words_mode_cwd_and_env)
{
	tb_registry *r;
	char err[512];
	setenv("TB_REG_TEST_DIR", "/opt/x y", 1);
	cr_assert_eq(load_text("# two clients\n"
			       "[c-noop]\n"
			       "command = ./client --tracer noop \"two words\" \"$TB_REG_TEST_DIR\"\n"
			       "description = the reference client\n"
			       "\n"
			       "[js.otel]\n"
			       "command = node js/otel.js\n"
			       "mode = argv ; inline comment\n"
			       "cwd = /tmp\n"
			       "env = A=1 'B=two words'\n",
			       &r, err, sizeof(err)),
		     TB_OK, "%s", err);
	cr_assert_eq(tb_registry_count(r), 2);
	const tb_client_def *d = tb_registry_find(r, "c-noop");
	cr_assert_not_null(d);
	cr_assert_str_eq(d->argv[0], "./client");
	cr_assert_str_eq(d->argv[3], "two words");
	cr_assert_str_eq(d->argv[4], "/opt/x y");
	cr_assert_null(d->argv[5]);
	cr_assert_eq(d->mode, TB_CLIENT_HTTP);
	cr_assert_str_eq(d->cwd, "/tmp"); /* the file's directory */
	cr_assert_null(d->env[0]);
	cr_assert_str_eq(d->description, "the reference client");
	d = tb_registry_find(r, "js.otel");
	cr_assert_eq(d->mode, TB_CLIENT_ARGV);
	cr_assert_str_eq(d->env[1], "B=two words");
	cr_assert_null(tb_registry_find(r, "nope"));
	char names[64];
	cr_assert_str_eq(tb_registry_names(r, names, sizeof(names)), "c-noop, js.otel");
	tb_registry_free(r);
}

Test(registry, sleep_interval_defaults_by_mode_and_the_entry_overrides_it)
{
	char conf[64], err[256];
	snprintf(conf, sizeof(conf), "/tmp/tb-reg-si-%d.conf", (int)getpid());
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("[h]\ncommand = x\n[a]\ncommand = x\nmode = argv\n"
	      "[s]\ncommand = x\nmode = argv\nsleep_interval = 5ms\n", f);
	fclose(f);
	tb_registry *r;
	cr_assert_eq(tb_registry_load(&r, conf, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_client_sleep_interval(tb_registry_find(r, "h")), 1000000);
	cr_assert_eq(tb_client_sleep_interval(tb_registry_find(r, "a")), 100000000);
	cr_assert_eq(tb_client_sleep_interval(tb_registry_find(r, "s")), 5000000);
	tb_registry_free(r);
	unlink(conf);
}

Test(registry, mistakes_are_reported_with_line_and_expectation)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"command = x\n", ":1: 'command' before any [client] section"},
		{"[a]\ncomand = x\n", ":2: unknown key 'comand' in [a] (expected command"},
		{"[a]\ncommand = x\nmode = grpc\n", ":3: [a] mode 'grpc' is not http or argv"},
		{"[a]\ncommand = x\nsleep_interval = 1 week\n",
		 ":3: [a] sleep_interval '1 week' is not a duration from 1us to 10s"},
		{"[a b]\ncommand = x\n", ":2: client name [a b] must be"},
		{"[a]\ncommand = x\n[b]\ncommand = y\n[a]\ncommand = z\n",
		 ":6: client [a] is defined twice"},
		{"[a]\ncommand = x | y\n", ":2: cannot split 'x | y': an unquoted"},
		{"[a]\ncommand = x $(id)\n", ":2: cannot split 'x $(id)': command substitution"},
		{"[a]\ncommand = x $TB_NO_SUCH_VAR_HOPEFULLY\n", "an undefined variable"},
		{"[a]\ncommand = 'x\n", "unbalanced quote"},
		{"[a]\ncommand = x\nenv = NOEQUALS\n", ":3: [a] env word 'NOEQUALS' is not KEY=VALUE"},
		{"[a]\ncommand = x\ncwd = /no/such/dir\n", ":3: [a] cwd '/no/such/dir'"},
		{"[a]\nmode = http\n", "[a] has no command"},
		{"[a]\njunk line\n", ":2: expected '[name]', 'key = value' or a comment"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tb_registry *r = NULL;
		char err[512];
		cr_assert_eq(load_text(cases[i].text, &r, err, sizeof(err)), TB_EINVAL, "case %zu",
			     i);
		cr_assert_null(r);
		cr_assert(strstr(err, cases[i].want) != NULL, "case %zu: got \"%s\", want \"%s\"",
			  i, err, cases[i].want);
	}
}

Test(registry, missing_file_is_named)
{
	tb_registry *r;
	char err[512];
	cr_assert_eq(tb_registry_load(&r, "/tmp/no-such-clients.conf", err, sizeof(err)),
		     TB_ENOENT);
	cr_assert(strstr(err, "/tmp/no-such-clients.conf") != NULL, "%s", err);
}

Test(registry, shipped_clients_conf_loads)
{
	tb_registry *r;
	char err[512];
	cr_assert_eq(tb_registry_load(&r, SOURCE_DIR "/clients.conf", err, sizeof(err)), TB_OK,
		     "%s", err);
	cr_assert_not_null(tb_registry_find(r, "c"));
	cr_assert_not_null(tb_registry_find(r, "js-lightstep"));
	cr_assert_not_null(tb_registry_find(r, "js-otel"));
	cr_assert_eq(tb_registry_find(r, "c-argv")->mode, TB_CLIENT_ARGV);
	tb_registry_free(r);
}
