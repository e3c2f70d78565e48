/* SPDX-License-Identifier: MIT */
/* log_sig_test.c - logging levels, sinks and line format; stop signals. */
#include "common/error.h"
#include "common/log.h"
#include "common/sig.h"

#include <criterion/criterion.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

Test(log, each_file_gets_the_levels_it_asked_for_in_one_line_format)
{
	char info[64], verbose[64], err[256];
	snprintf(info, sizeof(info), "/tmp/tracebench-log-info-%d.log", (int)getpid());
	snprintf(verbose, sizeof(verbose), "/tmp/tracebench-log-debug-%d.log", (int)getpid());
	unlink(info);
	unlink(verbose);
	tb_log_init("logtest");
	tb_log_set_stderr(TB_LOG_OFF);
	cr_assert_eq(tb_log_add_file(info, TB_LOG_INFO, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert_eq(tb_log_add_file(verbose, TB_LOG_DEBUG, err, sizeof(err)), TB_OK, "%s", err);
	cr_assert(tb_log_enabled(TB_LOG_DEBUG));
	tb_debug("debug %d", 1);
	tb_info("info %s", "two");
	tb_error("error three");
	tb_log_close();
	cr_assert(!tb_log_enabled(TB_LOG_DEBUG));

	char buf[2048];
	slurp(info, buf, sizeof(buf));
	cr_assert(strstr(buf, "debug 1") == NULL);
	cr_assert(strstr(buf, "INFO info two") != NULL, "%s", buf);
	cr_assert(strstr(buf, "ERROR error three") != NULL, "%s", buf);
	slurp(verbose, buf, sizeof(buf));
	cr_assert(strstr(buf, "DEBUG debug 1") != NULL, "%s", buf);

	regex_t re;
	cr_assert_eq(regcomp(&re,
			     "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
			     "logtest\\[[0-9]+\\] DEBUG debug 1$",
			     REG_EXTENDED | REG_NEWLINE),
		     0);
	cr_assert_eq(regexec(&re, buf, 0, NULL, 0), 0, "bad line format: %s", buf);
	regfree(&re);
	unlink(info);
	unlink(verbose);
}

Test(log, bad_paths_and_level_names_are_reported)
{
	char err[256];
	cr_assert_eq(tb_log_add_file("/nonexistent-dir/x.log", TB_LOG_INFO, err, sizeof(err)),
		     TB_ESYS);
	cr_assert(strstr(err, "/nonexistent-dir/x.log") != NULL, "%s", err);
	tb_log_level l = TB_LOG_ERROR;
	cr_assert_eq(tb_log_parse_level("verbose", &l), TB_EINVAL);
	cr_assert_eq(l, TB_LOG_ERROR);
	cr_assert_eq(tb_log_parse_level("debug", &l), TB_OK);
	cr_assert_eq(l, TB_LOG_DEBUG);
}

Test(log, long_messages_are_cut_but_keep_their_newline)
{
	char path[64], err[256];
	snprintf(path, sizeof(path), "/tmp/tracebench-log-long-%d.log", (int)getpid());
	unlink(path);
	tb_log_set_stderr(TB_LOG_OFF);
	cr_assert_eq(tb_log_add_file(path, TB_LOG_INFO, err, sizeof(err)), TB_OK);
	static char big[10000];
	memset(big, 'x', sizeof(big) - 1);
	tb_info("%s", big);
	tb_info("after");
	tb_log_close();
	static char buf[20000];
	slurp(path, buf, sizeof(buf));
	char *nl = strchr(buf, '\n');
	cr_assert_not_null(nl);
	cr_assert(strstr(nl + 1, "INFO after\n") != NULL);
	unlink(path);
}

Test(sig, sigterm_sets_the_stop_flag_and_wakes_pollers)
{
	cr_assert_eq(tb_sig_init(), TB_OK);
	cr_assert(!tb_sig_stop_requested());
	cr_assert(!tb_sig_wait(10));
	kill(getpid(), SIGTERM);
	cr_assert(tb_sig_wait(5000));
	cr_assert_eq(tb_sig_last(), SIGTERM);
	struct pollfd p = {.fd = tb_sig_fd(), .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 0), 1);
}

Test(sig, sigpipe_no_longer_kills_the_process)
{
	cr_assert_eq(tb_sig_init(), TB_OK);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	close(fds[0]);
	cr_assert_eq(write(fds[1], "x", 1), -1);
	close(fds[1]);
}
