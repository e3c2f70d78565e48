/* SPDX-License-Identifier: MIT */
/* shim.h - libclientshim: what a C or C++ client needs to join a benchmark over the HTTP
 * control channel: fetch the command, report the result. Errors say which of the two
 * failed and why: the orchestrator is unreachable, answered an HTTP error, or answered
 * something that is not a command. docs/client-protocol.md describes the channel. */
#ifndef TB_SHIM_H
#define TB_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#include "common/command.h"

/* The control channel's base URL when $TB_CONTROL_URL is not set. */
#define TB_SHIM_DEFAULT_URL "http://127.0.0.1:8023"

/* The two modes' options, as every C and C++ client's --help states them (the control
 * channel's default URL goes in its %s). */
#define TB_SHIM_MODES_HELP                                                                  \
	"HTTP mode (default): GET URL/control for the command, POST URL/result after.\n"     \
	"  --control URL        the channel (default $TB_CONTROL_URL or %s)\n"               \
	"\n"                                                                                \
	"argv mode (any of these flags): the result is printed as JSON on stdout.\n"        \
	"  --trace 0|1  --sleep NS  --sleep_interval NS  --work N  --repeat N\n"              \
	"  --no_flush 0|1  --num_tags N  --num_logs N\n"                                      \
	"  --satellites H:P,... (default $TB_SATELLITES or 127.0.0.1:8360)\n"

/* tb_shim_control_url returns $TB_CONTROL_URL, or TB_SHIM_DEFAULT_URL. */
const char *tb_shim_control_url(void);

/* tb_shim_set_satellites fills cmd's satellites from "host:port,host:port". False when
 * the list is empty, too long, or an entry is not host:port. */
bool tb_shim_set_satellites(tb_command *cmd, const char *list);

/* tb_shim_argv_defaults starts cmd as LightStep Benchmarks' argv form leaves it: the
 * defaults, then where to report and with which token from the environment
 * ($TB_SATELLITES, else 127.0.0.1:8360; $TB_PROTOCOL; $TB_ACCESS_TOKEN), which the
 * sampler sets for argv clients. TB_OK, or TB_EINVAL with err naming the bad variable. */
int tb_shim_argv_defaults(tb_command *cmd, char *err, size_t errlen);

/* tb_shim_fetch_command GETs base_url/control into *cmd. Returns TB_OK; TB_ECLOSED (no
 * connection), TB_EPEER (an HTTP error status), TB_EPROTO (not a valid command); with
 * err filled. */
int tb_shim_fetch_command(const char *base_url, tb_command *cmd, char *err, size_t errlen);

/* tb_shim_report_result POSTs r as JSON to base_url/result. Same returns. */
int tb_shim_report_result(const char *base_url, const tb_client_result *r, char *err,
			  size_t errlen);

#endif
