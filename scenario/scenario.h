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

enum step_kind {
	STEP_COMMAND,
	STEP_EXPECT,
	STEP_SET,
	STEP_SERVER_START,
	STEP_SERVER_STOP
};

struct step {
	enum step_kind kind;
	unsigned line;
	char *text;  /* the line as written (trimmed) */
	char *path;  /* expect and set */
	char op[3];  /* expect */
	char *value; /* expect: a JSON literal, ${NAME} still in it */
	char *name;  /* set */
};

struct scenario {
	char *file;     /* as given */
	char *dir;      /* its folder, for relative paths */
	uint64_t seed;  /* from a first line "lab init --seed N" */
	struct step *steps;
	size_t nsteps;
};

/* Parses scenario text. On error returns -1 with "file:line: what is
 * wrong" in err. */
int scenario_parse(const char *file, const char *text, size_t len,
		   struct scenario *out, char *err, size_t cap);
/* Reads and parses a file (exit-2 errors in err). */
int scenario_load(const char *file, struct scenario *out, char *err,
		  size_t cap);
void scenario_release(struct scenario *sc);

/* Splits a command line like a shell would (quotes, backslashes; no
 * expansion) into at most SCENARIO_MAX_ARGS words in buf. Returns the
 * count, or -1 for unbalanced quotes or too many words. */
int scenario_split(const char *line, char *buf, size_t cap, char **argv);

/* Evaluates PATH ("exit", "license_status", "keys[0].key") against a
 * document; *out is borrowed (NULL when the path leads nowhere). */
json_t *scenario_path(json_t *doc, const char *path);

/* A report format by its name ("tap", "junit", "narrate"); NULL when
 * there is none. The table is in report.c. */
struct report_format;
const struct report_format *report_format_find(const char *name);
/* The names for a message: "tap, junit or narrate". */
void report_format_names(char *out, size_t cap);

/* Collects results and writes them in one format to out (borrowed).
 * NULL when out of memory. */
struct report;
struct report *report_new(const struct report_format *format, FILE *out);
/* Writes what remains (JUnit writes everything here) and frees. Returns
 * the number of failed points. */
unsigned report_finish(struct report *r);

/* Runs one scenario in a fresh lab (kept in keep_dir when not NULL);
 * results go to the report. Returns 0, or 1 when anything failed. */
int scenario_run(const struct scenario *sc, const char *keep_dir,
		 struct report *r);

/* Reporter calls, used by the runner. */
void report_file(struct report *r, const char *file);
void report_point(struct report *r, const char *file, unsigned line,
		  bool ok, const char *command, const char *expected,
		  const json_t *actual, int exit_status, const char *note);
void report_narrate(struct report *r, int64_t day, const char *when,
		    const char *sentence);
bool report_narrating(const struct report *r);

/* A plain sentence about a command's result, for narration; malloc'd. */
char *scenario_narrate(int argc, char **argv, json_t *doc, int status);

#endif
