/* TAP version 13, written as points complete: the plan up front counts
 * every point of every file; a failure carries a YAML block; points not
 * reached are skipped with the reason; a file that does not parse is a
 * "Bail out!". */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../common/banned.h"

/* A description: '#' and '\' escaped, so a name never reads as a
 * directive. */
static void tap_desc(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', f);
		fputc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
}

static void tap_begin(struct report *r, size_t total, bool runs)
{
	fputs("TAP version 13\n", r->out);
	if (runs)
		fprintf(r->out, "1..%zu\n", total);
}

static void tap_suite_begin(struct report *r, const struct report_suite *s)
{
	if (s->parse_error != NULL) {
		fputs("Bail out! ", r->out);
		tap_desc(r->out, s->parse_error);
		fputc('\n', r->out);
		return;
	}
	fputs("# ", r->out);
	tap_desc(r->out, s->file);
	fputc('\n', r->out);
}

static void tap_point(struct report *r, const struct report_suite *s,
		      const struct report_point *p)
{
	(void)s;
	fprintf(r->out, "%sok %u - ",
		p->status == POINT_PASS || p->status == POINT_SKIP ? "" :
								     "not ",
		r->count);
	tap_desc(r->out, p->src);
	fprintf(r->out, ":%u: ", p->line);
	tap_desc(r->out, p->name);
	if (p->status == POINT_SKIP) {
		fputs(" # SKIP ", r->out);
		tap_desc(r->out, p->message);
	}
	fputc('\n', r->out);
	if (p->status == POINT_FAIL || p->status == POINT_ERROR) {
		fputs("  ---\n", r->out);
		if (p->detail != NULL) {
			fputs(p->detail, r->out);
		} else {
			fputs("  message: ", r->out);
			report_yaml_str(r->out, p->message);
			fputc('\n', r->out);
		}
		fputs("  ...\n", r->out);
	}
}

static void tap_finish(struct report *r)
{
	fprintf(r->out, "# %u passed, %u failed, %u skipped\n", r->passed,
		r->failed + r->errors, r->skipped);
}

const struct report_format report_format_tap = {
	.name = "tap",
	.begin = tap_begin,
	.suite_begin = tap_suite_begin,
	.point = tap_point,
	.finish = tap_finish,
};
