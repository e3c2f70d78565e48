/* SPDX-License-Identifier: MIT */
/* work.h - the unit of CPU work every C and C++ client does per span (Work units), one
 * definition so that the clients' CPU figures compare. Plain C, usable from C++. */
#ifndef TB_WORK_H
#define TB_WORK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TB_WORKLOAD_MAX_KEYS 1000	/* NumTags and NumLogs */

/* tb_workload_work does units of dependent floating-point steps, steps_per_unit each,
 * that the compiler cannot drop. */
void tb_workload_work(uint64_t units, uint64_t steps_per_unit);

#ifdef __cplusplus
}
#endif

#endif
