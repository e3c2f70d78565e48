/* SPDX-License-Identifier: MIT */
/* command.h - what the orchestrator tells a client to do (the command) and what the
 * client reports back (the result), and their JSON forms on the HTTP control channel.
 * Field names are LightStep Benchmarks' (Trace, Sleep, ...) plus ours; docs/client-protocol.md
 * is the reference for client authors. Parsing checks every field's type and range and
 * names the first bad one, since the text comes from another program. */
#ifndef TB_COMMAND_H
#define TB_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_CMD_MAX_SATELLITES 64

/* A control channel that listens beyond loopback gives each client of a run a secret in
 * its environment; the client sends it back in this header with every request. */
#define TB_TOKEN_ENV "TB_CONTROL_TOKEN"
#define TB_TOKEN_HEADER "X-Tracebench-Token"
#define TB_TOKEN_LEN 32		/* hex digits */

/* The most clients one run may have. */
#define TB_MAX_CLIENTS 128

/* Every client of a run reports its spans with its own access token, which the
 * satellites read (the Lightstep-Access-Token header, over HTTP/1.1 and gRPC alike) to
 * count each client's spans apart: "tracebench-client-<index>". A client launched with
 * argv flags finds it in TB_ACCESS_TOKEN_ENV. */
#define TB_ACCESS_TOKEN_HEADER "Lightstep-Access-Token"
#define TB_ACCESS_TOKEN_ENV "TB_ACCESS_TOKEN"
#define TB_ACCESS_TOKEN_DEFAULT "tracebench"
#define TB_ACCESS_TOKEN_LEN 64

typedef enum tb_protocol {
	TB_PROTO_LIGHTSTEP = 0,	/* LightStep collector protobuf, POST /api/v2/reports */
	TB_PROTO_OTLP,		/* OTLP/HTTP protobuf, POST /v1/traces */
} tb_protocol;

typedef struct tb_command {
	bool trace;			/* Trace: false = the NoOp tracer */
	uint64_t sleep_ns;		/* Sleep: ns of sleep owed per span */
	uint64_t sleep_interval_ns;	/* SleepInterval: sleep is paid in chunks of this */
	uint64_t work;			/* Work: units of work per span */
	uint64_t repeat;		/* Repeat: spans to generate */
	bool no_flush;			/* NoFlush: exit without flushing the tracer */
	uint32_t num_tags;		/* NumTags (default 10) */
	uint32_t num_logs;		/* NumLogs (default 15) */
	size_t n_satellites;
	char satellites[TB_CMD_MAX_SATELLITES][64];	/* Satellites: "host:port" */
	tb_protocol protocol;		/* Protocol: "lightstep" | "otlp" */
	uint64_t run_id;		/* RunId */
	uint32_t client_index;		/* ClientIndex: this client's place in the run, from 0 */
	uint32_t clients;		/* Clients: how many the run has (default 1) */
	char access_token[TB_ACCESS_TOKEN_LEN];	/* AccessToken: what to report spans with */
} tb_command;

typedef struct tb_client_result {
	uint64_t spans_sent;		/* SpansSent */
	double program_time;		/* ProgramTime: the client's CPU seconds */
	double clock_time;		/* ClockTime: wall seconds of the workload */
	bool has_dropped;
	uint64_t spans_dropped;		/* SpansDropped, where the tracer tells */
	bool has_buffered;
	uint64_t spans_buffered;	/* SpansBuffered: still in the tracer at exit */
	bool has_resent;
	uint64_t spans_resent;		/* SpansResent: copies sent again after a failure */
	char tracer[128];		/* Tracer: which library and version, "" if untold */
} tb_client_result;

/* LightStep Benchmarks' argv form: the command as flags, in the order the sampler renders
 * them (--trace 1 --sleep NS ... --num_logs N). One table for the sampler that writes
 * them and the clients that read them. */
#define TB_ARGV_FLAGS 8
extern const char *const tb_argv_flag_names[TB_ARGV_FLAGS];	/* "trace", "sleep", ... */

struct option;

/* tb_argv_flag_options writes getopt_long entries for the flags into out (TB_ARGV_FLAGS
 * of them), flag i returning first_val + i: a client adds its own options after them. */
void tb_argv_flag_options(struct option *out, int first_val);

/* tb_argv_flag_get gives flag i's value in c. */
uint64_t tb_argv_flag_get(const tb_command *c, size_t i);

/* tb_argv_flag_set reads flag i's value from arg into c: false when arg is not a
 * number in the flag's range (0 or 1 for the booleans, at most 1000 tags or logs). */
bool tb_argv_flag_set(tb_command *c, size_t i, const char *arg);

/* tb_access_token_for writes client index's access token into buf. */
void tb_access_token_for(uint32_t index, char *buf, size_t len);

/* tb_access_token_client reads the client index out of an access token: false for a
 * token (or NULL) that names no client of a run. */
bool tb_access_token_client(const char *token, uint32_t *index);

/* tb_command_init sets the defaults (NumTags 10, NumLogs 15, SleepInterval 1 ms, ...). */
void tb_command_init(tb_command *c);

/* tb_protocol_name: "lightstep" or "otlp". tb_protocol_parse returns TB_OK or TB_EINVAL. */
const char *tb_protocol_name(tb_protocol p);
int tb_protocol_parse(const char *s, tb_protocol *p);

/* tb_command_to_json returns the command as a malloc'd JSON object text, or NULL. */
char *tb_command_to_json(const tb_command *c);

/* tb_command_from_json parses a command. Missing fields keep their defaults except
 * Repeat, which is required. Returns TB_OK or TB_EPROTO with the bad field in err. */
int tb_command_from_json(const char *text, size_t len, tb_command *c, char *err,
			 size_t errlen);

/* tb_client_result_to_json returns the result as malloc'd JSON text, or NULL. */
char *tb_client_result_to_json(const tb_client_result *r);

/* tb_client_result_from_json parses a result: SpansSent, ProgramTime and ClockTime required,
 * SpansDropped, SpansBuffered and Tracer (printable text, under 128 bytes) optional. TB_OK or TB_EPROTO naming the bad field. */
int tb_client_result_from_json(const char *text, size_t len, tb_client_result *r, char *err,
			size_t errlen);

/* tb_client_result_from_pairs parses the old query-string form (GET /result?SpansSent=5&...)
 * once the HTTP server has split and unescaped it into n name/value pairs. Same rules;
 * unknown names are errors too. */
int tb_client_result_from_pairs(size_t n, const char *const names[], const char *const values[],
			 tb_client_result *r, char *err, size_t errlen);

#endif
