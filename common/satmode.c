/* SPDX-License-Identifier: MIT */
/* satmode.c - the satellite modes' one name table. */
#include "common/satmode.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"

static const char *const names[TB_SAT_MODE_COUNT] = {
	[TB_SAT_TYPICAL] = "typical",
	[TB_SAT_SLOW_SUCCEED] = "slow_succeed",
	[TB_SAT_SLOW_FAIL] = "slow_fail",
};

const char *tb_sat_mode_name(tb_sat_mode m)
{
	return m >= 0 && m < TB_SAT_MODE_COUNT ? names[m] : "";
}

int tb_sat_mode_parse(const char *s, size_t len, tb_sat_mode *out)
{
	for (int i = 0; i < TB_SAT_MODE_COUNT; i++) {
		if (strlen(names[i]) == len && memcmp(s, names[i], len) == 0) {
			*out = (tb_sat_mode)i;
			return TB_OK;
		}
	}
	return TB_EINVAL;
}

void tb_sat_mode_choices(char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; i < TB_SAT_MODE_COUNT && off < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == TB_SAT_MODE_COUNT ? " or " : ", ";
		off += (size_t)snprintf(buf + off, len - off, "%s%s", sep, names[i]);
	}
}
