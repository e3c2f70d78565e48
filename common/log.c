/* SPDX-License-Identifier: MIT */
/* log.c - the sinks behind log.h: stderr plus up to eight append-only files. */
#include "common/log.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 8
#define LINE_MAX_LEN 4096

struct sink {
	int fd;
	tb_log_level min;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char component[32] = "tracebench";
static struct sink files[MAX_FILES];
static int nfiles;
static tb_log_level stderr_min = TB_LOG_WARN;
/* Lowest level any sink takes, read without the lock on the fast path. */
static _Atomic int lowest = TB_LOG_WARN;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

static void recompute_lowest(void)
{
	int lo = stderr_min;
	for (int i = 0; i < nfiles; i++)
		if ((int)files[i].min < lo)
			lo = files[i].min;
	atomic_store(&lowest, lo);
}

void tb_log_init(const char *name)
{
	pthread_mutex_lock(&lock);
	snprintf(component, sizeof(component), "%s", name);
	pthread_mutex_unlock(&lock);
}

void tb_log_set_stderr(tb_log_level min)
{
	pthread_mutex_lock(&lock);
	stderr_min = min;
	recompute_lowest();
	pthread_mutex_unlock(&lock);
}

int tb_log_add_file(const char *path, tb_log_level min, char *err, size_t errlen)
{
	int rv = TB_OK;
	pthread_mutex_lock(&lock);
	if (nfiles == MAX_FILES) {
		snprintf(err, errlen, "log file %s: at most %d log files", path, MAX_FILES);
		rv = TB_EINVAL;
		goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open log file %s: %s", path, strerror(errno));
		rv = TB_ESYS;
		goto out;
	}
	files[nfiles].fd = fd;
	files[nfiles].min = min;
	nfiles++;
	recompute_lowest();
out:
	pthread_mutex_unlock(&lock);
	return rv;
}

void tb_log_close(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < nfiles; i++)
		close(files[i].fd);
	nfiles = 0;
	recompute_lowest();
	pthread_mutex_unlock(&lock);
}

int tb_log_parse_level(const char *s, tb_log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error", "off"};
	for (int i = 0; i <= TB_LOG_OFF; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (tb_log_level)i;
			return TB_OK;
		}
	}
	return TB_EINVAL;
}

int tb_log_enabled(tb_log_level lvl)
{
	return lvl < TB_LOG_OFF && (int)lvl >= atomic_load_explicit(&lowest, memory_order_relaxed);
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a log that cannot be written must not stop the program */
		buf += n;
		len -= (size_t)n;
	}
}

void tb_vlog(tb_log_level lvl, const char *fmt, va_list ap)
{
	if (!tb_log_enabled(lvl))
		return;

	char line[LINE_MAX_LEN];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);

	pthread_mutex_lock(&lock);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d] %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, component, (int)getpid(),
			 level_names[lvl]);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(line)) {
		int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		if (m > 0)
			n += m;
	}
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2; /* truncated: keep the newline */
	line[n++] = '\n';

	if (lvl >= stderr_min)
		write_all(STDERR_FILENO, line, (size_t)n);
	for (int i = 0; i < nfiles; i++)
		if (lvl >= files[i].min)
			write_all(files[i].fd, line, (size_t)n);
	pthread_mutex_unlock(&lock);
}

void tb_log(tb_log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tb_vlog(lvl, fmt, ap);
	va_end(ap);
}
