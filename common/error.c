/* SPDX-License-Identifier: MIT */
/* error.c - names for tb_err and the mapping of other libraries' codes into it. */
#include "common/error.h"

#include <nng/nng.h>

static const char *const names[TB_ERR_COUNT] = {
	[TB_OK] = "success",
	[TB_ENOMEM] = "out of memory",
	[TB_EINVAL] = "invalid argument",
	[TB_EAGAIN] = "try again",
	[TB_ETIMEDOUT] = "timed out",
	[TB_ECLOSED] = "closed",
	[TB_EPROTO] = "protocol error",
	[TB_EVERSION] = "version mismatch",
	[TB_EPEER] = "peer reported an error",
	[TB_ENOENT] = "not found",
	[TB_EEXIST] = "already exists",
	[TB_EBADHDR] = "bad shared-memory header",
	[TB_ECORRUPT] = "corrupt data",
	[TB_EMSGSIZE] = "message too large",
	[TB_ESYS] = "system call failed",
	[TB_EADDR] = "bad or refused address",
	[TB_ESTATE] = "invalid state",
	[TB_EINTR] = "interrupted by a signal",
};

const char *tb_strerror(int err)
{
	if (err < 0 || err >= TB_ERR_COUNT || names[err] == NULL)
		return "unknown error";
	return names[err];
}

int tb_err_from_nng(int rv)
{
	switch (rv) {
	case 0:
		return TB_OK;
	case NNG_ENOMEM:
		return TB_ENOMEM;
	case NNG_EINVAL:
		return TB_EINVAL;
	case NNG_EAGAIN:
		return TB_EAGAIN;
	case NNG_ETIMEDOUT:
		return TB_ETIMEDOUT;
	case NNG_ECLOSED:
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
		return TB_ECLOSED;
	case NNG_EPROTO:
		return TB_EPROTO;
	case NNG_EMSGSIZE:
		return TB_EMSGSIZE;
	case NNG_ENOENT:
		return TB_ENOENT;
	case NNG_EADDRINUSE:
	case NNG_EADDRINVAL:
	case NNG_ECONNREFUSED:
	case NNG_EUNREACHABLE:
		return TB_EADDR;
	case NNG_ESTATE:
		return TB_ESTATE;
	default:
		return TB_ESYS;
	}
}
