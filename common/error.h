/* SPDX-License-Identifier: MIT */
/* error.h - tracebench's one error space: every tb_* function that can fail returns one
 * of these (0 = TB_OK), and tb_strerror() names it. The codes are public, defined in
 * include/tracebench.h; errors from nng, protobuf-c, libc and libmicrohttpd are mapped
 * into them where they enter our code. */
#ifndef TB_ERROR_H
#define TB_ERROR_H

#include "tracebench.h"

/* tb_err_from_nng maps an nng error code to the closest tb_err. */
int tb_err_from_nng(int nng_rv);

#endif
