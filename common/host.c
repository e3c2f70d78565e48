/* SPDX-License-Identifier: MIT */
/* host.c - host name, and the host id from the kernel's boot id and network namespace. */
#include "common/host.h"

#include <stdio.h>
#include <string.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

void tb_host_identity(tb_host_id *id)
{
	FILE *f;

	memset(id, 0, sizeof(*id));
	if (gethostname(id->hostname, sizeof(id->hostname) - 1) != 0)
		id->hostname[0] = '\0';
	if ((f = fopen("/proc/sys/kernel/random/boot_id", "r")) != NULL) {
		if (fgets(id->boot_id, sizeof(id->boot_id), f) == NULL)
			id->boot_id[0] = '\0';
		id->boot_id[strcspn(id->boot_id, "\n")] = '\0';
		fclose(f);
	}
	char ns[64];
	ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
	size_t used = strlen(id->boot_id);
	if (used > 0 && n > 0 && used + 1 + (size_t)n < sizeof(id->boot_id)) {
		ns[n] = '\0';
		snprintf(id->boot_id + used, sizeof(id->boot_id) - used, "/%s", ns);
	}
}

/* self_path is the file this code was loaded from: libtracebench.so when it is linked as
 * a shared library, else the program itself. */
static void self_path(char *buf, size_t len)
{
	Dl_info info;
	if (dladdr((void *)self_path, &info) != 0 && info.dli_fname != NULL &&
	    strstr(info.dli_fname, ".so") != NULL && realpath(info.dli_fname, buf) != NULL &&
	    strlen(buf) < len)
		return;
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* sibling_path writes "<the directory this code was loaded from>/<rel>" into buf (empty if
 * it does not fit). Returns buf. */
static char *sibling_path(char *buf, size_t len, const char *rel)
{
	char self[PATH_MAX];
	self_path(self, sizeof(self));
	char *slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	int w = snprintf(buf, len, "%s/%s", slash != NULL ? self : ".", rel);
	if (w < 0 || (size_t)w >= len)
		buf[0] = '\0';
	return buf;
}

char *tb_program_path(char *buf, size_t len, const char *name)
{
	/* The build tree's layout, then PREFIX/lib/libtracebench.so's, then PREFIX/bin's. */
	static const char *const layouts[] = {"../%s/%s", "../bin/%s"};
	char rel[256];
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		snprintf(rel, sizeof(rel), layouts[i], name, name);
		sibling_path(buf, len, rel);
		if (buf[0] != '\0' && access(buf, X_OK) == 0)
			return buf;
	}
	return sibling_path(buf, len, name);
}

char *tb_share_path(char *buf, size_t len, const char *rel)
{
	char full[512];
	snprintf(full, sizeof(full), "../share/tracebench/%s", rel);
	return sibling_path(buf, len, full);
}
