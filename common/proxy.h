/* SPDX-License-Identifier: MIT */
/* proxy.h - a proxy between a tracer and the satellites, as deployments run one (a local
 * agent or sidecar that forwards to remote collectors): nginx or HAProxy with a
 * configuration written for the run, tracebench's own satellite forwarding what it takes
 * (satellite --forward), or any program given as a command line.
 *
 * A proxy listens on one loopback port and spreads what it receives over the upstream
 * satellites, keeping connections to them alive. Its configuration, its log and any
 * files it needs go in a directory given by the caller; nothing is read from or written
 * to the system's own configuration. The proxy runs as a tb_child (its own process
 * group, killed with its parent), in the foreground, so stopping it stops it whole.
 *
 * Lifecycle: tb_proxy_start -> (the tracer reports to tb_proxy.port) -> tb_proxy_stop. */
#ifndef TB_PROXY_H
#define TB_PROXY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/child.h"

typedef enum tb_proxy_kind {
	TB_PROXY_NONE = 0,	/* the tracer reports straight to the satellites */
	TB_PROXY_NGINX,		/* nginx: proxy_pass over kept-alive HTTP/1.1 */
	TB_PROXY_HAPROXY,	/* HAProxy: mode http, round robin */
	TB_PROXY_SATELLITE,	/* satellite --forward: acknowledges, queues, batches, retries */
	TB_PROXY_COMMAND,	/* a program given as a command line, with placeholders */
	TB_PROXY_KIND_COUNT
} tb_proxy_kind;

/* tb_proxy_kind_name: "none", "nginx", "haproxy", "satellite", "command". */
const char *tb_proxy_kind_name(tb_proxy_kind k);

/* tb_proxy_kind_parse reads a kind's name (len bytes). TB_OK or TB_EINVAL. */
int tb_proxy_kind_parse(const char *s, size_t len, tb_proxy_kind *out);

/* tb_proxy_kind_choices writes the names a plan may give, for a message: "nginx,
 * haproxy, satellite or command \"...\"". */
void tb_proxy_kind_choices(char *buf, size_t len);

/* A command proxy's command line: words as a POSIX shell splits them (quotes, $VAR; no
 * command substitution), in which these placeholders are replaced:
 *   {listen}     127.0.0.1:PORT, where the tracer reports
 *   {port}       PORT alone
 *   {upstream}   the first satellite, host:port
 *   {upstreams}  every satellite, host:port,host:port
 *   {dir}        the proxy's directory (its log is proxy.log there)
 * It must name {listen} or {port}. */
#define TB_PROXY_COMMAND_MAX 512

/* Which proxy a run reports through: a kind, and a command proxy's command line. */
typedef struct tb_proxy_spec {
	tb_proxy_kind kind;
	char command[TB_PROXY_COMMAND_MAX];
} tb_proxy_spec;

/* tb_proxy_spec_parse reads a proxy as every door gives it: "nginx", "haproxy",
 * "satellite", "none", or "command " followed by its command line. TB_OK, or
 * TB_EINVAL with err saying what was wrong. */
int tb_proxy_spec_parse(const char *s, tb_proxy_spec *out, char *err, size_t errlen);

/* tb_proxy_spec_text writes s as tb_proxy_spec_parse reads it. */
void tb_proxy_spec_text(const tb_proxy_spec *s, char *buf, size_t len);

/* tb_proxy_command_check checks a command proxy's command line: it splits, names a
 * program, and says where to listen. TB_OK or TB_EINVAL with err. */
int tb_proxy_command_check(const char *command, char *err, size_t errlen);

/* Most satellites a proxy spreads its reports over. */
#define TB_PROXY_MAX_UPSTREAMS 64

typedef struct tb_proxy_opts {
	tb_proxy_kind kind;
	const char *dir;		/* its configuration, log and files; must exist */
	size_t nupstreams;		/* 1 .. TB_PROXY_MAX_UPSTREAMS */
	const char *const *upstreams;	/* "host:port" of each satellite */
	uint16_t port;			/* where it listens on 127.0.0.1; 0: a free port */
	int start_ms;			/* how long it may take to accept (0: 10 s) */
	const char *command;		/* TB_PROXY_COMMAND: its command line */
} tb_proxy_opts;

typedef struct tb_proxy {
	tb_proxy_kind kind;
	tb_child child;
	uint16_t port;			/* where it listens, on 127.0.0.1 */
	uint16_t grpc_port;		/* nginx: where it takes gRPC (cleartext HTTP/2, which
					 * nginx serves apart); 0: on port, or not at all */
	char conf_path[PATH_MAX];
	char log_path[PATH_MAX];	/* its stdout, stderr and error log */
	char control_url[128];		/* TB_PROXY_SATELLITE: its control channel (nng), where
					 * its counters say what it holds; else "" */
	struct tb_rpc_client *ctl;	/* that channel, once read */
	int running;
} tb_proxy;

/* What a running proxy has cost and, when it can tell, holds. */
typedef struct tb_proxy_figures {
	uint64_t cpu_ns;		/* all its processes' CPU time since it started */
	uint64_t peak_rss;		/* their peak resident memory, summed (bytes) */
	bool tells_held;		/* a forwarding satellite: the three below are set */
	uint64_t held_spans;		/* taken and not yet delivered upstream */
	uint64_t dropped_spans;		/* refused upstream with a 4xx, or expired */
	uint64_t queue_peak;		/* the most bytes it held at once */
} tb_proxy_figures;

/* tb_proxy_start writes the proxy's configuration into o->dir, starts it, and returns
 * once it accepts connections on p->port. A proxy that exits or does not accept within
 * o->start_ms is stopped, and err says why with its log's path and last line: TB_ENOENT
 * (the program is not installed), TB_ECLOSED (it exited), TB_ETIMEDOUT, TB_EINVAL (bad
 * options), TB_ESYS. */
int tb_proxy_start(tb_proxy *p, const tb_proxy_opts *o, char *err, size_t errlen);

/* tb_proxy_usage sums the CPU time (ns) of every process of the running proxy (its
 * process group: nginx's master and worker) and their peak resident memory (bytes, each
 * process's VmHWM). TB_OK, or TB_ENOENT when no process of it is left. */
int tb_proxy_usage(const tb_proxy *p, uint64_t *cpu_ns, uint64_t *peak_rss);

/* tb_proxy_read reads the running proxy's figures (tb_proxy_usage, and a forwarding
 * satellite's counts over its control channel). TB_OK, TB_ENOENT (no process of it is
 * left), or the control call's error with err. */
int tb_proxy_read(tb_proxy *p, tb_proxy_figures *f, char *err, size_t errlen);

/* tb_proxy_stop stops the proxy (SIGTERM, then SIGKILL after 2 s) and releases it. Safe
 * on a proxy that never started or was stopped already. */
void tb_proxy_stop(tb_proxy *p);

/* tb_proxy_remove_dir removes a directory a proxy used, and everything in it (the
 * temporary directories nginx makes too). TB_OK, or TB_ESYS. */
int tb_proxy_remove_dir(const char *dir);

#endif
