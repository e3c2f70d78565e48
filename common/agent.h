/* SPDX-License-Identifier: MIT */
/* agent.h - what the satellite and sampler agents share: the options that put a program
 * on the control channel (--control, --allow-remote, --insecure, --tls-*, --ring,
 * --log, --log-level, --verbose, --quiet) and the loop that serves it until Shutdown or
 * a signal.
 *
 * A program adds TB_AGENT_LONGOPTS to its getopt_long table, hands every option it does
 * not know to tb_agent_option, checks the result once with tb_agent_opts_check, and
 * serves with tb_agent_serve. */
#ifndef TB_AGENT_H
#define TB_AGENT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/log.h"
#include "common/ring.h"
#include "common/rpc.h"
#include "common/tls.h"

/* Option codes, above every character getopt returns. */
enum {
	TB_AGENT_O_CONTROL = 1000,
	TB_AGENT_O_ALLOW_REMOTE,
	TB_AGENT_O_RING,
	TB_AGENT_O_LOG,
	TB_AGENT_O_LOG_LEVEL,
	TB_AGENT_O_INSECURE,
	TB_AGENT_O_TLS_CERT,
	TB_AGENT_O_TLS_KEY,
	TB_AGENT_O_TLS_CA,
	TB_AGENT_O_TLS_ALLOW,
};

#define TB_AGENT_LONGOPTS                                                                  \
	{"control", required_argument, NULL, TB_AGENT_O_CONTROL},                           \
	{"allow-remote", no_argument, NULL, TB_AGENT_O_ALLOW_REMOTE},                       \
	{"insecure", no_argument, NULL, TB_AGENT_O_INSECURE},                               \
	{"tls-cert", required_argument, NULL, TB_AGENT_O_TLS_CERT},                         \
	{"tls-key", required_argument, NULL, TB_AGENT_O_TLS_KEY},                           \
	{"tls-ca", required_argument, NULL, TB_AGENT_O_TLS_CA},                             \
	{"tls-allow", required_argument, NULL, TB_AGENT_O_TLS_ALLOW},                       \
	{"ring", required_argument, NULL, TB_AGENT_O_RING},                                 \
	{"log", required_argument, NULL, TB_AGENT_O_LOG},                                   \
	{"log-level", required_argument, NULL, TB_AGENT_O_LOG_LEVEL},                       \
	{"verbose", no_argument, NULL, 'v'},                                                \
	{"quiet", no_argument, NULL, 'q'}

/* The help lines for those options, to put in a program's usage text. */
#define TB_AGENT_USAGE                                                                     \
	"  --control URL        serve the orchestrator's control channel on an nng URL\n"   \
	"                       (ipc:///path, tcp://127.0.0.1:PORT, tls+tcp://HOST:PORT)\n" \
	"  --allow-remote       let --control listen on a non-loopback address (with\n"     \
	"                       tls+tcp://, or tcp:// and --insecure)\n"                    \
	"  --insecure           allow --allow-remote on plain tcp://: anyone who reaches\n" \
	"                       the port can steer this agent\n"                            \
	"  --tls-cert FILE      this agent's PEM certificate, for tls+tcp://\n"             \
	"  --tls-key FILE       its unencrypted PEM key\n"                                  \
	"  --tls-ca FILE        the CA the orchestrator's certificate must be signed by\n"  \
	"  --tls-allow NAME     accept only an orchestrator certificate naming NAME (a DNS\n"\
	"                       subjectAltName, or the CN when it has none)\n"             \
	"  --ring NAME|auto     write records to a shared-memory ring for a same-host\n"    \
	"                       orchestrator\n"                                              \
	"  --log FILE           also log to FILE (at --log-level, default info)\n"          \
	"  --log-level LEVEL    debug, info, warn or error\n"                               \
	"  -v, --verbose        log info to stderr too\n"                                   \
	"  -q, --quiet          log only errors to stderr\n"

typedef struct tb_agent_opts {
	const char *program;		/* for messages: "satellite" */
	const char *control;		/* NULL: no control channel */
	bool allow_remote;
	bool insecure;
	tb_tls_opts tls_opts;		/* the --tls-* files, as given */
	tb_tls *tls;			/* loaded by tb_agent_opts_check when given */
	const char *ring_arg;		/* NULL: no ring */
	const char *log_path;
	tb_log_level file_level;
} tb_agent_opts;

/* tb_agent_opts_init starts o with no channel, no ring and no log file. */
void tb_agent_opts_init(tb_agent_opts *o, const char *program);

/* tb_agent_option takes getopt's opt and optarg. Returns 1 when it was an agent option,
 * 0 when it is not one (the program's own, or unknown), -1 when its value is bad (the
 * message, naming the option and value, is printed). */
int tb_agent_option(tb_agent_opts *o, int opt, const char *arg);

/* tb_agent_getopt runs getopt_long over argv: agent options go to o, -h prints usage to
 * stdout, -V the version, and every other option to own(ctx, opt, optarg), which returns
 * false (message printed) for a bad or unknown one. Returns -1 when every option was
 * taken (optind is at the first argument left), else the exit status: 0 after -h or -V,
 * 2 after a bad option. */
int tb_agent_getopt(tb_agent_opts *o, int argc, char **argv, const char *shortopts,
		    const struct option *longopts, void (*usage)(FILE *out),
		    bool (*own)(void *ctx, int opt, const char *arg), void *ctx);

/* tb_agent_opts_check validates the options together, loads the TLS files and opens the
 * log file. TB_OK, or TB_EINVAL with the message printed. */
int tb_agent_opts_check(tb_agent_opts *o);

/* tb_agent_opts_fini frees what tb_agent_opts_check loaded. */
void tb_agent_opts_fini(tb_agent_opts *o);

/* tb_agent_ring_create creates the --ring ring, if asked for, of record_size records,
 * its name in name. TB_OK (ring NULL when not asked for) or an error, logged. */
int tb_agent_ring_create(const tb_agent_opts *o, size_t record_size, tb_ring **ring,
			 char *name, size_t namelen);

/* tb_agent_server_alloc opens the --control server (nothing when not asked for) and
 * lets a signal wake it. TB_OK or an error, logged. */
int tb_agent_server_alloc(const tb_agent_opts *o, tb_rpc_server **srv);

/* What a program's serve loop calls: handle answers one request and returns true to stop
 * (Shutdown); tick, when not NULL, runs before every wait and returns how long the wait
 * may be in ms (-1: until a request or a signal), or -2 to stop with *status set. */
typedef struct tb_agent_calls {
	bool (*handle)(void *ctx, tb_rpc_server *srv, Tb__Envelope *req);
	int (*tick)(void *ctx, int *status);
	void *ctx;
} tb_agent_calls;

/* tb_agent_handle_other answers what every agent answers alike: Shutdown (Ok, and true:
 * stop) and any request the agent does not handle (ERR_UNSUPPORTED naming it; false). A
 * handler calls it for every request it does not handle itself. */
bool tb_agent_handle_other(const char *program, tb_rpc_server *srv, const Tb__Envelope *req);

/* tb_agent_serve serves srv (or, when NULL, waits for a signal) until a handler or the
 * tick says stop, a signal comes, or the channel fails. Returns the exit status: 0, 1
 * when the channel failed, or what the tick set. */
int tb_agent_serve(const tb_agent_opts *o, tb_rpc_server *srv, const tb_agent_calls *c);

#endif
