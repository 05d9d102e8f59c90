/* JUnit XML: one <testsuite> per file, one <testcase> per expectation,
 * written at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../common/banned.h"

struct junit_point {
	char *file;
	unsigned line;
	bool ok;
	char *detail;
};

struct junit {
	struct junit_point *points;
	size_t npoints, cap;
};

static void junit_begin(struct report *r)
{
	r->state = calloc(1, sizeof(struct junit));
}

static void junit_point(struct report *r, const struct report_point *p)
{
	struct junit *j = r->state;

	if (j == NULL)
		return;
	if (j->npoints == j->cap) {
		size_t ncap = j->cap ? j->cap * 2 : 64;
		struct junit_point *g = realloc(j->points, ncap * sizeof *g);

		if (g == NULL)
			return;
		j->points = g;
		j->cap = ncap;
	}
	j->points[j->npoints].file = strdup(p->file);
	j->points[j->npoints].line = p->line;
	j->points[j->npoints].ok = p->ok;
	j->points[j->npoints].detail =
		p->detail != NULL ? strdup(p->detail) : NULL;
	j->npoints++;
}

static void junit_finish(struct report *r)
{
	struct junit *jn = r->state;
	size_t n = jn != NULL ? jn->npoints : 0;

	fprintf(r->out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"actsim scenarios\" tests=\"%u\" "
		"failures=\"%u\">\n",
		r->count, r->failed);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		unsigned tests = 0, failures = 0;

		while (j < n &&
		       strcmp(jn->points[j].file, jn->points[i].file) == 0) {
			tests++;
			failures += !jn->points[j].ok;
			j++;
		}
		fputs("  <testsuite name=\"", r->out);
		report_xml_escape(r->out, jn->points[i].file);
		fprintf(r->out, "\" tests=\"%u\" failures=\"%u\">\n", tests,
			failures);
		for (size_t k = i; k < j; k++) {
			const struct junit_point *p = &jn->points[k];

			fputs("    <testcase classname=\"", r->out);
			report_xml_escape(r->out, p->file);
			fputs("\" name=\"", r->out);
			report_xml_escape(r->out, p->file);
			fprintf(r->out, ":%u\"", p->line);
			if (p->ok) {
				fputs("/>\n", r->out);
				continue;
			}
			fputs(">\n      <failure message=\"expectation failed\">",
			      r->out);
			report_xml_escape(r->out, p->detail);
			fputs("</failure>\n    </testcase>\n", r->out);
		}
		fputs("  </testsuite>\n", r->out);
		i = j;
	}
	fputs("</testsuites>\n", r->out);
	for (size_t i = 0; i < n; i++) {
		free(jn->points[i].file);
		free(jn->points[i].detail);
	}
	if (jn != NULL)
		free(jn->points);
	free(jn);
}

const struct report_format report_format_junit = {
	.name = "junit",
	.begin = junit_begin,
	.point = junit_point,
	.finish = junit_finish,
};
