/* SPDX-License-Identifier: MIT */
/* labels_test.c - event labels laid out in rows: a storm at one instant stacks, labels far
 * apart share the top row, and more labels than rows are counted as crowded. */
#include <criterion/criterion.h>

#include "libtracebench/report/labels.h"

/* 10 px per character, 1 x unit per 100 px: a 10-character label is 1 unit wide. */
static const orc_label_area area = {.x_per_px = 0.01, .char_px = 10, .rows = 4};

Test(labels, a_storm_at_one_instant_stacks_one_row_each)
{
	orc_label l[4];
	for (int i = 0; i < 4; i++)
		l[i] = (orc_label){.x = 5, .chars = 10};
	cr_assert_eq(orc_labels_place(l, 4, &area), 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(l[i].row, i);
}

Test(labels, labels_that_clear_each_other_share_the_top_row)
{
	/* Each is 1 unit wide with a 0.1 gap: 0, 1.1, 2.2 clear; 2.5 does not. */
	orc_label l[4] = {{.x = 0, .chars = 10}, {.x = 1.1, .chars = 10}, {.x = 2.2, .chars = 10},
			  {.x = 2.5, .chars = 10}};
	cr_assert_eq(orc_labels_place(l, 4, &area), 0);
	cr_assert_eq(l[0].row, 0);
	cr_assert_eq(l[1].row, 0);
	cr_assert_eq(l[2].row, 0);
	cr_assert_eq(l[3].row, 1);
}

Test(labels, more_labels_than_rows_are_counted_and_go_where_it_is_least_crowded)
{
	orc_label l[6];
	for (int i = 0; i < 6; i++)
		l[i] = (orc_label){.x = 0, .chars = (size_t)(10 + i)};
	cr_assert_eq(orc_labels_place(l, 6, &area), 2);
	/* The shortest rows (the first labels placed) take the extra ones. */
	cr_assert_eq(l[4].row, 0);
	cr_assert_eq(l[5].row, 1);
}
