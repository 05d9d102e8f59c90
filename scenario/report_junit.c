/* JUnit XML as the Jenkins xUnit plugin's schema (junit-10.xsd) has it:
 * one <testsuite> per file, one <testcase> per point, <failure>,
 * <skipped/> and, for a file that does not parse, <error>. The totals
 * come first, so the document is written at the end, by libxml2's
 * xmlTextWriter (escaping is its job); every string is made valid UTF-8
 * first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli/xml_lazy.h"

#include "internal.h"
#include "../common/banned.h"

struct junit {
	json_t *suites; /* what is known of each file, in order */
	json_t *cur;
};

static void junit_begin(struct report *r, size_t total, bool runs)
{
	struct junit *j = calloc(1, sizeof *j);

	(void)total;
	(void)runs;
	r->state = j;
	if (j != NULL)
		j->suites = json_array();
}

static void junit_suite_begin(struct report *r, const struct report_suite *s)
{
	struct junit *j = r->state;

	if (j == NULL)
		return;
	j->cur = json_pack("{s:s,s:s,s:[]}", "file", s->file, "timestamp",
			   s->timestamp, "cases");
	if (s->parse_error != NULL)
		json_object_set_new(j->cur, "error",
				    json_string(s->parse_error));
	json_array_append_new(j->suites, j->cur);
}

static void junit_point(struct report *r, const struct report_suite *s,
			const struct report_point *p)
{
	struct junit *j = r->state;
	char name[8192];

	if (j == NULL || j->cur == NULL)
		return;
	if (p->src != NULL && strcmp(p->src, s->file) != 0)
		snprintf(name, sizeof name, "%s (%s:%u)", p->name, p->src,
			 p->line);
	else
		snprintf(name, sizeof name, "%s (line %u)", p->name, p->line);
	json_array_append_new(
		json_object_get(j->cur, "cases"),
		json_pack("{s:s,s:i,s:s?,s:s?,s:s?,s:f}", "name", name,
			  "status", (int)p->status, "message", p->message,
			  "detail", p->detail, "at", p->at, "time",
			  p->seconds));
}

static void junit_suite_end(struct report *r, const struct report_suite *s)
{
	struct junit *j = r->state;

	if (j == NULL || j->cur == NULL)
		return;
	json_object_set_new(j->cur, "time", json_real(s->seconds));
	j->cur = NULL;
}

/* xmlTextWriter takes UTF-8: every string goes through here. */
static void attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	char *clean = report_xml_clean(value);

	xmlTextWriterWriteAttribute(w, BAD_CAST name,
				    BAD_CAST(clean != NULL ? clean : ""));
	free(clean);
}

static void attr_u(xmlTextWriterPtr w, const char *name, unsigned v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%u", v);
	attr(w, name, buf);
}

static void attr_time(xmlTextWriterPtr w, double seconds)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%.3f", seconds < 0 ? 0.0 : seconds);
	attr(w, "time", buf);
}

static void text(xmlTextWriterPtr w, const char *s)
{
	char *clean = report_xml_clean(s);

	xmlTextWriterWriteString(w, BAD_CAST(clean != NULL ? clean : ""));
	free(clean);
}

/* "fixtures/scenarios/grace-retail.scn" -> "fixtures.scenarios.grace-
 * retail". */
static void classname(const char *file, char *out, size_t cap)
{
	size_t n, o = 0;

	while (file[0] == '/' || (file[0] == '.' && file[1] == '/'))
		file += file[0] == '/' ? 1 : 2;
	n = strlen(file);
	if (n > 4 && strcmp(file + n - 4, ".scn") == 0)
		n -= 4;
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		out[o++] = file[i] == '/' ? '.' : file[i];
	out[o] = '\0';
}

static void write_suite(xmlTextWriterPtr w, json_t *s, const char *host)
{
	const char *file = json_string_value(json_object_get(s, "file"));
	const char *error = json_string_value(json_object_get(s, "error"));
	json_t *cases = json_object_get(s, "cases"), *c;
	unsigned n[4] = { 0, 0, 0, error != NULL ? 1u : 0u };
	char cls[4096];
	size_t i;

	classname(file, cls, sizeof cls);
	json_array_foreach(cases, i, c)
		n[json_integer_value(json_object_get(c, "status")) & 3]++;
	xmlTextWriterStartElement(w, BAD_CAST "testsuite");
	attr(w, "name", file);
	attr_u(w, "tests", n[0] + n[1] + n[2] + n[3]);
	attr_u(w, "failures", n[POINT_FAIL]);
	attr_u(w, "errors", n[POINT_ERROR]);
	attr_u(w, "skipped", n[POINT_SKIP]);
	attr_time(w, json_real_value(json_object_get(s, "time")));
	attr(w, "timestamp",
	     json_string_value(json_object_get(s, "timestamp")));
	attr(w, "hostname", host);
	attr(w, "file", file);
	if (error != NULL) {
		xmlTextWriterStartElement(w, BAD_CAST "testcase");
		attr(w, "classname", cls);
		attr(w, "name", "the file parses");
		attr_time(w, 0);
		xmlTextWriterStartElement(w, BAD_CAST "error");
		attr(w, "message", error);
		attr(w, "type", "parse");
		text(w, error);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	json_array_foreach(cases, i, c) {
		int st = (int)json_integer_value(json_object_get(c, "status"));
		const char *msg =
			json_string_value(json_object_get(c, "message"));
		const char *detail =
			json_string_value(json_object_get(c, "detail"));

		xmlTextWriterStartElement(w, BAD_CAST "testcase");
		attr(w, "classname", cls);
		attr(w, "name", json_string_value(json_object_get(c, "name")));
		attr_time(w, json_real_value(json_object_get(c, "time")));
		if (st == POINT_SKIP) {
			xmlTextWriterStartElement(w, BAD_CAST "skipped");
			attr(w, "message", msg);
			xmlTextWriterEndElement(w);
		} else if (st == POINT_FAIL || st == POINT_ERROR) {
			xmlTextWriterStartElement(w, BAD_CAST(
				st == POINT_FAIL ? "failure" : "error"));
			attr(w, "message", msg);
			attr(w, "type", "expectation");
			text(w, json_string_value(json_object_get(c, "at")));
			text(w, "\n");
			text(w, detail);
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
}

static void junit_finish(struct report *r)
{
	struct junit *j = r->state;
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf != NULL ? xmlNewTextWriterMemory(buf, 0) :
					   NULL;
	char host[256] = "localhost";
	json_t *s;
	size_t i;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	if (j != NULL && w != NULL) {
		xmlTextWriterSetIndent(w, 1);
		xmlTextWriterSetIndentString(w, BAD_CAST "  ");
		xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
		xmlTextWriterStartElement(w, BAD_CAST "testsuites");
		attr(w, "name", "actsim scenarios");
		attr_u(w, "tests", r->count);
		attr_u(w, "failures", r->failed);
		attr_u(w, "errors", r->errors);
		attr_time(w, r->seconds);
		json_array_foreach(j->suites, i, s)
			write_suite(w, s, host);
		xmlTextWriterEndElement(w);
		xmlTextWriterEndDocument(w);
		xmlFreeTextWriter(w);
		w = NULL;
		fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf),
		       r->out);
	} else {
		/* libxml2 could not be loaded or ran out of memory. */
		r->broken = true;
	}
	if (w != NULL)
		xmlFreeTextWriter(w);
	if (buf != NULL)
		xmlBufferFree(buf);
	if (j != NULL)
		json_decref(j->suites);
	free(j);
}

const struct report_format report_format_junit = {
	.name = "junit",
	.begin = junit_begin,
	.suite_begin = junit_suite_begin,
	.point = junit_point,
	.suite_end = junit_suite_end,
	.finish = junit_finish,
};
