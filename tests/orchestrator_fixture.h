/* SPDX-License-Identifier: MIT */
/* orchestrator_fixture.h - what the orchestrator's end-to-end tests share: a registry of
 * test clients (the reference client, and programs that crash, hang or cannot run),
 * the paths each test's output goes to, and ways to start the program and to look for
 * what it left behind. */
#ifndef TB_ORCHESTRATOR_FIXTURE_H
#define TB_ORCHESTRATOR_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/child.h"

/* The registry file, and where the program's stdout, stderr and an argv client's
 * arguments go. */
extern char reg[128], out_path[128], err_path[128], args_path[128];

void setup(void);
/* known_list writes "(known: c, crash, ...)" as the registry names its clients. */
void known_list(char *out, size_t len);
void teardown(void);
/* start_run starts `orchestrator run`, calibrating first (into a cache of this test's
 * own) unless flag is "--uncalibrated", which paces the client by sleep alone; flag
 * (NULL for none) may also be "--no-trace", for the calibrated NoOp client itself. */
void start_run(tb_child *c, const char *client, const char *sps, const char *runtime, const char *flag);
void start(tb_child *c, const char *client, const char *sps, const char *runtime);
int finish(tb_child *c, int timeout_ms);
const char *text_of(const char *path);
/* children_named lists processes whose parent is ppid and whose name is comm. */
int children_named(pid_t ppid, const char *comm, pid_t *out, int max);
/* client_running waits up to 30 s until orc's sampler has a live tb-client child: the
 * run proper, past calibration and start-up, however slow the host. */
bool client_running(pid_t orc);
/* leftovers counts live processes whose command line contains needle. */
int leftovers(const char *needle);
int shm_segments_of(pid_t pid);

#endif
