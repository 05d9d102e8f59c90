#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli/xml_lazy.h"

#include "actsim/time.h"
#include "svg.h"
#include "../common/banned.h"

#define W 960
#define LEFT 30
#define RIGHT 30
#define LABEL_TOP 18
#define LABEL_ROWS 5
#define ROW 16
#define BAND_TOP 102
#define BAND_H 48
#define AXIS (BAND_TOP + BAND_H)
#define H 240

/* Okabe-Ito colours, readable with every common colour vision; each kind
 * also has its own shape, so nothing depends on colour alone. */
struct style {
	const char *kind, *legend, *colour;
};

static const struct style styles[] = {
	{ "installed", "installed", "#000000" },
	{ "activated", "activated", "#009E73" },
	{ "reactivated", "reactivated", "#009E73" },
	{ "hardware", "hardware change", "#CC79A7" },
	{ "deadline", "deadline", "#D55E00" },
	{ "reactivation_deadline", "reactivation deadline", "#D55E00" },
	{ "evaluation_end", "evaluation ends", "#D55E00" },
	{ "reminder", "reminder", "#555555" },
};

struct plot {
	xmlTextWriterPtr w;
	int64_t start, end;
	int ok;
};

static void check(struct plot *p, int rc)
{
	if (rc < 0)
		p->ok = 0;
}

static double xpos(const struct plot *p, int64_t t)
{
	double span = (double)(p->end - p->start);

	if (t < p->start)
		t = p->start;
	if (t > p->end)
		t = p->end;
	return LEFT + (W - LEFT - RIGHT) * (double)(t - p->start) /
			      (span > 0 ? span : 1);
}

static void start(struct plot *p, const char *name)
{
	check(p, xmlTextWriterStartElement(p->w, BAD_CAST name));
}

static void end(struct plot *p)
{
	check(p, xmlTextWriterEndElement(p->w));
}

static void attr(struct plot *p, const char *name, const char *value)
{
	check(p, xmlTextWriterWriteAttribute(p->w, BAD_CAST name,
					     BAD_CAST value));
}

static void attrf(struct plot *p, const char *name, double v)
{
	char num[32];

	snprintf(num, sizeof num, "%.1f", v);
	attr(p, name, num);
}

static void text(struct plot *p, const char *s)
{
	check(p, xmlTextWriterWriteString(p->w, BAD_CAST s));
}

static void title(struct plot *p, const char *s)
{
	start(p, "title");
	text(p, s);
	end(p);
}

static void line(struct plot *p, double x1, double y1, double x2, double y2,
		 const char *stroke, double width, const char *dash)
{
	start(p, "line");
	attrf(p, "x1", x1);
	attrf(p, "y1", y1);
	attrf(p, "x2", x2);
	attrf(p, "y2", y2);
	attr(p, "stroke", stroke);
	attrf(p, "stroke-width", width);
	if (dash != NULL)
		attr(p, "stroke-dasharray", dash);
	end(p);
}

static void label(struct plot *p, double x, double y, const char *anchor,
		  const char *cls, const char *s)
{
	start(p, "text");
	attrf(p, "x", x);
	attrf(p, "y", y);
	attr(p, "text-anchor", anchor);
	attr(p, "class", cls);
	text(p, s);
	end(p);
}

static const struct style *style_of(const char *kind)
{
	for (size_t i = 0; i < sizeof styles / sizeof styles[0]; i++)
		if (strcmp(styles[i].kind, kind) == 0)
			return &styles[i];
	return &styles[0];
}

/* A marker centred on (x, y): its shape tells the kind. */
static void marker(struct plot *p, const char *kind, double x, double y)
{
	const struct style *s = style_of(kind);
	char pts[160];

	if (strcmp(kind, "installed") == 0) {
		start(p, "circle");
		attrf(p, "cx", x);
		attrf(p, "cy", y);
		attr(p, "r", "6");
	} else if (strcmp(kind, "activated") == 0 ||
		   strcmp(kind, "reactivated") == 0) {
		start(p, "rect");
		attrf(p, "x", x - 6);
		attrf(p, "y", y - 6);
		attr(p, "width", "12");
		attr(p, "height", "12");
	} else if (strcmp(kind, "hardware") == 0) {
		snprintf(pts, sizeof pts, "%.1f,%.1f %.1f,%.1f %.1f,%.1f", x,
			 y - 7, x + 7, y + 6, x - 7, y + 6);
		start(p, "polygon");
		attr(p, "points", pts);
	} else {
		/* deadlines: a diamond */
		snprintf(pts, sizeof pts,
			 "%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f", x, y - 8,
			 x + 8, y, x, y + 8, x - 8, y);
		start(p, "polygon");
		attr(p, "points", pts);
	}
	attr(p, "fill", s->colour);
	attr(p, "stroke", "#ffffff");
	attr(p, "stroke-width", "1.5");
	end(p);
}

static int64_t time_of(const json_t *o, const char *key, int *ok)
{
	const char *s = json_string_value(json_object_get(o, key));
	int64_t t = 0;

	if (s == NULL || actsim_time_parse(s, &t) != ACTSIM_OK)
		*ok = 0;
	return t;
}

static void windows(struct plot *p, const json_t *list, int *ok)
{
	size_t i;
	json_t *win;

	json_array_foreach(list, i, win) {
		const char *kind = json_string_value(json_object_get(win, "kind"));
		int reactivation = kind != NULL &&
				   strcmp(kind, "reactivation") == 0;
		const char *fill = reactivation ? "#E69F00" : "#56B4E9";
		double x1 = xpos(p, time_of(win, "from", ok));
		double x2 = xpos(p, time_of(win, "to", ok));
		double xc = x2;
		double y = reactivation ? BAND_TOP + 8 : BAND_TOP;
		double h = reactivation ? BAND_H - 8 : BAND_H;
		char tip[160];

		if (json_object_get(win, "closed_at") != NULL)
			xc = xpos(p, time_of(win, "closed_at", ok));
		start(p, "g");
		attr(p, "class", reactivation ? "window window-reactivation" :
						"window window-grace");
		snprintf(tip, sizeof tip, "%s window",
			 reactivation ? "reactivation (3-day)" : "grace");
		title(p, tip);
		/* the whole window outlined, the part that ran filled */
		start(p, "rect");
		attrf(p, "x", x1);
		attrf(p, "y", y);
		attrf(p, "width", x2 - x1);
		attrf(p, "height", h);
		attr(p, "fill", "none");
		attr(p, "stroke", fill);
		attr(p, "stroke-dasharray", "4 3");
		end(p);
		start(p, "rect");
		attrf(p, "x", x1);
		attrf(p, "y", y);
		attrf(p, "width", xc - x1);
		attrf(p, "height", h);
		attr(p, "fill", fill);
		attr(p, "fill-opacity", "0.35");
		end(p);
		label(p, x1 + 4, y + h - 5, "start", "window-label",
		      reactivation ? "reactivation window" : "grace period");
		end(p);
	}
}

static void axis(struct plot *p)
{
	int64_t span = p->end - p->start, step = ACTSIM_DAY;
	char buf[ACTSIM_TIME_TEXT_BYTES], day[32];

	while (span / step > 16)
		step *= span / step > 64 ? 7 : 2;
	line(p, LEFT, AXIS, W - RIGHT, AXIS, "#333333", 1.5, NULL);
	for (int64_t t = 0; p->start + t <= p->end; t += step) {
		double x = xpos(p, p->start + t);

		line(p, x, AXIS, x, AXIS + 5, "#333333", 1, NULL);
		snprintf(day, sizeof day, "day %lld",
			 (long long)(t / ACTSIM_DAY));
		label(p, x, AXIS + 17, "middle", "tick", day);
	}
	actsim_time_format(buf, p->start);
	buf[10] = '\0';
	label(p, LEFT, AXIS + 31, "start", "date", buf);
}

static void events(struct plot *p, const json_t *list, int *ok)
{
	size_t i;
	json_t *ev;
	int row = 0;

	json_array_foreach(list, i, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		const char *text_ =
			json_string_value(json_object_get(ev, "label"));
		double x = xpos(p, time_of(ev, "at", ok)), y;
		char cls[64];

		if (kind == NULL || text_ == NULL) {
			*ok = 0;
			return;
		}
		snprintf(cls, sizeof cls, "event event-%s", kind);
		start(p, "g");
		attr(p, "class", cls);
		title(p, text_);
		if (strcmp(kind, "reminder") == 0) {
			line(p, x, AXIS - 9, x, AXIS, "#555555", 1, NULL);
			end(p);
			continue;
		}
		y = LABEL_TOP + ROW * (row++ % LABEL_ROWS);
		line(p, x, y + 3, x, BAND_TOP + 16.0, "#999999", 0.8,
		     "2 2");
		marker(p, kind, x, BAND_TOP + 16.0);
		label(p, x + (x > W / 2.0 ? -4 : 4), y,
		      x > W / 2.0 ? "end" : "start", "event-label", text_);
		end(p);
	}
}

static void now_line(struct plot *p, int64_t now)
{
	char buf[ACTSIM_TIME_TEXT_BYTES], t[64];
	double x = xpos(p, now);

	actsim_time_format(buf, now);
	snprintf(t, sizeof t, "now %s", buf);
	start(p, "g");
	attr(p, "class", "now");
	title(p, t);
	line(p, x, 4, x, AXIS + 40, "#000000", 2, "6 3");
	label(p, x + (x > W / 2.0 ? -4 : 4), AXIS + 45,
	      x > W / 2.0 ? "end" : "start", "now-label", t);
	end(p);
}

static void legend(struct plot *p)
{
	static const char *const kinds[] = { "installed", "activated",
					     "hardware", "deadline" };
	double x = LEFT;

	start(p, "g");
	attr(p, "class", "legend");
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		marker(p, kinds[i], x + 6, H - 12);
		label(p, x + 16, H - 8, "start", "legend-label",
		      style_of(kinds[i])->legend);
		x += 150;
	}
	line(p, x, H - 20, x, H - 4, "#555555", 1, NULL);
	label(p, x + 6, H - 8, "start", "legend-label", "reminder");
	end(p);
}

char *web_timeline_svg(const json_t *timeline, int xml_declaration,
		       size_t *len)
{
	struct plot p;
	xmlBufferPtr buf = xmlBufferCreate();
	char viewbox[64], heading[200];
	const char *name = json_string_value(json_object_get(timeline, "name"));
	int ok = 1;
	int64_t now;
	char *out = NULL;

	if (buf == NULL)
		return NULL;
	memset(&p, 0, sizeof p);
	p.ok = 1;
	p.start = time_of(timeline, "start", &ok);
	p.end = time_of(timeline, "end", &ok);
	now = time_of(timeline, "now", &ok);
	p.w = ok && name != NULL ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (p.w == NULL) {
		xmlBufferFree(buf);
		return NULL;
	}
	if (xml_declaration)
		check(&p, xmlTextWriterStartDocument(p.w, NULL, "UTF-8", NULL));
	start(&p, "svg");
	attr(&p, "xmlns", "http://www.w3.org/2000/svg");
	snprintf(viewbox, sizeof viewbox, "0 0 %d %d", W, H);
	attr(&p, "viewBox", viewbox);
	attr(&p, "width", "960");
	attr(&p, "height", "240");
	attr(&p, "role", "img");
	attr(&p, "class", "timeline");
	attr(&p, "font-family", "sans-serif");
	attr(&p, "font-size", "12");
	snprintf(heading, sizeof heading, "grace timeline of %s", name);
	title(&p, heading);
	start(&p, "rect");
	attr(&p, "width", "100%");
	attr(&p, "height", "100%");
	attr(&p, "fill", "#ffffff");
	end(&p);
	windows(&p, json_object_get(timeline, "windows"), &ok);
	axis(&p);
	events(&p, json_object_get(timeline, "events"), &ok);
	now_line(&p, now);
	legend(&p);
	end(&p);
	check(&p, xmlTextWriterEndDocument(p.w));
	xmlFreeTextWriter(p.w);
	if (ok && p.ok) {
		*len = (size_t)xmlBufferLength(buf);
		out = malloc(*len + 1);
		if (out != NULL) {
			memcpy(out, xmlBufferContent(buf), *len);
			out[*len] = '\0';
		}
	}
	xmlBufferFree(buf);
	return out;
}
