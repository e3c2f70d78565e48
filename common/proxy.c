/* SPDX-License-Identifier: MIT */
/* proxy.c - starting a proxy in front of the satellites: one table row per kind (its
 * program, its configuration, its command line), then the same steps for each: choose a
 * port, write the configuration, start, wait until it accepts. */
#include "common/proxy.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ftw.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wordexp.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/host.h"
#include "common/rpc.h"

typedef int (*conf_writer)(FILE *f, const tb_proxy *p, const tb_proxy_opts *o);

typedef struct proxy_kind {
	const char *name;
	const char *program;		/* NULL: the command line gives it */
	bool ours;			/* a tracebench program, found beside this one */
	const char *conf_name;		/* the configuration's file name in opts.dir; NULL: none */
	conf_writer write_conf;
	/* The command line after the program; "%c" becomes the configuration's path,
	 * "%d" the directory, "%p" the port, "%u" the satellites' URLs (http://host:port,
	 * comma-separated), "%C" the control URL. */
	const char *args[16];
} proxy_kind;

/* nginx in the foreground, a master and one worker as it is usually run, its error log
 * and temporary files in the run's directory; bodies up to 64 MiB are held in memory so
 * that a report is never written to disk on its way through. */
static int nginx_conf(FILE *f, const tb_proxy *p, const tb_proxy_opts *o)
{
	fprintf(f, "daemon off;\nworker_processes 1;\npid %s/nginx.pid;\n"
		   "error_log %s warn;\nevents { worker_connections 4096; }\nhttp {\n"
		   "  access_log off;\n  client_max_body_size 64m;\n"
		   "  client_body_buffer_size 64m;\n  client_body_temp_path %s/body;\n"
		   "  proxy_temp_path %s/proxy;\n  fastcgi_temp_path %s/fastcgi;\n"
		   "  uwsgi_temp_path %s/uwsgi;\n  scgi_temp_path %s/scgi;\n"
		   "  upstream satellites {\n",
		o->dir, p->log_path, o->dir, o->dir, o->dir, o->dir, o->dir);
	for (size_t i = 0; i < o->nupstreams; i++)
		fprintf(f, "    server %s;\n", o->upstreams[i]);
	fprintf(f, "    keepalive 64;\n  }\n  server {\n    listen 127.0.0.1:%u;\n"
		   "    location / {\n      proxy_pass http://satellites;\n"
		   "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
		   "      proxy_buffering off;\n    }\n  }\n",
		(unsigned)p->port);
	/* gRPC is HTTP/2: nginx serves cleartext HTTP/2 only on a port of its own. */
	fprintf(f, "  server {\n    listen 127.0.0.1:%u http2;\n"
		   "    location / {\n      grpc_pass grpc://satellites;\n    }\n  }\n}\n",
		(unsigned)p->grpc_port);
	return ferror(f) ? TB_ESYS : TB_OK;
}

/* HAProxy in the foreground (-db), HTTP mode, round robin over the satellites. */
static int haproxy_conf(FILE *f, const tb_proxy *p, const tb_proxy_opts *o)
{
	(void)o;
	fprintf(f, "global\n  maxconn 4096\n\ndefaults\n  mode http\n  timeout connect 5s\n"
		   "  timeout client 60s\n  timeout server 60s\n  option http-keep-alive\n\n"
		   "frontend tracer\n  bind 127.0.0.1:%u\n  default_backend satellites\n\n"
		   "backend satellites\n  balance roundrobin\n", (unsigned)p->port);
	for (size_t i = 0; i < o->nupstreams; i++)
		fprintf(f, "  server s%zu %s\n", i, o->upstreams[i]);
	return ferror(f) ? TB_ESYS : TB_OK;
}

static const proxy_kind kinds[TB_PROXY_KIND_COUNT] = {
	[TB_PROXY_NONE] = {"none", NULL, false, NULL, NULL, {NULL}},
	[TB_PROXY_NGINX] = {"nginx", "nginx", false, "nginx.conf", nginx_conf,
			    {"-p", "%d", "-e", "stderr", "-c", "%c", NULL}},
	[TB_PROXY_HAPROXY] = {"haproxy", "haproxy", false, "haproxy.cfg", haproxy_conf,
			      {"-db", "-f", "%c", NULL}},
	/* No duplicate set: a forwarder need not check, and its memory is what is measured. */
	[TB_PROXY_SATELLITE] = {"satellite", "satellite", true, NULL, NULL,
				{"--ports", "%p", "--dup-slots", "0", "--forward", "%u",
				 "--control", "%C", NULL}},
	[TB_PROXY_COMMAND] = {"command", NULL, false, NULL, NULL, {NULL}},
};

const char *tb_proxy_kind_name(tb_proxy_kind k)
{
	return k >= 0 && k < TB_PROXY_KIND_COUNT ? kinds[k].name : "";
}

int tb_proxy_kind_parse(const char *s, size_t len, tb_proxy_kind *out)
{
	for (int i = 0; i < TB_PROXY_KIND_COUNT; i++) {
		if (strlen(kinds[i].name) == len && memcmp(s, kinds[i].name, len) == 0) {
			*out = (tb_proxy_kind)i;
			return TB_OK;
		}
	}
	return TB_EINVAL;
}

void tb_proxy_kind_choices(char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = TB_PROXY_NONE + 1; i < TB_PROXY_KIND_COUNT && off < len; i++) {
		const char *sep = i == TB_PROXY_NONE + 1 ? "" : i + 1 == TB_PROXY_KIND_COUNT ?
			" or " : ", ";
		off += (size_t)snprintf(buf + off, len - off, "%s%s%s", sep, kinds[i].name,
					i == TB_PROXY_COMMAND ? " \"...\"" : "");
	}
}

/* The placeholders of a command proxy's command line. */
typedef struct placeholders {
	char listen[32], port[8], upstream[128], upstreams[TB_PROXY_MAX_UPSTREAMS * 48];
	const char *dir;
} placeholders;

/* The placeholders' names, and what each becomes while the line is split: wordexp
 * refuses braces outside quotes. The first two say where to listen. */
static const struct { const char *name, *mark; } marks[] = {
	{"{listen}", "@@tb-listen@@"}, {"{port}", "@@tb-port@@"},
	{"{upstreams}", "@@tb-upstreams@@"}, {"{upstream}", "@@tb-upstream@@"},
	{"{dir}", "@@tb-dir@@"},
};
#define NMARKS (sizeof(marks) / sizeof(marks[0]))

/* mark_placeholders writes command into out with each placeholder turned into its mark;
 * false if it does not fit. */
static bool mark_placeholders(const char *command, char *out, size_t len)
{
	size_t off = 0;
	for (const char *c = command; *c != '\0';) {
		size_t i;
		for (i = 0; i < NMARKS && strncmp(c, marks[i].name, strlen(marks[i].name)) != 0; i++)
			;
		const char *add = i < NMARKS ? marks[i].mark : c;
		size_t alen = i < NMARKS ? strlen(add) : 1;
		if (off + alen >= len)
			return false;
		memcpy(out + off, add, alen);
		off += alen;
		c += i < NMARKS ? strlen(marks[i].name) : 1;
	}
	out[off] = '\0';
	return true;
}

/* expand_word writes word into out with each mark replaced by its value; false if it
 * does not fit. *names_port is set when it names {listen} or {port}. */
static bool expand_word(const char *word, const placeholders *ph, char *out, size_t len,
			bool *names_port)
{
	const char *values[NMARKS] = {ph->listen, ph->port, ph->upstreams, ph->upstream, ph->dir};
	const struct { const char *name, *value; } subs[] = {
		{marks[0].mark, values[0]}, {marks[1].mark, values[1]}, {marks[2].mark, values[2]},
		{marks[3].mark, values[3]}, {marks[4].mark, values[4]},
	};
	size_t off = 0;
	for (const char *w = word; *w != '\0';) {
		size_t i, n = sizeof(subs) / sizeof(subs[0]);
		for (i = 0; i < n && strncmp(w, subs[i].name, strlen(subs[i].name)) != 0; i++)
			;
		const char *add = i < n ? subs[i].value : w;
		size_t alen = i < n ? strlen(add) : 1;
		if (i < 2)
			*names_port = true;
		if (off + alen >= len)
			return false;
		memcpy(out + off, add, alen);
		off += alen;
		w += i < n ? strlen(subs[i].name) : 1;
	}
	out[off] = '\0';
	return true;
}

/* expand_command splits a command line into words[] (malloc'd, NULL-ended; at most
 * max-1) with its placeholders replaced. TB_OK or TB_EINVAL with err. */
static int expand_command(const char *command, const placeholders *ph, char **words,
			  size_t max, char *err, size_t errlen)
{
	wordexp_t we;
	bool names_port = false;
	int rc = TB_EINVAL;
	char marked[TB_PROXY_COMMAND_MAX * 2];
	words[0] = NULL;
	if (!mark_placeholders(command, marked, sizeof(marked))) {
		snprintf(err, errlen, "proxy command \"%s\": too long", command);
		return TB_EINVAL;
	}
	int w = wordexp(marked, &we, WRDE_NOCMD | WRDE_SHOWERR);
	if (w != 0) {
		snprintf(err, errlen, "proxy command \"%s\": %s", command,
			 w == WRDE_CMDSUB ? "command substitution is not allowed" :
			 w == WRDE_BADCHAR ? "a character such as | & ; < > ( ) { } needs quotes "
					     "(placeholders: {listen} {port} {upstream} {upstreams} "
					     "{dir})" :
			 w == WRDE_SYNTAX ? "unbalanced quotes" : "does not split into words");
		return TB_EINVAL;
	}
	if (we.we_wordc == 0 || we.we_wordc >= max) {
		snprintf(err, errlen, "proxy command \"%s\": expected a program and at most %zu "
				      "arguments", command, max - 2);
		goto out;
	}
	size_t i;
	for (i = 0; i < we.we_wordc; i++) {
		char buf[TB_PROXY_COMMAND_MAX + sizeof(ph->upstreams)];
		if (!expand_word(we.we_wordv[i], ph, buf, sizeof(buf), &names_port) ||
		    (words[i] = strdup(buf)) == NULL)
			break;
		words[i + 1] = NULL;
	}
	if (i < we.we_wordc)
		snprintf(err, errlen, "proxy command \"%s\": a word is too long", command);
	else if (!names_port)
		snprintf(err, errlen, "proxy command \"%s\": it must say where to listen, with "
				      "{listen} or {port}", command);
	else
		rc = TB_OK;
out:
	wordfree(&we);
	for (size_t k = 0; rc != TB_OK && words[k] != NULL; k++) {
		free(words[k]);
		words[k] = NULL;
	}
	return rc;
}

int tb_proxy_command_check(const char *command, char *err, size_t errlen)
{
	placeholders ph = {.listen = "127.0.0.1:1", .port = "1", .upstream = "127.0.0.1:1",
			   .upstreams = "127.0.0.1:1", .dir = "/tmp"};
	char *words[64];
	int rc = expand_command(command, &ph, words, 64, err, errlen);
	for (size_t k = 0; rc == TB_OK && words[k] != NULL; k++)
		free(words[k]);
	return rc;
}

void tb_proxy_spec_text(const tb_proxy_spec *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", tb_proxy_kind_name(s->kind),
		 s->kind == TB_PROXY_COMMAND ? " " : "", s->kind == TB_PROXY_COMMAND ? s->command : "");
}

int tb_proxy_spec_parse(const char *s, tb_proxy_spec *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	size_t word = strcspn(s, " \t");
	if (tb_proxy_kind_parse(s, word, &out->kind) != TB_OK) {
		char names[96];
		tb_proxy_kind_choices(names, sizeof(names));
		snprintf(err, errlen, "proxy \"%s\": expected %s, or none", s, names);
		return TB_EINVAL;
	}
	const char *rest = s + word + strspn(s + word, " \t");
	if (out->kind != TB_PROXY_COMMAND) {
		if (*rest == '\0')
			return TB_OK;
		snprintf(err, errlen, "proxy \"%s\": only a command proxy takes more words", s);
		return TB_EINVAL;
	}
	if (*rest == '\0' || strlen(rest) >= sizeof(out->command)) {
		snprintf(err, errlen, "proxy \"%s\": expected command and its command line (at "
				      "most %d bytes)", s, TB_PROXY_COMMAND_MAX - 1);
		return TB_EINVAL;
	}
	snprintf(out->command, sizeof(out->command), "%s", rest);
	return tb_proxy_command_check(out->command, err, errlen);
}

/* free_port asks the kernel for a free loopback port. The proxy binds it a moment
 * later; should another process take it first, the proxy exits and says so in its log. */
static int free_port(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return TB_ESYS;
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
			 getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 ? TB_OK : TB_ESYS;
	close(fd);
	*port = ntohs(sa.sin_port);
	return rc;
}

static int write_conf(tb_proxy *p, const proxy_kind *k, const tb_proxy_opts *o, char *err,
		      size_t errlen)
{
	FILE *f = fopen(p->conf_path, "w");
	if (f == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", p->conf_path, strerror(errno));
		return TB_ESYS;
	}
	int rc = k->write_conf(f, p, o);
	if (fclose(f) != 0 || rc != TB_OK) {
		snprintf(err, errlen, "cannot write %s", p->conf_path);
		return TB_ESYS;
	}
	return TB_OK;
}

static bool accepts(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* last_line puts the last non-empty line of the file at path into buf. */
static void last_line(const char *path, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(path, "r");
	snprintf(buf, len, "(empty)");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		size_t n = strlen(line);
		if (n > 0 && len > 0) {
			n = n < len - 1 ? n : len - 1;
			memcpy(buf, line, n);
			buf[n] = '\0';
		}
	}
	if (f != NULL)
		fclose(f);
}

/* wait_accepting waits until the proxy accepts on its port, or exits, or time runs out. */
static int wait_accepting(tb_proxy *p, const proxy_kind *k, int start_ms, char *err,
			  size_t errlen)
{
	uint64_t end = tb_now_ns() + (uint64_t)start_ms * TB_NS_PER_MS;
	char last[400], how[64];
	for (;;) {
		if (accepts(p->port))
			return TB_OK;
		if (tb_child_wait(&p->child, 20) == TB_OK) {
			last_line(p->log_path, last, sizeof(last));
			snprintf(err, errlen, "%s %s before accepting connections (log %s: %s)",
				 k->name, tb_child_describe(&p->child, how, sizeof(how)),
				 p->log_path, last);
			return TB_ECLOSED;
		}
		if (tb_now_ns() >= end) {
			last_line(p->log_path, last, sizeof(last));
			snprintf(err, errlen, "%s did not accept connections on 127.0.0.1:%u within "
				 "%d ms (log %s: %s)", k->name, (unsigned)p->port, start_ms,
				 p->log_path, last);
			return TB_ETIMEDOUT;
		}
	}
}

/* program_path finds the kind's program in PATH, else in /usr/sbin, where Debian puts
 * both and where a user's PATH often does not reach; tracebench's own beside this one. */
static const char *program_path(const proxy_kind *k, char *buf, size_t len)
{
	if (k->ours)
		return tb_program_path(buf, len, k->program);
	const char *path = getenv("PATH");
	char copy[4096], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", path != NULL ? path : "");
	for (char *d = strtok_r(copy, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/%s", d, k->program);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	snprintf(buf, len, "/usr/sbin/%s", k->program);
	return buf;
}

/* fill_placeholders makes the values a command line's placeholders take. */
static void fill_placeholders(const tb_proxy *p, const tb_proxy_opts *o, placeholders *ph)
{
	size_t off = 0;
	snprintf(ph->listen, sizeof(ph->listen), "127.0.0.1:%u", (unsigned)p->port);
	snprintf(ph->port, sizeof(ph->port), "%u", (unsigned)p->port);
	snprintf(ph->upstream, sizeof(ph->upstream), "%s", o->upstreams[0]);
	ph->upstreams[0] = '\0';
	for (size_t i = 0; i < o->nupstreams && off < sizeof(ph->upstreams); i++)
		off += (size_t)snprintf(ph->upstreams + off, sizeof(ph->upstreams) - off, "%s%s",
					i ? "," : "", o->upstreams[i]);
	ph->dir = o->dir;
}

/* kind_argv makes a table kind's command line, its %-placeholders filled, into argv
 * (malloc'd words, NULL-ended). */
static int kind_argv(const tb_proxy *p, const proxy_kind *k, const tb_proxy_opts *o,
		     char **argv)
{
	char prog[PATH_MAX], port[8], urls[TB_PROXY_MAX_UPSTREAMS * 56];
	size_t n = 0, off = 0;
	snprintf(port, sizeof(port), "%u", (unsigned)p->port);
	urls[0] = '\0';
	for (size_t i = 0; i < o->nupstreams && off < sizeof(urls); i++)
		off += (size_t)snprintf(urls + off, sizeof(urls) - off, "%shttp://%s", i ? "," : "",
					o->upstreams[i]);
	argv[n++] = strdup(program_path(k, prog, sizeof(prog)));
	for (size_t i = 0; k->args[i] != NULL; i++) {
		const char *a = k->args[i];
		argv[n++] = strdup(strcmp(a, "%c") == 0 ? p->conf_path : strcmp(a, "%d") == 0 ? o->dir :
				   strcmp(a, "%p") == 0 ? port : strcmp(a, "%u") == 0 ? urls :
				   strcmp(a, "%C") == 0 ? p->control_url : a);
	}
	argv[n] = NULL;
	for (size_t i = 0; i < n; i++)
		if (argv[i] == NULL)
			return TB_ENOMEM;
	return TB_OK;
}

/* spawn starts the proxy's program with its command line. */
static int spawn(tb_proxy *p, const proxy_kind *k, const tb_proxy_opts *o, char *err,
		 size_t errlen)
{
	char *argv[64] = {NULL};
	int rc;
	if (o->kind == TB_PROXY_COMMAND) {
		placeholders ph;
		fill_placeholders(p, o, &ph);
		rc = expand_command(o->command, &ph, argv, 64, err, errlen);
	} else if ((rc = kind_argv(p, k, o, argv)) != TB_OK) {
		snprintf(err, errlen, "out of memory");
	}
	if (rc == TB_OK) {
		tb_child_opts co = {.stdout_path = p->log_path, .stderr_path = p->log_path,
				    .cwd = o->dir};
		rc = tb_child_spawn(&p->child, argv, &co, err, errlen);
		if (rc == TB_ENOENT)
			snprintf(err, errlen, "%s is not installed (no '%s' %s)", k->name, argv[0],
				 k->ours ? "beside the orchestrator" : "in PATH or /usr/sbin");
	}
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	return rc;
}

static int check_opts(const tb_proxy_opts *o, char *err, size_t errlen)
{
	if (o->kind <= TB_PROXY_NONE || o->kind >= TB_PROXY_KIND_COUNT) {
		snprintf(err, errlen, "no such proxy kind (%d)", (int)o->kind);
		return TB_EINVAL;
	}
	if (o->kind == TB_PROXY_COMMAND && o->command == NULL) {
		snprintf(err, errlen, "a command proxy needs its command line");
		return TB_EINVAL;
	}
	if (o->nupstreams == 0 || o->nupstreams > TB_PROXY_MAX_UPSTREAMS || o->dir == NULL) {
		snprintf(err, errlen, "a proxy needs a directory and 1 to %d satellites, not %zu",
			 TB_PROXY_MAX_UPSTREAMS, o->nupstreams);
		return TB_EINVAL;
	}
	for (size_t i = 0; i < o->nupstreams; i++) {
		/* Written into a configuration file: nothing but a host and a port. */
		if (strspn(o->upstreams[i], "0123456789abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-:[]") !=
			    strlen(o->upstreams[i]) || strchr(o->upstreams[i], ':') == NULL) {
			snprintf(err, errlen, "satellite address '%s' is not host:port",
				 o->upstreams[i]);
			return TB_EINVAL;
		}
	}
	return TB_OK;
}

int tb_proxy_start(tb_proxy *p, const tb_proxy_opts *o, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	int rc = check_opts(o, err, errlen);
	if (rc != TB_OK)
		return rc;
	const proxy_kind *k = &kinds[o->kind];
	p->kind = o->kind;
	if (k->conf_name != NULL)
		snprintf(p->conf_path, sizeof(p->conf_path), "%s/%s", o->dir, k->conf_name);
	snprintf(p->log_path, sizeof(p->log_path), "%s/%s.log", o->dir,
		 o->kind == TB_PROXY_COMMAND ? "proxy" : k->name);
	p->port = o->port;
	if ((p->port == 0 && (rc = free_port(&p->port)) != TB_OK) ||
	    (o->kind == TB_PROXY_NGINX && (rc = free_port(&p->grpc_port)) != TB_OK)) {
		snprintf(err, errlen, "cannot find a free port for %s: %s", k->name,
			 strerror(errno));
		return rc;
	}
	/* In /tmp, not the directory: an ipc path has at most 107 bytes. */
	if (o->kind == TB_PROXY_SATELLITE)
		snprintf(p->control_url, sizeof(p->control_url),
			 "ipc:///tmp/tracebench-proxy-%d-%u.ipc", (int)getpid(), (unsigned)p->port);
	if ((k->write_conf != NULL && (rc = write_conf(p, k, o, err, errlen)) != TB_OK) ||
	    (rc = spawn(p, k, o, err, errlen)) != TB_OK)
		return rc;
	p->running = 1;
	rc = wait_accepting(p, k, o->start_ms > 0 ? o->start_ms : 10000, err, errlen);
	if (rc != TB_OK)
		tb_proxy_stop(p);
	return rc;
}

/* in_group tells whether process pid is in process group pgrp (/proc/PID/stat). The
 * command name may hold spaces and ')': fields are counted from its last ')'. */
static bool in_group(const char *pid, pid_t pgrp)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *q = strrchr(buf, ')');
	long grp;
	return q != NULL && sscanf(q + 1, " %*c %*d %ld", &grp) == 1 && grp == (long)pgrp;
}

/* cpu_ns sums the time on CPU of every thread of process pid, in ns from each thread's
 * schedstat: /proc/PID/stat counts in clock ticks (10 ms), too coarse for a proxy that
 * uses a fraction of a percent of a core over a few seconds. */
static uint64_t cpu_ns(const char *pid)
{
	char path[300];
	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	DIR *d = opendir(path);
	uint64_t sum = 0;
	struct dirent *de;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char sp[600];
		unsigned long long ns;
		snprintf(sp, sizeof(sp), "/proc/%s/task/%s/schedstat", pid, de->d_name);
		FILE *f = fopen(sp, "r");
		if (f != NULL && fscanf(f, "%llu", &ns) == 1)
			sum += ns;
		if (f != NULL)
			fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return sum;
}

/* hwm_bytes reads /proc/PID/status's VmHWM. */
static uint64_t hwm_bytes(const char *pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	FILE *f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return (uint64_t)kb * 1024;
}

int tb_proxy_usage(const tb_proxy *p, uint64_t *cpu, uint64_t *peak_rss)
{
	*cpu = *peak_rss = 0;
	if (!p->running)
		return TB_ENOENT;
	DIR *d = opendir("/proc");
	if (d == NULL)
		return TB_ESYS;
	size_t found = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || !in_group(de->d_name, p->child.pid))
			continue;
		found++;
		*cpu += cpu_ns(de->d_name);
		*peak_rss += hwm_bytes(de->d_name);
	}
	closedir(d);
	return found > 0 ? TB_OK : TB_ENOENT;
}

/* forward_counts reads a forwarding satellite's counts over its control channel. */
static int forward_counts(tb_proxy *p, tb_proxy_figures *f, char *err, size_t errlen)
{
	int rc;
	if (p->ctl == NULL &&
	    (rc = tb_rpc_client_alloc(&p->ctl, p->control_url, 5000, NULL, err, errlen)) != TB_OK)
		return rc;
	Tb__Envelope req = TB__ENVELOPE__INIT, *rep;
	Tb__SatGetCounters g = TB__SAT_GET_COUNTERS__INIT;
	req.body_case = TB__ENVELOPE__BODY_SAT_GET_COUNTERS;
	req.sat_get_counters = &g;
	if ((rc = tb_rpc_call_expect(p->ctl, &req, TB__ENVELOPE__BODY_SAT_COUNTERS, &rep, err,
				     errlen)) != TB_OK)
		return rc;
	const Tb__ForwardCounts *fw = rep->sat_counters->forward;
	if ((f->tells_held = fw != NULL)) {
		f->held_spans = fw->held_spans;
		f->dropped_spans = fw->rejected + fw->expired;
		f->queue_peak = fw->queue_peak_bytes;
	}
	tb_rpc_free(rep);
	return TB_OK;
}

int tb_proxy_read(tb_proxy *p, tb_proxy_figures *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof(*f));
	int rc = tb_proxy_usage(p, &f->cpu_ns, &f->peak_rss);
	if (rc != TB_OK) {
		snprintf(err, errlen, "%s is no longer running", tb_proxy_kind_name(p->kind));
		return rc;
	}
	return p->control_url[0] != '\0' ? forward_counts(p, f, err, errlen) : TB_OK;
}

void tb_proxy_stop(tb_proxy *p)
{
	tb_rpc_client_free(p->ctl);
	p->ctl = NULL;
	if (!p->running)
		return;
	tb_child_stop(&p->child, 2000);
	tb_child_fini(&p->child);
	p->running = 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int tb_proxy_remove_dir(const char *dir)
{
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT ? TB_OK
										       : TB_ESYS;
}
