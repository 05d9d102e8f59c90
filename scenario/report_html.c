/* One self-contained HTML page: per file its points with pass or fail
 * (and the failure's message), then the grace timeline of every machine
 * its lab held at the end, drawn inline as SVG. Every value is escaped;
 * the page has a <style> and nothing else outside itself: no script, no
 * outside reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "../web/svg.h"
#include "../common/banned.h"

struct html_state {
	bool table;      /* the file's table is open */
	char *svgs;      /* the file's timelines, written at its end */
	size_t svgs_len;
	FILE *pics;
};

/* Text for an element or an attribute: the five special characters as
 * entities, control characters as spaces; bytes that are not UTF-8 as
 * U+FFFD (report_xml_clean). */
static void esc(FILE *f, const char *s)
{
	char *clean = report_xml_clean(s != NULL ? s : "");
	const char *c = clean != NULL ? clean : "";

	for (; *c; c++) {
		switch (*c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			fputc((unsigned char)*c < 0x20 && *c != '\n' ? ' ' : *c,
			      f);
		}
	}
	free(clean);
}

static void html_begin(struct report *r, size_t total, bool runs)
{
	(void)total;
	(void)runs;
	r->state = calloc(1, sizeof(struct html_state));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n<title>Scenario report</title>\n"
	      "<style>\n"
	      "body{font-family:sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse;margin:0.5em 0}\n"
	      "td,th{border:1px solid #ccc;padding:0.25em 0.6em;"
	      "text-align:left;vertical-align:top}\n"
	      ".pass{color:#176b2c}.fail,.error{color:#a4161a}"
	      ".skip{color:#777}\n"
	      "pre{margin:0;white-space:pre-wrap}\n"
	      "figure{margin:1em 0}svg{max-width:100%;height:auto}\n"
	      "</style>\n</head>\n<body>\n<h1>Scenario report</h1>\n",
	      r->out);
}

static void html_suite_begin(struct report *r, const struct report_suite *s)
{
	struct html_state *h = r->state;

	fputs("<section class=\"file\">\n<h2>", r->out);
	esc(r->out, s->file);
	fputs("</h2>\n<p>Started ", r->out);
	esc(r->out, s->timestamp);
	fputs(" UTC</p>\n", r->out);
	if (s->parse_error != NULL) {
		fputs("<p class=\"error\">Does not parse: ", r->out);
		esc(r->out, s->parse_error);
		fputs("</p>\n", r->out);
		return;
	}
	if (h != NULL) {
		h->pics = open_memstream(&h->svgs, &h->svgs_len);
		h->table = true;
	}
	fputs("<table>\n<tr><th>Line</th><th>Test</th><th>Result</th>"
	      "<th>Message</th></tr>\n",
	      r->out);
}

static void html_point(struct report *r, const struct report_suite *s,
		       const struct report_point *p)
{
	const char *st = report_status_name(p->status);

	(void)s;
	fputs("<tr class=\"point\"><td>", r->out);
	esc(r->out, p->src);
	fprintf(r->out, ":%u</td><td class=\"name\">", p->line);
	esc(r->out, p->name);
	fprintf(r->out, "</td><td class=\"%s\">%s</td><td>", st, st);
	if (p->message != NULL) {
		fputs("<pre>", r->out);
		esc(r->out, p->message);
		if (p->at != NULL) {
			fputs(" (at ", r->out);
			esc(r->out, p->at);
			fputc(')', r->out);
		}
		fputs("</pre>", r->out);
	}
	fputs("</td></tr>\n", r->out);
}

static void html_timeline(struct report *r, const char *machine,
			  const json_t *timeline)
{
	struct html_state *h = r->state;
	size_t len = 0;
	char *svg;

	if (h == NULL || h->pics == NULL)
		return;
	svg = web_timeline_svg(timeline, 0, &len);
	fputs("<figure class=\"timeline\">\n<figcaption>", h->pics);
	esc(h->pics, machine);
	fputs("</figcaption>\n", h->pics);
	if (svg != NULL)
		fwrite(svg, 1, len, h->pics);
	else
		fputs("<p>(no picture)</p>", h->pics);
	fputs("\n</figure>\n", h->pics);
	free(svg);
}

static void html_suite_end(struct report *r, const struct report_suite *s)
{
	struct html_state *h = r->state;

	if (h != NULL && h->table) {
		fputs("</table>\n", r->out);
		fprintf(r->out, "<p>%.3f s</p>\n", s->seconds);
		h->table = false;
	}
	if (h != NULL && h->pics != NULL) {
		fclose(h->pics);
		h->pics = NULL;
		if (h->svgs_len > 0) {
			fputs("<h3>Timelines</h3>\n", r->out);
			fwrite(h->svgs, 1, h->svgs_len, r->out);
		}
		free(h->svgs);
		h->svgs = NULL;
		h->svgs_len = 0;
	}
	fputs("</section>\n", r->out);
}

static void html_finish(struct report *r)
{
	fprintf(r->out,
		"<p class=\"totals\">%u passed, %u failed, %u skipped "
		"(%.3f s)</p>\n</body>\n</html>\n",
		r->passed, r->failed + r->errors, r->skipped, r->seconds);
	free(r->state);
	r->state = NULL;
}

const struct report_format report_format_html = {
	.name = "html",
	.begin = html_begin,
	.suite_begin = html_suite_begin,
	.point = html_point,
	.timeline = html_timeline,
	.suite_end = html_suite_end,
	.finish = html_finish,
};
