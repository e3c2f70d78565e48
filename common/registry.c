/* SPDX-License-Identifier: MIT */
/* registry.c - loading clients.conf with inih and splitting its command lines with
 * wordexp(3). */
#include "common/registry.h"

#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/units.h"

#define MAX_CLIENTS 256

struct tb_registry {
	tb_client_def clients[MAX_CLIENTS];
	size_t n;
};

/* What the inih handler needs while it walks the file. */
typedef struct load_state {
	tb_registry *r;
	const char *path;
	char dir[PATH_MAX];	/* the file's directory, absolute */
	char msg[400];		/* the first error, without its line */
	bool nomem;
} load_state;

int tb_registry_require(const char *path, const char *name, char *err, size_t errlen)
{
	tb_registry *r;
	int rc = tb_registry_load(&r, path, err, errlen);
	if (rc != TB_OK)
		return rc;
	if (tb_registry_find(r, name) == NULL) {
		char names[512];
		snprintf(err, errlen, "client '%s' is not in %s (known: %s)", name, path,
			 tb_registry_names(r, names, sizeof(names)));
		rc = TB_EINVAL;
	}
	tb_registry_free(r);
	return rc;
}

uint64_t tb_client_sleep_interval(const tb_client_def *d)
{
	if (d->sleep_interval_ns > 0)
		return d->sleep_interval_ns;
	return d->mode == TB_CLIENT_ARGV ? TB_ARGV_SLEEP_INTERVAL_NS : TB_HTTP_SLEEP_INTERVAL_NS;
}

const char *tb_client_mode_name(tb_client_mode m)
{
	return m == TB_CLIENT_ARGV ? "argv" : "http";
}

static void free_words(char **w)
{
	if (w == NULL)
		return;
	for (char **p = w; *p != NULL; p++)
		free(*p);
	free(w);
}

static void free_def(tb_client_def *d)
{
	free(d->name);
	free_words(d->argv);
	free_words(d->env);
	free(d->cwd);
	free(d->description);
	memset(d, 0, sizeof(*d));
}

/* split_words splits text like a shell would, without running anything. */
static char **split_words(const char *text, char *msg, size_t msglen)
{
	wordexp_t we;
	int rc = wordexp(text, &we, WRDE_NOCMD | WRDE_UNDEF);
	if (rc != 0) {
		const char *why = rc == WRDE_BADCHAR ? "an unquoted | & ; < > ( ) { } or newline"
				: rc == WRDE_BADVAL  ? "an undefined variable"
				: rc == WRDE_CMDSUB  ? "command substitution, which is not allowed"
				: rc == WRDE_SYNTAX  ? "a syntax error (unbalanced quote?)"
						     : "no memory";
		snprintf(msg, msglen, "cannot split '%s': %s", text, why);
		if (rc == WRDE_NOSPACE)
			wordfree(&we);
		return NULL;
	}
	char **w = calloc(we.we_wordc + 1, sizeof(*w));
	for (size_t i = 0; w != NULL && i < we.we_wordc; i++) {
		w[i] = strdup(we.we_wordv[i]);
		if (w[i] == NULL) {
			free_words(w);
			w = NULL;
		}
	}
	wordfree(&we);
	if (w == NULL)
		snprintf(msg, msglen, "out of memory");
	return w;
}

static bool valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static char *resolve_dir(const char *base, const char *rel)
{
	char joined[PATH_MAX * 2], *out;
	if (rel[0] == '/')
		snprintf(joined, sizeof(joined), "%s", rel);
	else
		snprintf(joined, sizeof(joined), "%s/%s", base, rel);
	out = realpath(joined, NULL);
	return out;
}

/* on_entry is inih's callback: one name = value in a section. Returning 0 stops the
 * parse, and ini_parse then returns this line's number. */
/* new_client starts the client of a new [section]; NULL with st->msg (or st->nomem) set. */
static tb_client_def *new_client(load_state *st, const char *section)
{
	tb_registry *r = st->r;
	if (!valid_name(section)) {
		snprintf(st->msg, sizeof(st->msg),
			 "client name [%s] must be 1-64 letters, digits, '-', '_' or '.'", section);
		return NULL;
	}
	if (tb_registry_find(r, section) != NULL) {
		snprintf(st->msg, sizeof(st->msg), "client [%s] is defined twice", section);
		return NULL;
	}
	if (r->n == MAX_CLIENTS) {
		snprintf(st->msg, sizeof(st->msg), "more than %d clients", MAX_CLIENTS);
		return NULL;
	}
	tb_client_def *d = &r->clients[r->n++];
	d->name = strdup(section);
	d->cwd = strdup(st->dir);
	d->description = strdup("");
	if (d->name == NULL || d->cwd == NULL || d->description == NULL) {
		st->nomem = true;
		return NULL;
	}
	return d;
}

/* The keys of a client's section: one function each, one table. Each returns false with
 * st->msg (or st->nomem) set. */
static bool key_command(load_state *st, tb_client_def *d, const char *value)
{
	free_words(d->argv);
	d->argv = split_words(value, st->msg, sizeof(st->msg));
	if (d->argv == NULL)
		return false;
	if (d->argv[0] == NULL) {
		snprintf(st->msg, sizeof(st->msg), "[%s] command is empty", d->name);
		return false;
	}
	return true;
}

static bool key_env(load_state *st, tb_client_def *d, const char *value)
{
	free_words(d->env);
	d->env = split_words(value, st->msg, sizeof(st->msg));
	if (d->env == NULL)
		return false;
	for (char **e = d->env; *e != NULL; e++)
		if (strchr(*e, '=') == NULL || **e == '=') {
			snprintf(st->msg, sizeof(st->msg), "[%s] env word '%s' is not KEY=VALUE",
				 d->name, *e);
			return false;
		}
	return true;
}

static bool key_mode(load_state *st, tb_client_def *d, const char *value)
{
	if (strcmp(value, "http") == 0)
		d->mode = TB_CLIENT_HTTP;
	else if (strcmp(value, "argv") == 0)
		d->mode = TB_CLIENT_ARGV;
	else {
		snprintf(st->msg, sizeof(st->msg), "[%s] mode '%s' is not http or argv", d->name,
			 value);
		return false;
	}
	return true;
}

static bool key_cwd(load_state *st, tb_client_def *d, const char *value)
{
	char *abs = resolve_dir(st->dir, value);
	if (abs == NULL) {
		snprintf(st->msg, sizeof(st->msg), "[%s] cwd '%s': %s", d->name, value,
			 strerror(errno));
		return false;
	}
	free(d->cwd);
	d->cwd = abs;
	return true;
}

static bool key_description(load_state *st, tb_client_def *d, const char *value)
{
	free(d->description);
	d->description = strdup(value);
	st->nomem = d->description == NULL;
	return !st->nomem;
}

static bool key_sleep_interval(load_state *st, tb_client_def *d, const char *value)
{
	uint64_t ns;
	if (!tb_parse_duration(value, TB_NS_PER_MS, &ns) || ns < TB_NS_PER_US ||
	    ns > 10 * TB_NS_PER_S) {
		snprintf(st->msg, sizeof(st->msg), "[%s] sleep_interval '%s' is not a duration "
			 "from 1us to 10s (100ms)", d->name, value);
		return false;
	}
	d->sleep_interval_ns = ns;
	return true;
}

static const struct registry_key {
	const char *name;
	bool (*take)(load_state *st, tb_client_def *d, const char *value);
} keys[] = {
	{"command", key_command}, {"mode", key_mode}, {"cwd", key_cwd}, {"env", key_env},
	{"description", key_description}, {"sleep_interval", key_sleep_interval},
};

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	load_state *st = user;
	tb_registry *r = st->r;
	tb_client_def *d = r->n > 0 ? &r->clients[r->n - 1] : NULL;
	if (section[0] == '\0') {
		snprintf(st->msg, sizeof(st->msg), "'%s' before any [client] section", name);
		return 0;
	}
	if ((d == NULL || strcmp(d->name, section) != 0) && (d = new_client(st, section)) == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(name, keys[i].name) == 0)
			return keys[i].take(st, d, value) ? 1 : 0;
	char names[128];
	size_t off = 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
					keys[i].name);
	snprintf(st->msg, sizeof(st->msg), "unknown key '%s' in [%s] (expected %s)", name, section,
		 names);
	return 0;
}

int tb_registry_load(tb_registry **rp, const char *path, char *err, size_t errlen)
{
	*rp = NULL;
	load_state st = {0};
	st.path = path;
	char *copy = strdup(path), *abs = NULL;
	if (copy != NULL)
		abs = realpath(dirname(copy), NULL);
	free(copy);
	if (abs == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? TB_ENOENT : TB_EINVAL;
	}
	snprintf(st.dir, sizeof(st.dir), "%s", abs);
	free(abs);

	st.r = calloc(1, sizeof(*st.r));
	if (st.r == NULL)
		return TB_ENOMEM;
	int line = ini_parse(path, on_entry, &st);
	int rc = TB_OK;
	if (line == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = errno == ENOENT ? TB_ENOENT : TB_EINVAL;
	} else if (line == -2 || st.nomem) {
		snprintf(err, errlen, "%s: out of memory", path);
		rc = TB_ENOMEM;
	} else if (line > 0) {
		if (st.msg[0] == '\0')
			snprintf(st.msg, sizeof(st.msg),
				 "expected '[name]', 'key = value' or a comment");
		snprintf(err, errlen, "%s:%d: %s", path, line, st.msg);
		rc = TB_EINVAL;
	} else {
		for (size_t i = 0; i < st.r->n; i++)
			if (st.r->clients[i].argv == NULL) {
				snprintf(err, errlen, "%s: [%s] has no command", path,
					 st.r->clients[i].name);
				rc = TB_EINVAL;
				break;
			}
	}
	for (size_t i = 0; rc == TB_OK && i < st.r->n; i++)
		if (st.r->clients[i].env == NULL &&
		    (st.r->clients[i].env = calloc(1, sizeof(char *))) == NULL)
			rc = TB_ENOMEM;
	if (rc != TB_OK) {
		tb_registry_free(st.r);
		return rc;
	}
	*rp = st.r;
	return TB_OK;
}

void tb_registry_free(tb_registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free_def(&r->clients[i]);
	free(r);
}

const tb_client_def *tb_registry_find(const tb_registry *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->clients[i].name, name) == 0)
			return &r->clients[i];
	return NULL;
}

size_t tb_registry_count(const tb_registry *r)
{
	return r->n;
}

const tb_client_def *tb_registry_at(const tb_registry *r, size_t i)
{
	return i < r->n ? &r->clients[i] : NULL;
}

const char *tb_registry_names(const tb_registry *r, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					r->clients[i].name);
	if (r->n == 0)
		snprintf(buf, len, "(none)");
	return buf;
}
