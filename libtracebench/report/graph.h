/* SPDX-License-Identifier: MIT */
/* graph.h - one graph of a plan, drawn by gnuplot: the data file and the script are
 * written beside the images (graphs/NAME.dat, graphs/NAME.gp) so anyone can restyle a
 * graph and rerun `gnuplot NAME.gp` in that directory; gnuplot then makes NAME.png and
 * NAME.svg. gnuplot runs as a child process with a time limit. */
#ifndef ORC_GRAPH_H
#define ORC_GRAPH_H

#include <stddef.h>

#include "libtracebench/plan/plan.h"
#include "libtracebench/results/runsfile.h"

/* orc_graph_write writes dir/NAME.dat and dir/NAME.gp for g, drawn from the rows of the
 * runs g names. A graph whose runs left no data is still written, saying so. TB_OK, or
 * TB_ESYS with err filled. */
int orc_graph_write(const orc_graph *g, const orc_result *rows, size_t n, const char *dir,
		    char *err, size_t errlen);

/* orc_graph_render runs `gnuplot NAME.gp` in dir (gnuplot: a program name or path;
 * NULL means $TB_GNUPLOT, else "gnuplot"), its messages going to NAME.log, and checks
 * that NAME.png and NAME.svg were made. TB_OK; TB_ENOENT when gnuplot cannot be run;
 * TB_EPROTO when it failed (err says how, and where its log is); TB_ETIMEDOUT. */
int orc_graph_render(const char *gnuplot, const char *dir, const char *name, char *err,
		     size_t errlen);

#endif
