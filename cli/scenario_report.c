/* Scenario results as TAP version 13, JUnit XML or narration, and the
 * sentences narration speaks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "../common/banned.h"

struct point {
	char *file;
	unsigned line;
	bool ok;
	char *detail; /* YAML lines for failures */
};

struct report {
	enum report_format format;
	FILE *out;
	unsigned count, failed;
	struct point *points; /* JUnit writes at the end */
	size_t npoints, cap;
	char *file;
};

struct report *report_new(enum report_format format, FILE *out)
{
	struct report *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->format = format;
	r->out = out;
	if (format == REPORT_TAP)
		fprintf(out, "TAP version 13\n");
	return r;
}

bool report_narrating(const struct report *r)
{
	return r->format == REPORT_NARRATE;
}

void report_file(struct report *r, const char *file)
{
	free(r->file);
	r->file = strdup(file);
	if (r->format == REPORT_TAP)
		fprintf(r->out, "# %s\n", file);
	else if (r->format == REPORT_NARRATE)
		fprintf(r->out, "\n== %s ==\n", file);
}

/* A YAML scalar in double quotes. */
static void yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static char *details(const char *command, const char *expected,
		     const json_t *actual, int exit_status, const char *note)
{
	char *buf = NULL, *act;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	act = actual != NULL ? json_dumps(actual, JSON_ENCODE_ANY |
							  JSON_COMPACT |
							  JSON_PRESERVE_ORDER) :
			       NULL;
	fputs("  command: ", f);
	yaml_str(f, command);
	if (expected != NULL) {
		fputs("\n  expected: ", f);
		yaml_str(f, expected);
	}
	/* JSON is YAML: the actual value goes in as it is. */
	fprintf(f, "\n  actual: %s", act != NULL ? act : "null");
	fprintf(f, "\n  exit: %d\n", exit_status);
	if (note != NULL) {
		fputs("  message: ", f);
		yaml_str(f, note);
		fputc('\n', f);
	}
	free(act);
	fclose(f);
	return buf;
}

void report_point(struct report *r, const char *file, unsigned line,
		  bool ok, const char *command, const char *expected,
		  const json_t *actual, int exit_status, const char *note)
{
	char *d = ok ? NULL :
		       details(command, expected, actual, exit_status, note);

	r->count++;
	if (!ok)
		r->failed++;
	switch (r->format) {
	case REPORT_TAP:
		fprintf(r->out, "%sok %u - %s:%u\n", ok ? "" : "not ",
			r->count, file, line);
		if (d != NULL)
			fprintf(r->out, "  ---\n%s  ...\n", d);
		free(d);
		break;
	case REPORT_NARRATE:
		if (ok)
			fprintf(r->out, "    [ok] %s\n",
				expected ? expected : "");
		else
			fprintf(r->out, "    [FAILED] %s:%u\n%s", file, line,
				d ? d : "");
		free(d);
		break;
	case REPORT_JUNIT:
		if (r->npoints == r->cap) {
			size_t ncap = r->cap ? r->cap * 2 : 64;
			struct point *g = realloc(r->points, ncap * sizeof *g);

			if (g == NULL) {
				free(d);
				return;
			}
			r->points = g;
			r->cap = ncap;
		}
		r->points[r->npoints].file = strdup(file);
		r->points[r->npoints].line = line;
		r->points[r->npoints].ok = ok;
		r->points[r->npoints].detail = d;
		r->npoints++;
		break;
	}
}

void report_narrate(struct report *r, int64_t day, const char *when,
		    const char *sentence)
{
	fprintf(r->out, "Day %lld (%.10s %.5s): %s\n", (long long)day, when,
		when + 11, sentence);
}

static void xml_escape(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n')
				fputc(*s, f);
		}
	}
}

static void write_junit(struct report *r)
{
	fprintf(r->out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"actsim scenarios\" tests=\"%u\" "
		"failures=\"%u\">\n",
		r->count, r->failed);
	for (size_t i = 0; i < r->npoints;) {
		size_t j = i;
		unsigned tests = 0, failures = 0;

		while (j < r->npoints &&
		       strcmp(r->points[j].file, r->points[i].file) == 0) {
			tests++;
			failures += !r->points[j].ok;
			j++;
		}
		fputs("  <testsuite name=\"", r->out);
		xml_escape(r->out, r->points[i].file);
		fprintf(r->out, "\" tests=\"%u\" failures=\"%u\">\n", tests,
			failures);
		for (size_t k = i; k < j; k++) {
			const struct point *p = &r->points[k];

			fputs("    <testcase classname=\"", r->out);
			xml_escape(r->out, p->file);
			fputs("\" name=\"", r->out);
			xml_escape(r->out, p->file);
			fprintf(r->out, ":%u\"", p->line);
			if (p->ok) {
				fputs("/>\n", r->out);
				continue;
			}
			fputs(">\n      <failure message=\"expectation failed\">",
			      r->out);
			xml_escape(r->out, p->detail);
			fputs("</failure>\n    </testcase>\n", r->out);
		}
		fputs("  </testsuite>\n", r->out);
		i = j;
	}
	fputs("</testsuites>\n", r->out);
}

unsigned report_finish(struct report *r)
{
	unsigned failed = r->failed;

	if (r->format == REPORT_TAP)
		fprintf(r->out, "1..%u\n# %u passed, %u failed\n", r->count,
			r->count - r->failed, r->failed);
	else if (r->format == REPORT_JUNIT)
		write_junit(r);
	else
		fprintf(r->out, "\n%u checks, %u failed\n", r->count,
			r->failed);
	for (size_t i = 0; i < r->npoints; i++) {
		free(r->points[i].file);
		free(r->points[i].detail);
	}
	free(r->points);
	free(r->file);
	free(r);
	return failed;
}

/* ---- narration: one plain sentence per command ---- */

static const char *str(json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));

	return s != NULL ? s : "?";
}

static const char *error_message(json_t *doc)
{
	return json_string_value(
		json_object_get(json_object_get(doc, "error"), "message"));
}

static void days_phrase(char *out, size_t cap, json_t *doc)
{
	json_t *d = json_object_get(doc, "days_left");

	if (json_is_integer(d))
		snprintf(out, cap, ", %lld day%s left",
			 json_integer_value(d),
			 json_integer_value(d) == 1 ? "" : "s");
	else
		out[0] = '\0';
}

char *scenario_narrate(int argc, char **argv, json_t *doc, int status)
{
	char buf[1024], days[64];
	const char *cmd = argv[0];
	const char *sub = argc > 1 ? argv[1] : "";
	const char *name = "";
	const char *err = error_message(doc);

	/* the first word after the subcommand that is not an option */
	for (int i = 2; i < argc; i++)
		if (argv[i][0] != '-') {
			name = argv[i];
			break;
		}

	days_phrase(days, sizeof days, doc);
	if (strcmp(cmd, "clock") == 0 && strcmp(sub, "show") != 0) {
		snprintf(buf, sizeof buf, "The clock is set to %s.",
			 str(doc, "now"));
	} else if (err != NULL) {
		snprintf(buf, sizeof buf, "%s %s %s: %s", cmd, sub, name, err);
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "logon") == 0) {
		json_t *rem = json_object_get(doc, "reminder");
		bool remote = json_is_true(json_object_get(doc, "remote"));

		if (json_is_true(json_object_get(doc, "allowed")))
			snprintf(buf, sizeof buf, "%s allowed%s%s (%s)",
				 remote ? "remote administration" : "logon",
				 json_is_string(rem) ? ", reminder: " : "",
				 json_is_string(rem) ? json_string_value(rem) :
						       "",
				 name);
		else
			snprintf(buf, sizeof buf,
				 "logon denied: %s Services are %s (%s)",
				 str(doc, "message"), str(doc, "services"),
				 name);
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "create") == 0) {
		snprintf(buf, sizeof buf,
			 "%s is installed: %s %s %s%s; license %s%s.",
			 str(doc, "name"), str(doc, "sku"),
			 str(doc, "channel"), str(doc, "platform"),
			 json_is_true(json_object_get(doc, "r2")) ? " R2" : "",
			 str(doc, "license_status"), days);
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "show") == 0) {
		snprintf(buf, sizeof buf, "%s: license %s%s, services %s.",
			 str(doc, "name"), str(doc, "license_status"), days,
			 str(doc, "services"));
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "hw") == 0) {
		snprintf(buf, sizeof buf,
			 "%s's hardware changes: %lld of 12 votes match the "
			 "activation baseline (%lld needed); license %s%s.",
			 str(doc, "name"),
			 json_integer_value(json_object_get(doc, "votes")),
			 json_integer_value(json_object_get(doc, "needed")),
			 str(doc, "license_status"), days);
	} else if (strcmp(cmd, "machine") == 0 &&
		   strcmp(sub, "activate") == 0) {
		snprintf(buf, sizeof buf, "%s is activated (%s).", name,
			 str(doc, "kind"));
	} else if (strcmp(cmd, "key") == 0 && strcmp(sub, "check") == 0) {
		snprintf(buf, sizeof buf, "Setup checks the key: \"%s\"",
			 str(doc, "message"));
	} else if (strcmp(cmd, "key") == 0 && strcmp(sub, "gen") == 0) {
		json_t *k = json_array_get(json_object_get(doc, "keys"), 0);

		snprintf(buf, sizeof buf, "A %s %s %s key: %s.", str(k, "sku"),
			 str(k, "channel"), str(k, "platform"), str(k, "key"));
	} else if (strcmp(cmd, "phone") == 0) {
		snprintf(buf, sizeof buf,
			 "By telephone, the operator reads back confirmation "
			 "ID %s in groups A to G (%s).",
			 str(doc, "confirmation_id"), str(doc, "kind"));
	} else if (strcmp(cmd, "cid") == 0 && strcmp(sub, "issue") == 0) {
		snprintf(buf, sizeof buf,
			 "The clearinghouse issues confirmation ID %s.",
			 str(doc, "confirmation_id"));
	} else {
		snprintf(buf, sizeof buf, "actsim %s %s %s: %s", cmd, sub,
			 name, status == 0 ? "done" : "failed");
	}
	return strdup(buf);
}
