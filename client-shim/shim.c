/* SPDX-License-Identifier: MIT */
/* shim.c - the control channel's client side, on libcurl. */
#include "client-shim/shim.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/command.h"
#include "common/error.h"

#define MAX_REPLY (1u << 20)
#define TIMEOUT_MS 30000L	/* a run of several clients holds GET /control until all ask */

typedef struct reply {
	char *data;
	size_t len;
	bool too_large;
} reply;

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
	reply *r = userdata;
	size_t len = size * n;
	if (r->len + len > MAX_REPLY) {
		r->too_large = true;
		return 0;
	}
	char *nd = realloc(r->data, r->len + len + 1);
	if (nd == NULL)
		return 0;
	r->data = nd;
	memcpy(r->data + r->len, p, len);
	r->len += len;
	r->data[r->len] = '\0';
	return len;
}

const char *tb_shim_control_url(void)
{
	const char *u = getenv("TB_CONTROL_URL");
	return u != NULL && u[0] != '\0' ? u : TB_SHIM_DEFAULT_URL;
}

bool tb_shim_set_satellites(tb_command *cmd, const char *list)
{
	char *copy = strdup(list), *save = NULL;
	cmd->n_satellites = 0;
	bool ok = copy != NULL;
	for (char *s = ok ? strtok_r(copy, ",", &save) : NULL; s != NULL;
	     s = strtok_r(NULL, ",", &save)) {
		if (cmd->n_satellites == TB_CMD_MAX_SATELLITES || strchr(s, ':') == NULL ||
		    strlen(s) >= sizeof(cmd->satellites[0])) {
			ok = false;
			break;
		}
		snprintf(cmd->satellites[cmd->n_satellites++], sizeof(cmd->satellites[0]), "%s", s);
	}
	free(copy);
	return ok && cmd->n_satellites > 0;
}

int tb_shim_argv_defaults(tb_command *cmd, char *err, size_t errlen)
{
	tb_command_init(cmd);
	const char *sats = getenv("TB_SATELLITES"), *proto = getenv("TB_PROTOCOL");
	if (sats == NULL || !tb_shim_set_satellites(cmd, sats))
		tb_shim_set_satellites(cmd, "127.0.0.1:8360");
	if (proto != NULL && tb_protocol_parse(proto, &cmd->protocol) != TB_OK) {
		snprintf(err, errlen, "TB_PROTOCOL=%s is not lightstep or otlp", proto);
		return TB_EINVAL;
	}
	const char *token = getenv(TB_ACCESS_TOKEN_ENV);
	if (token != NULL && token[0] != '\0')
		snprintf(cmd->access_token, sizeof(cmd->access_token), "%s", token);
	return TB_OK;
}

/* request does one HTTP exchange; post_body NULL means GET. On TB_OK, *out holds the
 * 2xx reply body (free it). */
static int request(const char *base_url, const char *path, const char *post_body,
		   reply *out, char *err, size_t errlen)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", base_url, path);
	memset(out, 0, sizeof(*out));
	CURL *h = curl_easy_init();
	if (h == NULL) {
		snprintf(err, errlen, "libcurl could not start");
		return TB_ENOMEM;
	}
	struct curl_slist *hdr = NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (post_body != NULL) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body);
	}
	const char *token = getenv(TB_TOKEN_ENV);
	if (token != NULL && token[0] != '\0' && strlen(token) <= 64) {
		char line[100];
		snprintf(line, sizeof(line), "%s: %s", TB_TOKEN_HEADER, token);
		hdr = curl_slist_append(hdr, line);
	}
	if (hdr != NULL)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	CURLcode cc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	int rc = TB_OK;
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "cannot reach the orchestrator at %s: %s", url,
			 out->too_large ? "reply over 1 MiB" : curl_easy_strerror(cc));
		rc = TB_ECLOSED;
	} else if (status < 200 || status > 299) {
		/* The channel's error bodies are one line of text. */
		char line[200] = "";
		if (out->data != NULL)
			snprintf(line, sizeof(line), "%.*s", (int)strcspn(out->data, "\r\n"),
				 out->data);
		snprintf(err, errlen, "%s %s answered %ld%s%s", post_body ? "POST" : "GET", url,
			 status, line[0] ? ": " : "", line);
		rc = TB_EPEER;
	}
	if (rc != TB_OK) {
		free(out->data);
		out->data = NULL;
	}
	return rc;
}

int tb_shim_fetch_command(const char *base_url, tb_command *cmd, char *err, size_t errlen)
{
	reply r;
	int rc = request(base_url, "/control", NULL, &r, err, errlen);
	if (rc != TB_OK)
		return rc;
	char why[256];
	rc = tb_command_from_json(r.data ? r.data : "", r.len, cmd, why, sizeof(why));
	if (rc != TB_OK)
		snprintf(err, errlen, "GET %s/control answered nonsense: %s", base_url, why);
	free(r.data);
	return rc;
}

int tb_shim_report_result(const char *base_url, const tb_client_result *res, char *err,
			  size_t errlen)
{
	char *json = tb_client_result_to_json(res);
	if (json == NULL) {
		snprintf(err, errlen, "out of memory");
		return TB_ENOMEM;
	}
	reply r;
	int rc = request(base_url, "/result", json, &r, err, errlen);
	free(json);
	free(r.data);
	return rc;
}
