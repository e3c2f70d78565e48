/* SPDX-License-Identifier: MIT */
/* labels.h - the text labels of a graph's events laid out so none covers another: each
 * label starts at its event's time and takes the highest row where it clears every label
 * already placed. A storm of events at one instant stacks down the panel instead of
 * printing over itself. */
#ifndef ORC_LABELS_H
#define ORC_LABELS_H

#include <stddef.h>

typedef struct orc_label {
	double x;		/* where it starts, in the x axis' units */
	size_t chars;		/* its length */
	int row;		/* set by orc_labels_place: 0 the top row */
} orc_label;

/* The plot it goes on: how many x units one pixel is, and how many rows fit. */
typedef struct orc_label_area {
	double x_per_px;
	double char_px;		/* the font's widest average character */
	int rows;
} orc_label_area;

/* orc_labels_place gives each of the n labels, taken in order, its row. Returns how many
 * labels found no free row (each then goes in the row least crowded at its place). */
size_t orc_labels_place(orc_label *l, size_t n, const orc_label_area *a);

#endif
