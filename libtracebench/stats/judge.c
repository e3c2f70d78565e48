/* SPDX-License-Identifier: MIT */
/* judge.c - assertion expressions evaluated over lists of numbers. */
#include "libtracebench/stats/judge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "libtracebench/stats/mannwhitney.h"
#include "libtracebench/stats/stats.h"

/* A value: a list of numbers (a scalar is a list of one). */
typedef struct value {
	double *v;
	size_t n;
} value;

static void value_free(value *x)
{
	free(x->v);
	x->v = NULL;
	x->n = 0;
}

static bool push(value *x, double d)
{
	double *nv = realloc(x->v, (x->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return false;
	nv[x->n++] = d;
	x->v = nv;
	return true;
}

/* reduce applies a list-to-number function to a (not empty); false with why when the
 * result is undefined. */
static bool reduce(const orc_expr *e, const value *a, double *r, char *why, size_t len)
{
	double sum = 0, mn = a->v[0], mx = a->v[0];
	for (size_t i = 0; i < a->n; i++) {
		sum += a->v[i];
		mn = fmin(mn, a->v[i]);
		mx = fmax(mx, a->v[i]);
	}
	double mean = sum / (double)a->n;
	switch (e->fn) {
	case ORC_FN_LAST: *r = a->v[a->n - 1]; break;
	case ORC_FN_FIRST: *r = a->v[0]; break;
	case ORC_FN_COUNT: *r = (double)a->n; break;
	case ORC_FN_SUM: *r = sum; break;
	case ORC_FN_MIN: *r = mn; break;
	case ORC_FN_MAX: *r = mx; break;
	case ORC_FN_MEDIAN: *r = orc_percentile(a->v, a->n, 50); break;
	case ORC_FN_P: *r = orc_percentile(a->v, a->n, e->number); break;
	case ORC_FN_STDDEV:
	case ORC_FN_CV: {
		orc_stats st;
		if (orc_stats_of(a->v, a->n, &st) != TB_OK)
			*r = NAN;
		else if (e->fn == ORC_FN_STDDEV)
			*r = st.stddev;
		else if (mean == 0) {
			snprintf(why, len, "cv() of a list whose mean is 0");
			return false;
		} else
			*r = st.cv;
		break;
	}
	default: *r = mean;
	}
	if (isnan(*r))
		snprintf(why, len, "%s() could not be computed (out of memory?)", orc_fn_name(e->fn));
	return !isnan(*r);
}

/* An expression's context: the runs' results and where to say why it failed. */
typedef struct ctx {
	const orc_named_results *runs;
	size_t nruns;
	char *why;
	size_t len;
} ctx;

static bool eval(const orc_expr *e, const ctx *c, value *out);

/* clients_of is how many results e reads of r: each client's for RUN.client.FIELD
 * (a run of one client is its own), else r itself. */
static size_t clients_of(const orc_expr *e, const orc_result *r)
{
	return e->per_client && r->nper_client > 0 ? r->nper_client : 1;
}

static const orc_result *client_of(const orc_expr *e, const orc_result *r, size_t k)
{
	return e->per_client && r->nper_client > 0 ? &r->per_client[k] : r;
}

/* push_one pushes r's value of e's field: one, or a list's every element. */
static bool push_one(const orc_expr *e, const orc_result *r, value *out)
{
	const orc_list *l = orc_field_list(e->fieldp, r);
	if (l == NULL)
		return push(out, orc_field_number(e->fieldp, r));
	for (size_t k = 0; k < l->n; k++)
		if (!push(out, l->v[k]))
			return false;
	return true;
}

/* eval_field is RUN.FIELD: one value per run for a per-run field, every sample (or
 * bucket) of every run for a list; RUN.client.FIELD the same for every client of
 * every run. */
static bool eval_field(const orc_expr *e, const ctx *c, value *out)
{
	const orc_named_results *nr = e->run_index < c->nruns ? &c->runs[e->run_index] : NULL;
	if (nr == NULL || nr->n == 0) {
		snprintf(c->why, c->len, "run '%s' has no results", e->run);
		return false;
	}
	for (size_t i = 0; i < nr->n; i++)
		for (size_t k = 0; k < clients_of(e, &nr->results[i]); k++)
			if (!push_one(e, client_of(e, &nr->results[i], k), out))
				return false;
	if (out->n == 0) {
		snprintf(c->why, c->len, "%s.%s%s has no values (no samples?)", e->run,
			 e->per_client ? "client." : "", e->field);
		return false;
	}
	return true;
}

static bool eval_call(const orc_expr *e, const ctx *c, value *out)
{
	value a = {0};
	/* count() of a list may be 0: a run without outages has no recovery times. */
	if (e->fn == ORC_FN_COUNT && e->a->kind == ORC_EXPR_FIELD) {
		const orc_named_results *nr =
			e->a->run_index < c->nruns ? &c->runs[e->a->run_index] : NULL;
		size_t n = 0;
		for (size_t i = 0; nr != NULL && i < nr->n; i++)
			for (size_t k = 0; k < clients_of(e->a, &nr->results[i]); k++) {
				const orc_result *r = client_of(e->a, &nr->results[i], k);
				const orc_list *l = orc_field_list(e->a->fieldp, r);
				n += l != NULL ? l->n : 1;
			}
		if (nr != NULL && nr->n > 0)
			return push(out, (double)n);
	}
	if (!eval(e->a, c, &a))
		return false;
	if (a.n == 0) {
		value_free(&a);
		snprintf(c->why, c->len, "%s() of an empty list", orc_fn_name(e->fn));
		return false;
	}
	if (e->fn == ORC_FN_ABS) {
		for (size_t i = 0; i < a.n; i++)
			a.v[i] = fabs(a.v[i]);
		*out = a;
		return true;
	}
	double r;
	bool ok = reduce(e, &a, &r, c->why, c->len);
	value_free(&a);
	return ok && push(out, r);
}

/* apply is x op y; false on a division by zero. */
static bool apply(char op, double x, double y, double *r)
{
	switch (op) {
	case '+': *r = x + y; return true;
	case '-': *r = x - y; return true;
	case '*': *r = x * y; return true;
	default:
		*r = y != 0 ? x / y : 0;
		return y != 0;
	}
}

/* eval_binary: a list with a scalar applies elementwise; two lists must match in
 * length. */
static bool eval_binary(const orc_expr *e, const ctx *c, value *out)
{
	value a, b;
	bool ok = false;
	if (!eval(e->a, c, &a))
		return false;
	if (!eval(e->b, c, &b))
		goto out_a;
	if (a.n != b.n && a.n != 1 && b.n != 1) {
		snprintf(c->why, c->len, "lists of %zu and %zu values cannot be combined", a.n, b.n);
		goto out;
	}
	size_t n = a.n > b.n ? a.n : b.n;
	ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		double r;
		if (!apply(e->op, a.v[a.n == 1 ? 0 : i], b.v[b.n == 1 ? 0 : i], &r)) {
			snprintf(c->why, c->len, "division by zero");
			ok = false;
		}
		ok = ok && push(out, r);
	}
out:
	value_free(&b);
out_a:
	value_free(&a);
	return ok;
}

static bool eval(const orc_expr *e, const ctx *c, value *out)
{
	memset(out, 0, sizeof(*out));
	switch (e->kind) {
	case ORC_EXPR_NUMBER:
	case ORC_EXPR_BUDGET:
		return push(out, e->number);
	case ORC_EXPR_FIELD:
		return eval_field(e, c, out);
	case ORC_EXPR_CALL:
		return eval_call(e, c, out);
	case ORC_EXPR_NEGATE:
		if (!eval(e->a, c, out))
			return false;
		for (size_t i = 0; i < out->n; i++)
			out->v[i] = -out->v[i];
		return true;
	case ORC_EXPR_BINARY:
		return eval_binary(e, c, out);
	}
	return false;
}

static bool compare(double x, orc_cmp c, double y)
{
	switch (c) {
	case ORC_LT: return x < y;
	case ORC_LE: return x <= y;
	case ORC_GT: return x > y;
	case ORC_GE: return x >= y;
	case ORC_EQ: return x == y;
	default: return x != y;
	}
}

static void describe(const value *x, char *buf, size_t len)
{
	if (x->n == 1) {
		snprintf(buf, len, "%.6g", x->v[0]);
		return;
	}
	size_t off = (size_t)snprintf(buf, len, "[");
	for (size_t i = 0; i < x->n && off < len; i++) {
		if (i == 8) {
			off += (size_t)snprintf(buf + off, len - off, ", ... %zu values", x->n);
			break;
		}
		off += (size_t)snprintf(buf + off, len - off, "%s%.6g", i ? ", " : "", x->v[i]);
	}
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

/* smallest_p is the smallest one-sided p an exact test of nx against ny values can
 * give: one split of all C(nx + ny, nx) is the most extreme. */
static double smallest_p(size_t nx, size_t ny)
{
	double c = 1;
	for (size_t i = 1; i <= nx; i++)
		c = c * (double)(ny + i) / (double)i;
	return 1 / c;
}

/* significant judges significant(l < r) or (l > r) with a one-sided Mann-Whitney U test
 * at ORC_SIGNIFICANCE. Too few values to ever reach it cannot be judged. */
static bool significant(const orc_assert *a, const value *l, const value *r, bool *pass,
			char *values, size_t len)
{
	orc_mwu m;
	if (l->n + r->n <= ORC_MWU_EXACT_MAX && smallest_p(l->n, r->n) > ORC_SIGNIFICANCE) {
		snprintf(values, len, "%zu and %zu values can never be significant at %g: the "
				      "smallest p they can give is %.3g; repeat each run 4 times or more",
			 l->n, r->n, ORC_SIGNIFICANCE, smallest_p(l->n, r->n));
		return false;
	}
	if (orc_mwu_test(l->v, l->n, r->v, r->n, &m) != TB_OK) {
		snprintf(values, len, "the values cannot be ranked (not finite)");
		return false;
	}
	double p = a->cmp == ORC_GT ? m.p_greater : m.p_less;
	*pass = p <= ORC_SIGNIFICANCE;
	char ls[200], rs[200];
	describe(l, ls, sizeof(ls));
	describe(r, rs, sizeof(rs));
	snprintf(values, len, "one-sided p = %.3g, Mann-Whitney U = %g of %zu (%s), left = %s, "
			      "right = %s", p, m.u, l->n * r->n, m.exact ? "exact" : "normal approx.",
		 ls, rs);
	return true;
}

bool orc_judge(const orc_assert *a, const orc_named_results *runs, size_t nruns, bool *pass,
	       char *values, size_t len)
{
	value l, r;
	ctx c = {.runs = runs, .nruns = nruns, .why = values, .len = len};
	*pass = false;
	if (!eval(a->lhs, &c, &l))
		return false;
	if (!eval(a->rhs, &c, &r)) {
		value_free(&l);
		return false;
	}
	if (a->significant) {
		bool judged = significant(a, &l, &r, pass, values, len);
		value_free(&l);
		value_free(&r);
		return judged;
	}
	bool ok = true;
	for (size_t i = 0; i < l.n && ok; i++)
		for (size_t k = 0; k < r.n && ok; k++)
			ok = compare(l.v[i], a->cmp, r.v[k]);
	char ls[200], rs[200];
	describe(&l, ls, sizeof(ls));
	describe(&r, rs, sizeof(rs));
	snprintf(values, len, "left = %s, right = %s", ls, rs);
	*pass = ok;
	value_free(&l);
	value_free(&r);
	return true;
}

/* host_busy: a run of nr's whose host had more than quiet_host cores of other work. */
static bool host_busy(const orc_expr *e, const orc_named_results *nr, double quiet_host,
		      char *why, size_t len)
{
	for (size_t i = 0; quiet_host > 0 && i < nr->n; i++)
		if (nr->results[i].host_other_cpu > quiet_host) {
			snprintf(why, len, "host too busy to judge: during %s's run %zu of %zu, other "
					   "work used %.2f cores of the client's host (quiet_host %.2f)",
				 e->run, i + 1, nr->n, nr->results[i].host_other_cpu, quiet_host);
			return true;
		}
	return false;
}

/* expr_noisy walks e for RUN.FIELD nodes. */
static bool expr_noisy(const orc_expr *e, const orc_named_results *runs, size_t nruns,
		       double max_cv, double quiet_host, char *why, size_t len)
{
	if (e == NULL)
		return false;
	if (e->kind != ORC_EXPR_FIELD)
		return expr_noisy(e->a, runs, nruns, max_cv, quiet_host, why, len) ||
		       expr_noisy(e->b, runs, nruns, max_cv, quiet_host, why, len);
	const orc_named_results *nr = e->run_index < nruns ? &runs[e->run_index] : NULL;
	if (nr == NULL)
		return false;
	if (host_busy(e, nr, quiet_host, why, len))
		return true;
	if (max_cv <= 0 || nr->n < 2 || orc_field_list(e->fieldp, &nr->results[0]) != NULL)
		return false;
	double *v = malloc(nr->n * sizeof(*v));
	orc_stats st;
	bool noisy = false;
	if (v == NULL)
		return false;
	for (size_t i = 0; i < nr->n; i++)
		v[i] = orc_field_number(e->fieldp, &nr->results[i]);
	if (orc_stats_of(v, nr->n, &st) == TB_OK && !isnan(st.cv) && st.cv > max_cv) {
		snprintf(why, len, "too noisy to judge: %s.%s varies by %.1f%% over %zu repeats "
				   "(max_cv %.1f%%)", e->run, e->field, 100 * st.cv, nr->n,
			 100 * max_cv);
		noisy = true;
	}
	free(v);
	return noisy;
}

bool orc_judge_noisy(const orc_assert *a, const orc_named_results *runs, size_t nruns,
		     double max_cv, double quiet_host, char *why, size_t len)
{
	return expr_noisy(a->lhs, runs, nruns, max_cv, quiet_host, why, len) ||
	       expr_noisy(a->rhs, runs, nruns, max_cv, quiet_host, why, len);
}
