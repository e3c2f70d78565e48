/* SPDX-License-Identifier: MIT */
/* markup.h - text written into HTML or XML, escaped once for both. */
#ifndef ORC_MARKUP_H
#define ORC_MARKUP_H

#include <stdio.h>

/* orc_markup writes s with the five characters HTML and XML give meaning to escaped,
 * and control characters (which XML 1.0 forbids) as spaces. */
void orc_markup(FILE *f, const char *s);

#endif
