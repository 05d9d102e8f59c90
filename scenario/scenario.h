/* Scenario files (.scn): recorded lab sessions whose expectations make
 * them tests (docs/scenarios.md). The language lives in this folder: the
 * parser (parse.c) is separate from the runner (run.c) so that `scenario
 * check` and the fuzzer use it alone; the reports are one file per format
 * (report_<name>.c) behind report.c. cli/cmd_scenario.c is the command. */
#ifndef ACTSIM_SCENARIO_H
#define ACTSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "../cli/cli.h"

#define SCENARIO_MAX_BYTES (4u << 20)
#define SCENARIO_MAX_LINE 4096
#define SCENARIO_MAX_ARGS 64
/* Lines once include and for are expanded, and how deep they nest. */
#define SCENARIO_MAX_STEPS 200000u
#define SCENARIO_MAX_DEPTH 16

enum step_kind {
	STEP_COMMAND,
	STEP_EXPECT,
	STEP_SET,
	STEP_SERVER_START,
	STEP_SERVER_STOP,
	STEP_TEST,   /* test "NAME" */
	STEP_COMMENT /* a '#' line: narration's aside */
};

/* What an expectation looks at. */
enum expect_subject {
	SUBJECT_PATH,   /* a path into the result, or exit */
	SUBJECT_LENGTH, /* length(PATH) */
	SUBJECT_STDOUT, /* the text the command prints for a person */
	SUBJECT_STDERR
};

struct step {
	enum step_kind kind;
	const char *src;  /* the file the line is in (the scenario's srcs) */
	unsigned line;
	size_t point;     /* the point the step counts towards */
	char *text;       /* the line as written (trimmed; loop words in) */
	enum expect_subject subject; /* expect */
	char *path;       /* expect and set */
	char op[8];       /* expect: == != < <= > >= ~ exists missing */
	char *value;      /* expect: a JSON literal, ${NAME} still in it */
	char *name;       /* set: the variable; test and comment: the text */
};

/* A test point: a named test, or one expectation when a file has no
 * test lines (then the name is the expectation as written). */
struct scenario_point {
	char *name;
	const char *src;
	unsigned line;
};

struct scenario {
	char *file;     /* as given */
	char *dir;      /* its folder, for relative paths */
	uint64_t seed;  /* from a first line "lab init --seed N" */
	struct step *steps;
	size_t nsteps;
	struct scenario_point *points;
	size_t npoints;
	char **srcs;    /* the file and every included one */
	size_t nsrcs;
	bool wants_text; /* an expectation reads stdout or stderr */
};

/* Parses scenario text (include lines read their files). On error
 * returns -1 with "file:line: what is wrong" in err and *out empty. */
int scenario_parse(const char *file, const char *text, size_t len,
		   struct scenario *out, char *err, size_t cap);
/* Reads and parses a file (exit-2 errors in err). */
int scenario_load(const char *file, struct scenario *out, char *err,
		  size_t cap);
/* Frees what a parse made; an emptied scenario may be released again. */
void scenario_release(struct scenario *sc);

/* Splits a command line like a shell would (quotes, backslashes; no
 * expansion) into at most SCENARIO_MAX_ARGS words in buf. Returns the
 * count, or -1 for unbalanced quotes or too many words. */
int scenario_split(const char *line, char *buf, size_t cap, char **argv);

/* Evaluates PATH ("exit", "license_status", "keys[0].key", "keys[-1]")
 * against a document. Returns the value (borrowed), or NULL with the
 * first member or index that is not there in missing (cap bytes). */
json_t *scenario_path(json_t *doc, const char *path, char *missing,
		      size_t cap);

/* A report format by its name ("tap", "junit", "json", "narrate"); NULL
 * when there is none. The table is in report.c. */
struct report_format;
const struct report_format *report_format_find(const char *name);
/* The names for a message: "tap, junit, json or narrate". */
void report_format_names(char *out, size_t cap);

/* Results, written in one format to out (borrowed) as they arrive.
 * NULL when out of memory. */
struct report;
struct report *report_new(const struct report_format *format, FILE *out);
/* Writes what remains and frees. Returns 0, or -1 when the format could
 * not write its report (JUnit without libxml2). */
int report_finish(struct report *r);

/* Runs one parsed scenario in a fresh lab (kept in keep_dir when not
 * NULL) in a child process, at most timeout_ms; its results go to the
 * report in file order. Several at once: scenario_run_all. */
struct scenario_job {
	const struct scenario *sc; /* NULL: the file did not parse */
	const char *file;          /* as given */
	const char *parse_error;   /* when sc is NULL */
	const char *keep_dir;      /* or NULL */
	/* NULL: the lab's records in SQLite; else a PostgreSQL URI in
	 * which the lab gets a new schema. */
	const char *database;
};
/* Runs the jobs, at most `jobs` at once, and reports them in order.
 * Returns 0 when every point passed, 1 otherwise. */
int scenario_run_all(const struct scenario_job *list, size_t n,
		     unsigned jobs, int64_t timeout_ms, struct report *r);

/* A plain sentence about a command's result, for narration; malloc'd. */
char *scenario_narrate(int argc, char **argv, json_t *doc, int status);

#endif
