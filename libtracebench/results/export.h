/* SPDX-License-Identifier: MIT */
/* export.h - a results directory for CI systems: runs.csv (a row per run, every per-run
 * field of the Result under its name), summary.md (the verdict, assertions and
 * runs in Markdown, the table a CI posts on a pull request) and junit.xml (each assertion
 * and each run a testcase, failed with its values or reason, for test reporters). Made
 * from the directory's own files, so `orchestrator report DIR` makes them again. */
#ifndef ORC_EXPORT_H
#define ORC_EXPORT_H

#include <stddef.h>

/* orc_export_write writes the three files into dir from its runs.jsonl and
 * assertions.jsonl. TB_OK, or an error with err naming the file. */
int orc_export_write(const char *dir, char *err, size_t errlen);

/* orc_export_github_benchmark writes dir/github-benchmark.json: the array
 * github-action-benchmark reads as customSmallerIsBetter, one entry per run name and
 * headline figure where smaller is better (orc_result_headlines), its value the median of
 * the judged repeats. TB_OK, or an error with err naming the file. */
int orc_export_github_benchmark(const char *dir, char *err, size_t errlen);

#endif
