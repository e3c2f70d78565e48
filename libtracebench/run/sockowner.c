/* SPDX-License-Identifier: MIT */
/* sockowner.c - a loopback connection's local process, from /proc (sockowner.h). */
#include "libtracebench/run/sockowner.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"

/* socket_inode finds the inode of the TCP socket whose local address is addr. */
static int socket_inode(const struct sockaddr_in *addr, unsigned long *inode)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[512];
	int rc = TB_ENOENT;
	if (f == NULL)
		return TB_ENOENT;
	/* "sl local_address rem_address st ... uid timeout inode": addresses are the
	 * 32-bit value as the kernel holds it, in hex, then the port. */
	unsigned want_ip = addr->sin_addr.s_addr, want_port = ntohs(addr->sin_port);
	if (fgets(line, sizeof(line), f) == NULL)
		goto out;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned ip, port;
		unsigned long ino;
		if (sscanf(line, " %*u: %8X:%4X %*8X:%*4X %*2X %*8X:%*8X %*2X:%*8X %*8X %*u %*d %lu",
			   &ip, &port, &ino) != 3)
			continue;
		if (ip == want_ip && port == want_port && ino != 0) {
			*inode = ino;
			rc = TB_OK;
			break;
		}
	}
out:
	fclose(f);
	return rc;
}

/* holds tells whether process pid has socket inode among its descriptors. */
static bool holds(pid_t pid, unsigned long inode)
{
	char dir[64], want[48];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;
	while (d != NULL && !found && (de = readdir(d)) != NULL) {
		char path[320], target[64];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		found = strcmp(target, want) == 0;
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/* tree_holds tells whether pid or one of its descendants (a client a shell script
 * starts, say) holds inode, depth generations down at most. */
static bool tree_holds(pid_t pid, unsigned long inode, int depth)
{
	if (holds(pid, inode))
		return true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = depth > 0 ? fopen(path, "r") : NULL;
	int child;
	bool found = false;
	while (f != NULL && !found && fscanf(f, "%d", &child) == 1)
		found = child > 0 && tree_holds((pid_t)child, inode, depth - 1);
	if (f != NULL)
		fclose(f);
	return found;
}

int orc_sock_owner(const struct sockaddr_in *addr, const pid_t *pids, size_t n,
		   size_t *which)
{
	unsigned long inode;
	if (socket_inode(addr, &inode) != TB_OK)
		return TB_ENOENT;
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && tree_holds(pids[i], inode, 3)) {
			*which = i;
			return TB_OK;
		}
	return TB_ENOENT;
}
