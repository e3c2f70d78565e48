/* SPDX-License-Identifier: MIT */
/* host.h - who and where this process is: for the Hello handshake, the host name and a
 * host id. Two processes share a host when they share a kernel boot and a network
 * namespace: only then can they share memory and CLOCK_MONOTONIC *and* reach each other
 * at 127.0.0.1. (Network namespaces are how the tests stand in for separate machines.)
 * Also where tracebench's programs and installed data are, seen from this code. */
#ifndef TB_HOST_H
#define TB_HOST_H

#include <stddef.h>

typedef struct tb_host_id {
	char hostname[256];
	char boot_id[96];	/* "<kernel boot id>/<net namespace>"; "" if /proc does not say */
} tb_host_id;

/* tb_host_identity fills *id. Never fails: unknown parts are left empty. */
void tb_host_identity(tb_host_id *id);

/* tb_program_path finds tracebench's program name from where this code was loaded (a
 * program, or libtracebench.so): in the build tree (<dir>/../name/name, as
 * build/orchestrator/orchestrator finds build/satellite/satellite), beside a library in
 * PREFIX/lib (<dir>/../bin/name), or beside a program in PREFIX/bin (<dir>/name). Writes
 * the first that exists, else the last form, into buf. Returns buf. */
char *tb_program_path(char *buf, size_t len, const char *name);

/* tb_share_path writes "<this program's directory>/../share/tracebench/<rel>" into buf:
 * where an installed tracebench keeps its plans, docs and client registry. */
char *tb_share_path(char *buf, size_t len, const char *rel);

/* The software name and version every component reports ("tracebench 0.1.0"). */
#define TB_SOFTWARE "tracebench 0.1.0"

#endif
