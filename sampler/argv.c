/* SPDX-License-Identifier: MIT */
/* argv.c - LightStep Benchmarks' argv form: flags out, a result read back from stdout. */
#include "sampler/argv.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/command.h"
#include "common/error.h"

#define MAX_OUT (256u * 1024)

/* A satellite address becomes part of an environment value: host:port of plain
 * characters only. */
static bool host_port_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0' || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr(".-_:[]", *p) != NULL))
			return false;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int smp_argv_prepare(smp_argv_run *r, const Tb__ArgvCommand *c, char *const base[], char *err,
		     size_t errlen)
{
	static atomic_uint serial;
	memset(r, 0, sizeof(*r));
	if (c == NULL) {
		snprintf(err, errlen, "an argv-mode client needs the run's command (argv_command)");
		return TB_EINVAL;
	}
	if (c->repeat == 0 || c->num_tags > 1000 || c->num_logs > 1000 || c->n_satellites > 64) {
		snprintf(err, errlen, "argv_command: repeat must be over 0, num_tags and num_logs "
				      "at most 1000, satellites at most 64");
		return TB_EINVAL;
	}
	tb_protocol proto;
	if (tb_protocol_parse(c->protocol[0] ? c->protocol : "lightstep", &proto) != TB_OK) {
		snprintf(err, errlen, "argv_command: protocol '%.20s' is not lightstep or otlp",
			 c->protocol);
		return TB_EINVAL;
	}
	size_t n = 0, used = 0;
	while (base[n] != NULL && n < SMP_ARGV_MAX - 16)
		r->argv[n] = base[n], n++;
	tb_command cmd;
	tb_command_init(&cmd);
	cmd.trace = c->trace;
	cmd.sleep_ns = c->sleep_ns;
	cmd.sleep_interval_ns = c->sleep_interval_ns;
	cmd.work = c->work;
	cmd.repeat = c->repeat;
	cmd.no_flush = c->no_flush;
	cmd.num_tags = c->num_tags;
	cmd.num_logs = c->num_logs;
	for (size_t i = 0; i < TB_ARGV_FLAGS; i++) {
		snprintf(r->flags[i], sizeof(r->flags[i]), "--%s", tb_argv_flag_names[i]);
		snprintf(r->values[i], sizeof(r->values[i]), "%llu",
			 (unsigned long long)tb_argv_flag_get(&cmd, i));
		r->argv[n++] = r->flags[i];
		r->argv[n++] = r->values[i];
	}
	r->argv[n] = NULL;
	used = (size_t)snprintf(r->env_sats, sizeof(r->env_sats), "TB_SATELLITES=");
	for (size_t i = 0; i < c->n_satellites; i++) {
		if (!host_port_ok(c->satellites[i])) {
			snprintf(err, errlen, "argv_command: satellite %zu is not host:port", i);
			return TB_EINVAL;
		}
		used += (size_t)snprintf(r->env_sats + used, sizeof(r->env_sats) - used, "%s%s",
					 i ? "," : "", c->satellites[i]);
		if (used >= sizeof(r->env_sats)) {
			snprintf(err, errlen, "argv_command: too many satellites");
			return TB_EINVAL;
		}
	}
	snprintf(r->env_proto, sizeof(r->env_proto), "TB_PROTOCOL=%s", tb_protocol_name(proto));
	snprintf(r->out_path, sizeof(r->out_path), "/tmp/tracebench-argv-%d-%u.out",
		 (int)getpid(), atomic_fetch_add(&serial, 1));
	r->repeat = c->repeat;
	return TB_OK;
}

/* result_line finds the last line of out that is a valid result. */
static bool result_line(char *out, tb_client_result *res)
{
	bool found = false;
	char why[200];
	for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		tb_client_result r;
		if (line[0] == '{' && tb_client_result_from_json(line, strlen(line), &r, why,
							  sizeof(why)) == TB_OK) {
			*res = r;
			found = true;
		}
	}
	return found;
}

void smp_argv_result(const smp_argv_run *r, double cpu_s, uint64_t wall_ns,
		     tb_client_result *res)
{
	char *out = malloc(MAX_OUT + 1);
	size_t n = 0;
	FILE *f = out ? fopen(r->out_path, "r") : NULL;
	if (f != NULL) {
		n = fread(out, 1, MAX_OUT, f);
		fclose(f);
	}
	if (out != NULL)
		out[n] = '\0';
	if (out == NULL || !result_line(out, res)) {
		memset(res, 0, sizeof(*res));
		res->spans_sent = r->repeat;
		res->program_time = cpu_s;
		res->clock_time = (double)wall_ns / 1e9;
	}
	free(out);
}

void smp_argv_cleanup(smp_argv_run *r)
{
	if (r->out_path[0] != '\0')
		unlink(r->out_path);
	r->out_path[0] = '\0';
}
