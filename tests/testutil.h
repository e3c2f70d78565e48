/* SPDX-License-Identifier: MIT */
/* testutil.h - small helpers the test programs share. */
#ifndef TB_TESTUTIL_H
#define TB_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* tu_skip skips the running test, saying why, or fails it when TB_REQUIRE_ALL=1 asks
 * that every test run (CI runs as root, where each can). A macro over Criterion's. */
#define tu_skip(...)                                                                        \
	do {                                                                                \
		if (tu_require_all())                                                       \
			cr_assert_fail("TB_REQUIRE_ALL=1, and this test would skip: " __VA_ARGS__); \
		else                                                                        \
			cr_skip_test(__VA_ARGS__);                                          \
	} while (0)
bool tu_require_all(void);

/* tu_read_file reads up to len - 1 bytes of path into buf, NUL-terminated (empty if the
 * file cannot be read), and returns how many it read. */
size_t tu_read_file(const char *path, char *buf, size_t len);

/* tu_write_file writes text to path, replacing it; false if it cannot. */
bool tu_write_file(const char *path, const char *text);

/* tu_remove_tree removes path and everything below it, as `rm -rf` would; a path that
 * is not there is fine. */
void tu_remove_tree(const char *path);

/* tu_work_dir makes /tmp/tb-NAME-test-PID (its path in work) with a clients.conf in it
 * (its path in reg) that registers the client "c" as client_bin. False if it cannot. */
bool tu_work_dir(const char *name, const char *client_bin, char *work, size_t worklen,
		 char *reg, size_t reglen);

/* The files of an orchestrator run a test makes: its registry, where its stdout and
 * stderr go, and its logs folder, named /tmp/tb-NAME-test-PID.{conf,out,err} and -logs. */
typedef struct tu_orc_files {
	char reg[128], out[128], err[128], logs[128];
} tu_orc_files;

/* tu_orc_files_init names f's files (it creates none); tu_orc_files_remove removes them. */
void tu_orc_files_init(tu_orc_files *f, const char *name);
void tu_orc_files_remove(const tu_orc_files *f);

/* tu_orc_run runs argv (a program and its arguments, NULL-terminated) with its stdout
 * and stderr in f's files, and waits up to timeout_ms. Returns its exit status (128 +
 * the signal when killed), or -1 when it could not start or did not finish (then it is
 * killed). */
int tu_orc_run(char *const *argv, const tu_orc_files *f, int timeout_ms);

/* tu_rpc_serve is a thread body serving arg (a tb_rpc_server *): Hello gets a
 * HelloReply as "satellite", Shutdown an Ok and the end of the loop, anything else an
 * Error; it also ends after 30 s without a request. */
void *tu_rpc_serve(void *arg);

#endif
