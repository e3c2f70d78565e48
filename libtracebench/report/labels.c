/* SPDX-License-Identifier: MIT */
/* labels.c - event labels in rows, first fit: a label takes the first row whose last
 * label ends before it starts. Rows fill left to right, so one end per row suffices. */
#include "libtracebench/report/labels.h"

#include <math.h>

#define MAX_ROWS 32

size_t orc_labels_place(orc_label *l, size_t n, const orc_label_area *a)
{
	double end[MAX_ROWS];
	int rows = a->rows < 1 ? 1 : a->rows > MAX_ROWS ? MAX_ROWS : a->rows;
	for (int r = 0; r < rows; r++)
		end[r] = -INFINITY;
	size_t crowded = 0;
	/* A gap of one character between neighbours, so they read as two. */
	double gap = a->char_px * a->x_per_px;
	for (size_t i = 0; i < n; i++) {
		double width = (double)l[i].chars * a->char_px * a->x_per_px;
		int best = 0;
		l[i].row = -1;
		for (int r = 0; r < rows && l[i].row < 0; r++) {
			if (end[r] + gap <= l[i].x)
				l[i].row = r;
			else if (end[r] < end[best])
				best = r;
		}
		if (l[i].row < 0) {
			l[i].row = best;
			crowded++;
		}
		end[l[i].row] = fmax(end[l[i].row], l[i].x + width);
	}
	return crowded;
}
