/* SPDX-License-Identifier: MIT */
/* sig.c - stop signals recorded in a flag and a self-pipe. */
#include "common/sig.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t last_signal;
static int pipe_fds[2] = {-1, -1};

static void on_stop(int signo)
{
	int saved = errno;
	last_signal = signo;
	if (pipe_fds[1] >= 0) {
		char c = 1;
		/* Full pipe is fine: one byte already says "stop". */
		ssize_t n = write(pipe_fds[1], &c, 1);
		(void)n;
	}
	errno = saved;
}

int tb_sig_init(void)
{
	/* The handlers are installed again on every call: a host language that put its own
	 * back in between (Python after a library call) gets ours again. */
	if (pipe_fds[0] < 0 && pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return TB_ESYS;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	const int stops[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		if (sigaction(stops[i], &sa, NULL) != 0)
			return TB_ESYS;

	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return TB_ESYS;
	return TB_OK;
}

bool tb_sig_stop_requested(void)
{
	return last_signal != 0;
}

int tb_sig_last(void)
{
	return last_signal;
}

int tb_sig_fd(void)
{
	return pipe_fds[0];
}

void tb_sig_raise_stop(int signo)
{
	on_stop(signo);
}

bool tb_sig_wait(int timeout_ms)
{
	if (tb_sig_stop_requested())
		return true;
	if (pipe_fds[0] < 0) {
		if (timeout_ms >= 0)
			usleep((useconds_t)timeout_ms * 1000);
		return tb_sig_stop_requested();
	}
	struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};
	while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
		if (tb_sig_stop_requested())
			break;
	return tb_sig_stop_requested();
}
