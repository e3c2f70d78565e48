/* SPDX-License-Identifier: MIT */
/* units.c - counts, sizes and durations from text. */
#include "common/units.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool tb_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > max)
		return false;
	*out = v;
	return true;
}

bool tb_parse_real(const char *s, double min, double max, double *out)
{
	char *end;
	if (s[0] == '\0' || strchr(" \t\n", s[0]) != NULL)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool tb_parse_size(const char *s, size_t *out)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		return false;
	int shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end != '\0' || v == 0 || v > (SIZE_MAX >> shift))
		return false;
	*out = (size_t)(v << shift);
	return true;
}

bool tb_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	char *end;
	if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '.'))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(v) || v < 0)
		return false;
	double unit = (double)default_unit_ns;
	if (*end != '\0') {
		unit = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i].suffix) == 0)
				unit = units[i].ns;
		if (unit == 0)
			return false;
	}
	double r = v * unit;
	if (r > 1e18)
		return false;
	*ns = (uint64_t)(r + 0.5);
	return true;
}

size_t tb_parse_ports(const char *s, uint16_t *ports, size_t max)
{
	size_t n = 0;
	char *end;
	unsigned long a, b;

	errno = 0;
	a = strtoul(s, &end, 10);
	if (end != s && *end == '-' && s[0] != '-') {
		const char *s2 = end + 1;
		if (*s2 < '0' || *s2 > '9')
			return 0;
		b = strtoul(s2, &end, 10);
		if (*end != '\0' || errno != 0 || a == 0 || b < a || b > 65535 || b - a + 1 > max)
			return 0;
		for (unsigned long p = a; p <= b; p++)
			ports[n++] = (uint16_t)p;
		return n;
	}
	for (const char *p = s;; p = end + 1) {
		errno = 0;
		if (*p < '0' || *p > '9')
			return 0;
		a = strtoul(p, &end, 10);
		if (errno != 0 || a > 65535 || (*end != ',' && *end != '\0') || n == max)
			return 0;
		ports[n++] = (uint16_t)a;
		if (*end == '\0')
			return n;
	}
}
