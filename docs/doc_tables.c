/* SPDX-License-Identifier: MIT */
/* doc_tables.c - writes into a Markdown file the tables made from the code's own tables,
 * so the docs never restate them by hand: each block between `<!-- NAME ... -->` and
 * `<!-- /NAME -->` is made anew.
 *
 *   doc_tables FILE           rewrite FILE's blocks (cmake --build build --target docs-tables)
 *   doc_tables --check FILE   exit 1 and name each stale block; FILE is left alone
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libtracebench/plan/plan.h"
#include "libtracebench/results/result.h"

static const struct block {
	const char *name;
	void (*write)(FILE *out);
} blocks[] = {
	{"result-fields", orc_result_fields_markdown},
	{"plan-doors", orc_plan_doors_markdown},
};

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	*len = 0;
	if (f == NULL)
		return NULL;
	FILE *m = open_memstream(&text, len);
	char buf[65536];
	size_t n;
	while (m != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	if (m != NULL)
		fclose(m);
	return text;
}

/* remake writes text into out with each block made anew; counts the stale ones. */
static int remake(const char *path, const char *text, FILE *out, int *stale)
{
	const char *at = text;
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		char open_tag[64], close_tag[64];
		snprintf(open_tag, sizeof(open_tag), "<!-- %s", blocks[i].name);
		snprintf(close_tag, sizeof(close_tag), "<!-- /%s -->", blocks[i].name);
		const char *start = strstr(text, open_tag), *end = strstr(text, close_tag);
		const char *body = start != NULL ? strchr(start, '\n') : NULL;
		if (body == NULL || end == NULL || end < body || start < at) {
			fprintf(stderr, "doc_tables: %s: no block %s ... %s after the last\n", path,
				open_tag, close_tag);
			return -1;
		}
		body++;
		char *made = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&made, &len);
		blocks[i].write(m);
		fclose(m);
		if ((size_t)(end - body) != len || memcmp(body, made, len) != 0) {
			fprintf(stderr, "doc_tables: %s: the %s table is stale\n", path,
				blocks[i].name);
			(*stale)++;
		}
		fwrite(at, 1, (size_t)(body - at), out);
		fwrite(made, 1, len, out);
		free(made);
		at = end;
	}
	fputs(at, out);
	return 0;
}

int main(int argc, char **argv)
{
	bool check = argc == 3 && strcmp(argv[1], "--check") == 0;
	if (argc != 2 + check || argv[1 + check][0] == '-') {
		fprintf(stderr, "usage: doc_tables [--check] FILE\n");
		return 2;
	}
	const char *path = argv[1 + check];
	size_t len;
	char *text = read_all(path, &len);
	if (text == NULL) {
		perror(path);
		return 2;
	}
	char *made = NULL;
	size_t made_len = 0;
	FILE *out = open_memstream(&made, &made_len);
	int stale = 0, rc = remake(path, text, out, &stale);
	fclose(out);
	if (rc == 0 && !check && stale > 0) {
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(made, 1, made_len, f) != made_len || fclose(f) != 0) {
			perror(path);
			rc = -1;
		}
	}
	free(text);
	free(made);
	return rc != 0 ? 2 : check && stale > 0 ? 1 : 0;
}
