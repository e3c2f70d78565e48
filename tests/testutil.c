/* SPDX-License-Identifier: MIT */
/* testutil.c - small helpers the test programs share. */
#include "testutil.h"
#include "common/child.h"
#include "common/error.h"
#include "common/rpc.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

size_t tu_read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	return n;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void tu_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bool tu_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return false;
	bool ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok;
}

bool tu_work_dir(const char *name, const char *client_bin, char *work, size_t worklen,
		 char *reg, size_t reglen)
{
	snprintf(work, worklen, "/tmp/tb-%s-test-%d", name, (int)getpid());
	snprintf(reg, reglen, "%s/clients.conf", work);
	if (mkdir(work, 0755) != 0)
		return false;
	FILE *f = fopen(reg, "w");
	if (f == NULL)
		return false;
	fprintf(f, "[c]\ncommand = %s\n", client_bin);
	return fclose(f) == 0;
}

void tu_orc_files_init(tu_orc_files *f, const char *name)
{
	int pid = (int)getpid();
	snprintf(f->reg, sizeof(f->reg), "/tmp/tb-%s-test-%d.conf", name, pid);
	snprintf(f->out, sizeof(f->out), "/tmp/tb-%s-test-%d.out", name, pid);
	snprintf(f->err, sizeof(f->err), "/tmp/tb-%s-test-%d.err", name, pid);
	snprintf(f->logs, sizeof(f->logs), "/tmp/tb-%s-test-%d-logs", name, pid);
}

void tu_orc_files_remove(const tu_orc_files *f)
{
	unlink(f->reg);
	unlink(f->out);
	unlink(f->err);
	tu_remove_tree(f->logs);
}

int tu_orc_run(char *const *argv, const tu_orc_files *f, int timeout_ms)
{
	tb_child c;
	tb_child_opts o = {.stdout_path = f->out, .stderr_path = f->err};
	char err[256];
	if (tb_child_spawn(&c, argv, &o, err, sizeof(err)) != TB_OK)
		return -1;
	int rc = tb_child_wait(&c, timeout_ms);
	int st = c.status;
	tb_child_fini(&c);
	if (rc != TB_OK)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A peer that answers Hello with HelloReply and anything else with Error, until Shutdown. */
void *tu_rpc_serve(void *arg)
{
	tb_rpc_server *s = arg;
	Tb__Envelope *req;
	while (tb_rpc_server_recv(s, 30000, &req) == TB_OK) {
		Tb__Envelope__BodyCase c = req->body_case;
		if (c == TB__ENVELOPE__BODY_HELLO) {
			Tb__Envelope rep = TB__ENVELOPE__INIT;
			Tb__HelloReply hr = TB__HELLO_REPLY__INIT;
			hr.role = "satellite";
			hr.pid = (uint32_t)getpid();
			rep.body_case = TB__ENVELOPE__BODY_HELLO_REPLY;
			rep.hello_reply = &hr;
			tb_rpc_server_reply(s, &rep);
		} else if (c == TB__ENVELOPE__BODY_SHUTDOWN) {
			tb_rpc_server_reply_ok(s);
			tb_rpc_free(req);
			break;
		} else {
			tb_rpc_server_reply_error(s, TB__ERROR_CODE__ERR_UNSUPPORTED,
						  "%s is not handled here", tb_rpc_body_name(c));
		}
		tb_rpc_free(req);
	}
	return NULL;
}

bool tu_require_all(void)
{
	const char *v = getenv("TB_REQUIRE_ALL");
	return v != NULL && strcmp(v, "1") == 0;
}
