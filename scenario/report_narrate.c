/* Narration: what happens in plain sentences with the lab's day, the
 * file's own comments as asides, and each check as [ok] or [FAILED]. */
#include <stdio.h>

#include "internal.h"
#include "../common/banned.h"

static void narrate_suite_begin(struct report *r,
				const struct report_suite *s)
{
	fprintf(r->out, "\n== %s ==\n", s->file);
	if (s->parse_error != NULL)
		fprintf(r->out, "    [ERROR] %s\n", s->parse_error);
}

static void narrate_point(struct report *r, const struct report_suite *s,
			  const struct report_point *p)
{
	(void)s;
	if (p->status == POINT_PASS)
		fprintf(r->out, "    [ok] %s\n", p->name);
	else if (p->status == POINT_SKIP)
		fprintf(r->out, "    [skipped] %s: %s\n", p->name,
			p->message);
	else
		fprintf(r->out, "    [FAILED] %s:%u: %s\n%s", p->src, p->line,
			p->message ? p->message : p->name,
			p->detail ? p->detail : "");
}

static void narrate_aside(struct report *r, const char *text)
{
	fprintf(r->out, "  -- %s\n", text);
}

static void narrate_line(struct report *r, int64_t day, const char *when,
			 const char *sentence)
{
	fprintf(r->out, "Day %lld (%.10s %.5s): %s\n", (long long)day, when,
		when + 11, sentence);
}

static void narrate_finish(struct report *r)
{
	fprintf(r->out, "\n%u checks, %u failed, %u skipped\n", r->count,
		r->failed + r->errors, r->skipped);
}

const struct report_format report_format_narrate = {
	.name = "narrate",
	.suite_begin = narrate_suite_begin,
	.point = narrate_point,
	.aside = narrate_aside,
	.narrate = narrate_line,
	.finish = narrate_finish,
};
