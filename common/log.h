/* SPDX-License-Identifier: MIT */
/* log.h - leveled, timestamped logging to stderr and to any number of files.
 *
 * One line per call: "2026-11-23T10:11:12.345Z satellite[1234] INFO message". Each line
 * goes out in one write(2), so several processes may append to one file. Thread-safe.
 * The default is WARN and above to stderr, no files, which is what LightStep Benchmarks' console
 * showed; programs add files (benchmark.log at INFO, benchmark_verbose.log at DEBUG). */
#ifndef TB_LOG_H
#define TB_LOG_H

#include <stdarg.h>
#include <stddef.h>

typedef enum tb_log_level {
	TB_LOG_DEBUG = 0,
	TB_LOG_INFO,
	TB_LOG_WARN,
	TB_LOG_ERROR,
	TB_LOG_OFF
} tb_log_level;

/* tb_log_init names the component shown in every line ("satellite"). Call once, early. */
void tb_log_init(const char *component);

/* tb_log_set_stderr sets the lowest level written to stderr (TB_LOG_OFF silences it). */
void tb_log_set_stderr(tb_log_level min);

/* tb_log_add_file appends lines at min and above to path, creating it (0644). At most 8
 * files. Returns TB_OK, or TB_ESYS / TB_EINVAL with a reason naming the path in err. */
int tb_log_add_file(const char *path, tb_log_level min, char *err, size_t errlen);

/* tb_log_close closes every file sink; stderr stays. */
void tb_log_close(void);

/* tb_log_parse_level reads "debug", "info", "warn", "error" or "off". Returns TB_OK or
 * TB_EINVAL (and leaves *out alone). */
int tb_log_parse_level(const char *s, tb_log_level *out);

/* tb_log_enabled tells whether any sink takes lvl, so a caller can skip costly formatting. */
int tb_log_enabled(tb_log_level lvl);

void tb_log(tb_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tb_vlog(tb_log_level lvl, const char *fmt, va_list ap);

#define tb_debug(...) tb_log(TB_LOG_DEBUG, __VA_ARGS__)
#define tb_info(...) tb_log(TB_LOG_INFO, __VA_ARGS__)
#define tb_warn(...) tb_log(TB_LOG_WARN, __VA_ARGS__)
#define tb_error(...) tb_log(TB_LOG_ERROR, __VA_ARGS__)

#endif
