/* testutil.c - small helpers the test programs share. */
#include "testutil.h"

#include <stdio.h>

size_t tu_read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return n;
}
