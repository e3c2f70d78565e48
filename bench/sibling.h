/* sibling.h - where the benchmark programs find the programs they drive: beside
 * themselves in the build tree (build/bench/x -> build/satellite/satellite). */
#ifndef TB_BENCH_SIBLING_H
#define TB_BENCH_SIBLING_H

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* bench_sibling_path writes "<this program's directory>/<rel>" into buf. */
static inline const char *bench_sibling_path(char *buf, size_t len, const char *rel)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	char *slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	int w = snprintf(buf, len, "%s/%s", slash != NULL ? self : ".", rel);
	if (w < 0 || (size_t)w >= len)
		buf[0] = '\0'; /* too long: the spawn then names the empty path */
	return buf;
}

#endif
