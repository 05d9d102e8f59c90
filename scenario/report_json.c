/* One JSON document: per file its points (name, line, status, expected,
 * actual, duration) and totals, written at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../common/banned.h"

struct json_state {
	json_t *doc, *files, *cur;
};

static void json_begin(struct report *r, size_t total, bool runs)
{
	struct json_state *j = calloc(1, sizeof *j);

	(void)total;
	(void)runs;
	r->state = j;
	if (j == NULL)
		return;
	j->files = json_array();
	j->doc = json_pack("{s:o}", "files", j->files);
}

static void json_suite_begin(struct report *r, const struct report_suite *s)
{
	struct json_state *j = r->state;

	if (j == NULL)
		return;
	j->cur = json_pack("{s:s,s:s,s:[]}", "file", s->file, "timestamp",
			   s->timestamp, "points");
	if (s->parse_error != NULL)
		json_object_set_new(j->cur, "error",
				    json_string(s->parse_error));
	json_array_append_new(j->files, j->cur);
}

static void json_point(struct report *r, const struct report_suite *s,
		       const struct report_point *p)
{
	struct json_state *j = r->state;
	json_t *pt;

	(void)s;
	if (j == NULL || j->cur == NULL)
		return;
	pt = json_pack("{s:s,s:s,s:i,s:s,s:s?,s:s?,s:f}", "name", p->name,
		       "file", p->src, "line", (int)p->line, "status",
		       report_status_name(p->status), "message", p->message,
		       "expected", p->expected, "duration", p->seconds);
	if (pt != NULL && p->actual != NULL)
		json_object_set(pt, "actual", (json_t *)p->actual);
	json_array_append_new(json_object_get(j->cur, "points"), pt);
}

static json_t *totals(json_t *points, double seconds, bool error)
{
	unsigned n[4] = { 0, 0, 0, error ? 1u : 0u };
	size_t i;
	json_t *p;

	json_array_foreach(points, i, p) {
		const char *st = json_string_value(json_object_get(p, "status"));

		for (unsigned k = 0; k < 4; k++)
			if (st != NULL &&
			    strcmp(st, report_status_name(
					       (enum point_status)k)) == 0)
				n[k]++;
	}
	return json_pack("{s:i,s:i,s:i,s:i,s:i,s:f}", "tests",
			 (int)(n[0] + n[1] + n[2] + n[3]), "passed", (int)n[0],
			 "failed", (int)n[1], "errors", (int)n[3], "skipped",
			 (int)n[2], "duration", seconds);
}

static void json_suite_end(struct report *r, const struct report_suite *s)
{
	struct json_state *j = r->state;

	if (j == NULL || j->cur == NULL)
		return;
	json_object_set_new(j->cur, "duration", json_real(s->seconds));
	json_object_set_new(j->cur, "totals",
			    totals(json_object_get(j->cur, "points"),
				   s->seconds, s->parse_error != NULL));
	j->cur = NULL;
}

static void json_finish(struct report *r)
{
	struct json_state *j = r->state;

	if (j == NULL)
		return;
	json_object_set_new(
		j->doc, "totals",
		json_pack("{s:i,s:i,s:i,s:i,s:i,s:f}", "tests", (int)r->count,
			  "passed", (int)r->passed, "failed", (int)r->failed,
			  "errors", (int)r->errors, "skipped", (int)r->skipped,
			  "duration", r->seconds));
	json_dumpf(j->doc, r->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', r->out);
	json_decref(j->doc);
	free(j);
}

const struct report_format report_format_json = {
	.name = "json",
	.begin = json_begin,
	.suite_begin = json_suite_begin,
	.point = json_point,
	.suite_end = json_suite_end,
	.finish = json_finish,
};
