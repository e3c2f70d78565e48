/* host.h - who and where this process is: for the Hello handshake, the host name and
 * the kernel's boot id (equal boot ids mean two processes share a host, and so can share
 * memory and CLOCK_MONOTONIC). */
#ifndef TB_HOST_H
#define TB_HOST_H

#include <stddef.h>

typedef struct tb_host_id {
	char hostname[256];
	char boot_id[64];	/* "" if /proc does not say */
} tb_host_id;

/* tb_host_identity fills *id. Never fails: unknown parts are left empty. */
void tb_host_identity(tb_host_id *id);

/* tb_sibling_path writes "<this program's directory>/<rel>" into buf (empty if it does
 * not fit): tracebench's programs find each other side by side in the build tree
 * (build/orchestrator/orchestrator -> build/satellite/satellite). Returns buf. */
char *tb_sibling_path(char *buf, size_t len, const char *rel);

/* The software name and version every component reports ("tracebench 0.1.0"). */
#define TB_SOFTWARE "tracebench 0.1.0"

#endif
