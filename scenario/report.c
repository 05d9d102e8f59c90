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
	&report_format_json,
	&report_format_narrate,
	&report_format_html,
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
	return r;
}

bool report_narrating(const struct report *r)
{
	return r->format->narrate != NULL;
}

bool report_drawing(const struct report *r)
{
	return r->format->timeline != NULL;
}

void report_timeline(struct report *r, const char *machine,
		     const json_t *timeline)
{
	if (r->format->timeline != NULL && machine != NULL &&
	    timeline != NULL)
		r->format->timeline(r, machine, timeline);
}

void report_begin(struct report *r, size_t total_points, bool runs)
{
	if (r->format->begin != NULL)
		r->format->begin(r, total_points, runs);
	fflush(r->out);
}

void report_suite_begin(struct report *r, const struct report_suite *s)
{
	if (s->parse_error != NULL) {
		r->count++;
		r->errors++;
	}
	if (r->format->suite_begin != NULL)
		r->format->suite_begin(r, s);
	fflush(r->out);
}

void report_point(struct report *r, const struct report_suite *s,
		  const struct report_point *p)
{
	r->count++;
	if (p->status == POINT_PASS)
		r->passed++;
	else if (p->status == POINT_FAIL)
		r->failed++;
	else if (p->status == POINT_ERROR)
		r->errors++;
	else
		r->skipped++;
	if (r->format->point != NULL)
		r->format->point(r, s, p);
	fflush(r->out);
}

void report_aside(struct report *r, const char *text)
{
	if (r->format->aside != NULL)
		r->format->aside(r, text);
}

void report_narrate(struct report *r, int64_t day, const char *when,
		    const char *sentence)
{
	if (r->format->narrate != NULL)
		r->format->narrate(r, day, when, sentence);
	fflush(r->out);
}

void report_suite_end(struct report *r, const struct report_suite *s)
{
	r->seconds += s->seconds;
	if (r->format->suite_end != NULL)
		r->format->suite_end(r, s);
	fflush(r->out);
}

int report_finish(struct report *r)
{
	bool broken;

	if (r->format->finish != NULL)
		r->format->finish(r);
	fflush(r->out);
	broken = r->broken;
	free(r);
	return broken ? -1 : 0;
}

const char *report_status_name(enum point_status s)
{
	static const char *const names[] = { "pass", "fail", "skip",
					     "error" };

	return names[s];
}

void report_yaml_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

char *report_xml_clean(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, o = 0;
	char *out = malloc(3 * n + 1);
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		size_t k = scenario_utf8_len(p);

		if (k == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			p++;
		} else if (k == 1 && *p < 0x20 && *p != '\t' &&
			   *p != '\n') {
			p++; /* not allowed in XML 1.0 */
		} else {
			memcpy(out + o, p, k);
			o += k;
			p += k;
		}
	}
	out[o] = '\0';
	return out;
}
