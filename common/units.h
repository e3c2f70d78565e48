/* SPDX-License-Identifier: MIT */
/* units.h - reading the numbers people type on command lines and in plans: counts,
 * byte sizes ("32M") and durations ("10ms", "1.5s"). Each returns true on a complete,
 * in-range match and false otherwise, so callers can name the bad input. */
#ifndef TB_UNITS_H
#define TB_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* tb_parse_uint reads a decimal integer in 0..max (no sign, no suffix). */
bool tb_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* tb_parse_real reads a finite decimal number (fractions and exponents allowed, nothing
 * after it) within min..max. */
bool tb_parse_real(const char *s, double min, double max, double *out);

/* tb_parse_size reads a byte count above 0 with an optional k, m or g suffix (powers
 * of 1024). */
bool tb_parse_size(const char *s, size_t *out);

/* tb_parse_duration reads a non-negative duration: a decimal number (fractions allowed)
 * followed by ns, us, ms, s, m or h. A bare number means default_unit_ns of it
 * (e.g. TB_NS_PER_MS for flags documented in milliseconds). */
bool tb_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *ns);

/* tb_parse_ports reads a port list: a range "A-B" (1-65535) or numbers "A,B,C" (0-65535;
 * 0 asks for a free port), at most max of them, into ports. Returns the count, or 0 when
 * s is not such a list. */
size_t tb_parse_ports(const char *s, uint16_t *ports, size_t max);

#endif
