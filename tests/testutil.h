/* SPDX-License-Identifier: MIT */
/* testutil.h - small helpers the test programs share. */
#ifndef TB_TESTUTIL_H
#define TB_TESTUTIL_H

#include <stddef.h>

/* tu_read_file reads up to len - 1 bytes of path into buf, NUL-terminated (empty if the
 * file cannot be read), and returns how many it read. */
size_t tu_read_file(const char *path, char *buf, size_t len);

/* tu_remove_tree removes path and everything below it, as `rm -rf` would; a path that
 * is not there is fine. */
void tu_remove_tree(const char *path);

#endif
