/* SPDX-License-Identifier: MIT */
/* registry.h - the client registry (clients.conf): which programs may run as benchmark
 * clients, by name. The orchestrator and a remote sampler agent each read their own, so
 * a client is only ever launched from a command line written on its host, never from an
 * argv received over the network.
 *
 * The file is INI (parsed by inih), one section per client:
 *
 *     # the reference C client, its tracer flushing every 500 ms
 *     [c-slow-flush]
 *     command = ./build/client-shim/tb-client --flush-ms 500
 *     mode = http            ; http (control channel) or argv (LightStep Benchmarks' flags)
 *     cwd = .                ; relative to this file's directory (the default)
 *     env = MALLOC_ARENA_MAX=2 ; KEY=VALUE words added to the environment
 *     sleep_interval = 100ms ; the SleepInterval its runs get unless a run sets one
 *
 * `command` and `env` are split into words like a shell does (quotes, $VAR), by
 * wordexp(3) with command substitution refused and undefined variables an error. A
 * relative program path is resolved from the client's cwd. */
#ifndef TB_REGISTRY_H
#define TB_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

typedef enum tb_client_mode {
	TB_CLIENT_HTTP = 0,	/* fetches its command from the HTTP control channel */
	TB_CLIENT_ARGV,		/* takes its command as --trace/--sleep/... flags */
} tb_client_mode;

typedef struct tb_client_def {
	char *name;
	char **argv;		/* NULL-terminated */
	char **env;		/* NULL-terminated KEY=VALUE list (maybe empty) */
	char *cwd;		/* absolute */
	tb_client_mode mode;
	char *description;	/* "" if none */
	uint64_t sleep_interval_ns;	/* 0: the mode's (tb_client_sleep_interval) */
} tb_client_def;

/* The SleepInterval a client gets when neither its run nor its registry entry sets one.
 * LightStep Benchmarks always sent 100 ms, and its clients pay at most one interval of
 * sleep per loop of spans: at 1 ms they fall behind on their sleep and run hot. The
 * clients of the HTTP channel pay all they owe, in any chunk size. */
#define TB_ARGV_SLEEP_INTERVAL_NS 100000000ull
#define TB_HTTP_SLEEP_INTERVAL_NS 1000000ull

/* tb_client_sleep_interval gives d's SleepInterval: its registry entry's, else its
 * mode's default. */
uint64_t tb_client_sleep_interval(const tb_client_def *d);

typedef struct tb_registry tb_registry;

/* tb_registry_load reads path. Errors name the place: "clients.conf:7: unknown key
 * 'comand' in [c-report] (expected command, mode, cwd, env, description, sleep_interval)". Returns TB_OK,
 * TB_ENOENT (no such file), TB_EINVAL (a bad entry) or TB_ENOMEM. */
int tb_registry_load(tb_registry **rp, const char *path, char *err, size_t errlen);

/* tb_registry_free frees r. NULL is fine. */
void tb_registry_free(tb_registry *r);

/* tb_registry_find returns the client called name, or NULL. */
const tb_client_def *tb_registry_find(const tb_registry *r, const char *name);

/* tb_registry_count / tb_registry_at list the clients in file order. */
size_t tb_registry_count(const tb_registry *r);
const tb_client_def *tb_registry_at(const tb_registry *r, size_t i);

/* tb_registry_names writes "a, b, c" (the known names, for error messages) into buf. */
const char *tb_registry_names(const tb_registry *r, char *buf, size_t len);

/* tb_registry_require checks that the registry at path loads and has a client name:
 * TB_OK, or TB_EINVAL / TB_ENOENT with err saying "client 'x' is not in FILE (known:
 * a, b)" or why the file does not load. */
int tb_registry_require(const char *path, const char *name, char *err, size_t errlen);

/* tb_client_mode_name: "http" or "argv". */
const char *tb_client_mode_name(tb_client_mode m);

#endif
