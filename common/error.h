/* error.h - tracebench's one error space: every tb_* function that can fail returns one
 * of these (0 = TB_OK), and tb_strerror() names it. Errors from nng, protobuf-c, libc and
 * libmicrohttpd are mapped into it where they enter our code. */
#ifndef TB_ERROR_H
#define TB_ERROR_H

typedef enum tb_err {
	TB_OK = 0,
	TB_ENOMEM,	/* out of memory */
	TB_EINVAL,	/* an argument or input is out of range */
	TB_EAGAIN,	/* nothing now; try again (empty ring, full ring) */
	TB_ETIMEDOUT,	/* a deadline passed */
	TB_ECLOSED,	/* the object or peer is closed */
	TB_EPROTO,	/* a message did not decode or broke the protocol */
	TB_EVERSION,	/* the peer speaks another protocol or layout version */
	TB_EPEER,	/* the peer answered with an error */
	TB_ENOENT,	/* no such object (segment, process, file) */
	TB_EEXIST,	/* the object already exists */
	TB_EBADHDR,	/* a shared-memory header failed validation */
	TB_ECORRUPT,	/* data that validated before is now inconsistent */
	TB_EMSGSIZE,	/* a record or message is too large */
	TB_ESYS,	/* a system call failed; errno tells more */
	TB_EADDR,	/* a bad or refused address (URL, port) */
	TB_ESTATE,	/* not possible in the current state */
	TB_EINTR,	/* stopped by a signal (SIGINT, SIGTERM, SIGHUP) */
	TB_ERR_COUNT
} tb_err;

/* tb_strerror returns a static, human-readable name for err; never NULL. Unknown values
 * give "unknown error". */
const char *tb_strerror(int err);

/* tb_err_from_nng maps an nng error code to the closest tb_err. */
int tb_err_from_nng(int nng_rv);

#endif
