/* SPDX-License-Identifier: MIT */
/* satmode.h - the satellite's modes, named once: the satellite, the orchestrator's
 * command line and plans, and the SatFaults message all use these names. */
#ifndef TB_SATMODE_H
#define TB_SATMODE_H

#include <stddef.h>

typedef enum tb_sat_mode {
	TB_SAT_DEFAULT = -1,	/* not given: keep the mode a group already has */
	TB_SAT_TYPICAL = 0,	/* answer 200 at once */
	TB_SAT_SLOW_SUCCEED,	/* wait 100 ms + 20 us per span, then 200 */
	TB_SAT_SLOW_FAIL,	/* wait 100 ms + 20 us per span, then an error status */
	TB_SAT_MODE_COUNT
} tb_sat_mode;

/* tb_sat_mode_name: "typical", "slow_succeed", "slow_fail"; "" for TB_SAT_DEFAULT. */
const char *tb_sat_mode_name(tb_sat_mode m);

/* tb_sat_mode_parse reads a mode's name (len bytes). TB_OK or TB_EINVAL. */
int tb_sat_mode_parse(const char *s, size_t len, tb_sat_mode *out);

/* tb_sat_mode_choices writes every name, for a message, into buf: "typical,
 * slow_succeed or slow_fail". */
void tb_sat_mode_choices(char *buf, size_t len);

#endif
