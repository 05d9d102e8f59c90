/* Narration: what happens in plain sentences with the lab's day, and each
 * check as [ok] or [FAILED]. */
#include <stdio.h>

#include "internal.h"
#include "../common/banned.h"

static void narrate_file(struct report *r, const char *file)
{
	fprintf(r->out, "\n== %s ==\n", file);
}

static void narrate_point(struct report *r, const struct report_point *p)
{
	if (p->ok)
		fprintf(r->out, "    [ok] %s\n",
			p->expected ? p->expected : "");
	else
		fprintf(r->out, "    [FAILED] %s:%u\n%s", p->file, p->line,
			p->detail ? p->detail : "");
}

static void narrate_line(struct report *r, int64_t day, const char *when,
			 const char *sentence)
{
	fprintf(r->out, "Day %lld (%.10s %.5s): %s\n", (long long)day, when,
		when + 11, sentence);
}

static void narrate_finish(struct report *r)
{
	fprintf(r->out, "\n%u checks, %u failed\n", r->count, r->failed);
}

const struct report_format report_format_narrate = {
	.name = "narrate",
	.file = narrate_file,
	.point = narrate_point,
	.narrate = narrate_line,
	.finish = narrate_finish,
};
