/* Inside the scenario folder: what the parser, the runner and the report
 * formats share and the command line does not need. */
#ifndef ACTSIM_SCENARIO_INTERNAL_H
#define ACTSIM_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

#define MAX_VARS 128

/* One result point as the report formats see it. */
struct report_point {
	const char *file;
	unsigned line;
	bool ok;
	const char *expected; /* the expectation, or NULL */
	const char *detail;   /* YAML lines for a failure, else NULL */
};

/* What every report holds; a format keeps its own state in `state`. */
struct report {
	const struct report_format *format;
	FILE *out;
	unsigned count, failed;
	void *state;
};

/* A report format: one set of callbacks. `narrate` is NULL for formats
 * that do not tell the story; the others may be NULL when a format has
 * nothing to do at that moment. */
struct report_format {
	const char *name;
	void (*begin)(struct report *r);
	void (*file)(struct report *r, const char *file);
	void (*point)(struct report *r, const struct report_point *p);
	void (*narrate)(struct report *r, int64_t day, const char *when,
			const char *sentence);
	void (*finish)(struct report *r);
};

extern const struct report_format report_format_tap;
extern const struct report_format report_format_junit;
extern const struct report_format report_format_narrate;

/* Escapes for the formats: a double-quoted YAML scalar, and XML text or
 * attribute content. */
void report_yaml_str(FILE *f, const char *s);
void report_xml_escape(FILE *f, const char *s);

#endif
