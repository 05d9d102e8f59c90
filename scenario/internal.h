/* Inside the scenario folder: what the parser, the runner and the report
 * formats share and the command line does not need. */
#ifndef ACTSIM_SCENARIO_INTERNAL_H
#define ACTSIM_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "scenario.h"

#define MAX_VARS 128

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when the byte
 * there does not start one. */
size_t scenario_utf8_len(const unsigned char *s);

enum point_status { POINT_PASS, POINT_FAIL, POINT_SKIP, POINT_ERROR };

/* One file as the reports see it. */
struct report_suite {
	const char *file;
	const struct scenario_point *points; /* NULL when it did not parse */
	size_t npoints;
	const char *parse_error; /* "file:line: what is wrong", or NULL */
	char timestamp[32];      /* when it started, UTC, ISO 8601 */
	double seconds;          /* measured; set at the end */
};

/* One point's result. */
struct report_point {
	size_t index;            /* in the file */
	const char *name;        /* the test's name or the expectation */
	const char *src;         /* the file the point's line is in */
	unsigned line;
	enum point_status status;
	const char *message;     /* "expected X, got Y"; the skip reason */
	const char *detail;      /* YAML lines for a failure, or NULL */
	const char *at;          /* "file:line" of the failure, or NULL */
	const char *expected;    /* the expectation, or NULL */
	const json_t *actual;    /* its value, or NULL (missing) */
	double seconds;
};

/* What every report holds; a format keeps its own state in `state`. */
struct report {
	const struct report_format *format;
	FILE *out;
	unsigned count, passed, failed, errors, skipped;
	double seconds;
	void *state;
	/* Set by a format that could not write its report. */
	bool broken;
};

/* A report format: one set of callbacks, each optional. The runner calls
 * begin once with the number of points of every file (runs false when a
 * file does not parse: then nothing runs and only the files that do not
 * parse are reported, with parse_error set), then
 * per file suite_begin, its points, asides and sentences in order, and
 * suite_end; finish at the end. A format that tells the story has
 * `narrate`. */
struct report_format {
	const char *name;
	void (*begin)(struct report *r, size_t total_points, bool runs);
	void (*suite_begin)(struct report *r, const struct report_suite *s);
	void (*point)(struct report *r, const struct report_suite *s,
		      const struct report_point *p);
	void (*aside)(struct report *r, const char *text);
	void (*narrate)(struct report *r, int64_t day, const char *when,
			const char *sentence);
	/* A machine the file's lab holds at its end, and its grace
	 * timeline (actsim_machine_timeline's document); only a format
	 * with this is sent them, after the file's points. */
	void (*timeline)(struct report *r, const char *machine,
			 const json_t *timeline);
	void (*suite_end)(struct report *r, const struct report_suite *s);
	void (*finish)(struct report *r);
};

extern const struct report_format report_format_tap;
extern const struct report_format report_format_junit;
extern const struct report_format report_format_json;
extern const struct report_format report_format_narrate;
extern const struct report_format report_format_html;

/* The calls the runner makes (report.c keeps the totals). */
void report_begin(struct report *r, size_t total_points, bool runs);
void report_suite_begin(struct report *r, const struct report_suite *s);
void report_point(struct report *r, const struct report_suite *s,
		  const struct report_point *p);
void report_aside(struct report *r, const char *text);
void report_narrate(struct report *r, int64_t day, const char *when,
		    const char *sentence);
void report_suite_end(struct report *r, const struct report_suite *s);
bool report_narrating(const struct report *r);
bool report_drawing(const struct report *r);
void report_timeline(struct report *r, const char *machine,
		     const json_t *timeline);

/* A double-quoted YAML scalar (escapes control characters). */
void report_yaml_str(FILE *f, const char *s);
/* A copy with invalid UTF-8 replaced by U+FFFD and characters XML 1.0
 * does not allow dropped (tab and newline kept); malloc'd. */
char *report_xml_clean(const char *s);
const char *report_status_name(enum point_status s);

#endif
