/* Scenario results: the part every report format shares. Each format is
 * one file (report_<name>.c) with one struct report_format; adding a
 * format is adding it to the table below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "internal.h"
#include "../common/banned.h"

static const struct report_format *const formats[] = {
	&report_format_tap,
	&report_format_junit,
	&report_format_narrate,
};

const struct report_format *report_format_find(const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

void report_format_names(char *out, size_t cap)
{
	size_t n = sizeof formats / sizeof formats[0], o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && o < cap; i++) {
		int w = snprintf(out + o, cap - o, "%s%s",
				 i == 0 ? "" : i + 1 == n ? " or " : ", ",
				 formats[i]->name);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

struct report *report_new(const struct report_format *format, FILE *out)
{
	struct report *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->format = format;
	r->out = out;
	if (format->begin != NULL)
		format->begin(r);
	return r;
}

bool report_narrating(const struct report *r)
{
	return r->format->narrate != NULL;
}

void report_file(struct report *r, const char *file)
{
	if (r->format->file != NULL)
		r->format->file(r, file);
}

void report_yaml_str(FILE *f, const char *s)
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

void report_xml_escape(FILE *f, const char *s)
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
	report_yaml_str(f, command);
	if (expected != NULL) {
		fputs("\n  expected: ", f);
		report_yaml_str(f, expected);
	}
	/* JSON is YAML: the actual value goes in as it is. */
	fprintf(f, "\n  actual: %s", act != NULL ? act : "null");
	fprintf(f, "\n  exit: %d\n", exit_status);
	if (note != NULL) {
		fputs("  message: ", f);
		report_yaml_str(f, note);
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
	struct report_point p = { file, line, ok, expected, d };

	r->count++;
	if (!ok)
		r->failed++;
	if (r->format->point != NULL)
		r->format->point(r, &p);
	free(d);
}

void report_narrate(struct report *r, int64_t day, const char *when,
		    const char *sentence)
{
	if (r->format->narrate != NULL)
		r->format->narrate(r, day, when, sentence);
}

unsigned report_finish(struct report *r)
{
	unsigned failed = r->failed;

	if (r->format->finish != NULL)
		r->format->finish(r);
	free(r);
	return failed;
}
