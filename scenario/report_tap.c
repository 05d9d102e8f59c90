/* TAP version 13: one test point per expectation, failures with a YAML
 * block. */
#include <stdio.h>

#include "internal.h"
#include "../common/banned.h"

static void tap_begin(struct report *r)
{
	fprintf(r->out, "TAP version 13\n");
}

static void tap_file(struct report *r, const char *file)
{
	fprintf(r->out, "# %s\n", file);
}

static void tap_point(struct report *r, const struct report_point *p)
{
	fprintf(r->out, "%sok %u - %s:%u\n", p->ok ? "" : "not ", r->count,
		p->file, p->line);
	if (p->detail != NULL)
		fprintf(r->out, "  ---\n%s  ...\n", p->detail);
}

static void tap_finish(struct report *r)
{
	fprintf(r->out, "1..%u\n# %u passed, %u failed\n", r->count,
		r->count - r->failed, r->failed);
}

const struct report_format report_format_tap = {
	.name = "tap",
	.begin = tap_begin,
	.file = tap_file,
	.point = tap_point,
	.finish = tap_finish,
};
