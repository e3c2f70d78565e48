/* SPDX-License-Identifier: MIT */
/* sig.h - clean shutdown on SIGINT, SIGTERM and SIGHUP.
 *
 * tb_sig_init installs handlers that only record the signal and wake a self-pipe, so the
 * program's own loop decides how to stop (stop -> close -> free), and SIGPIPE is ignored
 * so a vanished peer shows as an error return, not a death. Call it before any thread
 * starts. Children started with common/child.h get default dispositions back. */
#ifndef TB_SIG_H
#define TB_SIG_H

#include <stdbool.h>

/* tb_sig_init installs the handlers, again on every call (the self-pipe is made once).
 * Returns TB_OK or TB_ESYS. */
int tb_sig_init(void);

/* tb_sig_stop_requested tells whether a stop signal has arrived. Async-signal-safe. */
bool tb_sig_stop_requested(void);

/* tb_sig_last returns the last stop signal received, 0 if none. */
int tb_sig_last(void);

/* tb_sig_fd returns a descriptor that polls readable once a stop signal arrived (-1
 * before tb_sig_init). Do not read from it. */
int tb_sig_fd(void);

/* tb_sig_wait sleeps up to timeout_ms (-1: forever) or until a stop signal arrives.
 * Returns true when a stop was requested. */
bool tb_sig_wait(int timeout_ms);

/* tb_sig_raise_stop records a stop as if signo had arrived (for fatal errors found by
 * the program itself, and for tests). */
void tb_sig_raise_stop(int signo);

#endif
