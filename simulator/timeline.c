/* A machine's grace timeline: what the dashboard, `machine timeline`
 * and the scenario reports draw. Built from
 * the record's history and the license rules; the drawing is the front
 * ends' business. */
#include <stdio.h>
#include <string.h>

#include "actsim/machine.h"
#include "actsim/time.h"
#include "../common/internal.h"

#define MAX_REMINDERS 64

static json_t *time_json(int64_t t)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	if (t < 0)
		t = 0;
	if (t > ACTSIM_TIME_MAX)
		t = ACTSIM_TIME_MAX;
	actsim_time_format(buf, t);
	return json_string(buf);
}

struct builder {
	json_t *events, *windows;
	int64_t last;
};

static json_t *event(struct builder *b, int64_t at, const char *kind,
		     const char *label)
{
	json_t *o = json_pack("{s:o,s:s,s:s}", "at", time_json(at), "kind",
			      kind, "label", label);

	if (at > b->last)
		b->last = at;
	json_array_append_new(b->events, o);
	return o;
}

static void window(struct builder *b, const char *kind, int64_t from,
		   int64_t to, bool closed_early, int64_t closed_at)
{
	json_t *o = json_pack("{s:s,s:o,s:o}", "kind", kind, "from",
			      time_json(from), "to", time_json(to));

	if (closed_early)
		json_object_set_new(o, "closed_at", time_json(closed_at));
	/* a window closed early need not stretch the picture */
	if ((closed_early ? closed_at : to) > b->last)
		b->last = closed_early ? closed_at : to;
	json_array_append_new(b->windows, o);
}

/* The reminders Windows shows while a window runs, from `from` until
 * `until` (the deadline, or when the window closed early), following the
 * catalog's schedule exactly as logon would. */
static void reminders(struct builder *b, const struct actsim_catalog *cat,
		      const struct actsim_machine *m, bool reactivation,
		      int64_t from, int64_t until)
{
	struct actsim_machine probe = *m;
	struct actsim_license_state st;
	int64_t t = from;
	char label[64];

	probe.activated = reactivation;
	probe.out_of_tolerance = reactivation;
	probe.out_of_tolerance_at = from;
	for (int n = 0; n < MAX_REMINDERS; n++) {
		actsim_machine_license(cat, &probe, t, &st);
		if (!st.has_next_reminder || st.next_reminder >= until)
			return;
		t = st.next_reminder;
		actsim_machine_license(cat, &probe, t, &st);
		snprintf(label, sizeof label, "reminder: %lld day%s left",
			 (long long)st.days_left, st.days_left == 1 ? "" : "s");
		event(b, t, "reminder", label);
		t++;
	}
}

/* Orders events by time, keeping the order of equal times (insertion
 * sort: a timeline has a few dozen events). The times are RFC 3339 in
 * one width, so text order is time order. */
static void sort_by_time(json_t *events)
{
	size_t n = json_array_size(events);

	for (size_t i = 1; i < n; i++) {
		json_t *e = json_incref(json_array_get(events, i));
		const char *at = json_string_value(json_object_get(e, "at"));
		size_t j = i;

		while (j > 0 &&
		       strcmp(json_string_value(json_object_get(
				      json_array_get(events, j - 1), "at")),
			      at) > 0) {
			json_array_set(events, j, json_array_get(events, j - 1));
			j--;
		}
		json_array_set_new(events, j, e);
	}
}

/* A copy of the record's history; records written before it existed get
 * their last activation back from the record's own fields. */
static size_t history_of(const struct actsim_machine *m,
			 struct actsim_machine_event *out)
{
	bool seen = false;
	size_t n = m->nhistory;

	memcpy(out, m->history, n * sizeof out[0]);
	for (size_t i = 0; i < n; i++)
		seen = seen || out[i].kind == ACTSIM_EVENT_ACTIVATED;
	if (m->activated && !seen) {
		memmove(out + 1, out, n * sizeof out[0]);
		memset(&out[0], 0, sizeof out[0]);
		out[0].kind = ACTSIM_EVENT_ACTIVATED;
		out[0].at = m->activated_at;
		snprintf(out[0].detail, sizeof out[0].detail, "%s",
			 m->activation_kind);
		n++;
	}
	return n;
}

json_t *actsim_machine_timeline(const struct actsim_catalog *cat,
				const struct actsim_machine *m, int64_t now)
{
	const struct actsim_activation_rules *rules =
		actsim_catalog_activation(cat);
	const struct actsim_channel_rules *ch =
		actsim_catalog_channel(cat, m->channel);
	struct actsim_machine_event hist[ACTSIM_MACHINE_HISTORY + 1];
	struct builder b;
	size_t n = history_of(m, hist);
	bool activated = false, out = false;
	int64_t first_activation = -1, window_start = 0, end, margin;
	char label[192];
	json_t *doc;

	b.events = json_array();
	b.windows = json_array();
	b.last = now;
	snprintf(label, sizeof label, "installed (%s, %s)", m->sku,
		 m->channel);
	event(&b, m->installed_at, "installed", label);
	for (size_t i = 0; i < n; i++)
		if (hist[i].kind == ACTSIM_EVENT_ACTIVATED) {
			first_activation = hist[i].at;
			break;
		}
	/* An OEM machine pre-activated at installation has no grace
	 * period to draw. */
	if (ch != NULL && ch->grace_days >= 0 &&
	    !(n > 0 && hist[0].kind == ACTSIM_EVENT_ACTIVATED &&
	      hist[0].at == m->installed_at &&
	      strcmp(hist[0].detail, "oem_bios") == 0)) {
		int64_t deadline =
			m->installed_at + (int64_t)ch->grace_days * ACTSIM_DAY;
		bool early = first_activation >= 0 && first_activation < deadline;

		if (ch->evaluation_expiry_days > 0 &&
		    ch->evaluation_expiry_days < ch->grace_days)
			deadline = m->installed_at +
				   (int64_t)ch->evaluation_expiry_days *
					   ACTSIM_DAY;
		window(&b, "grace", m->installed_at, deadline, early,
		       first_activation);
		reminders(&b, cat, m, false, m->installed_at,
			  early ? first_activation : deadline);
		if (!early)
			event(&b, deadline, "deadline",
			      "activation deadline: logon blocked after it");
	}
	/* Replays the history as actsim_machine_set_hardware and
	 * actsim_machine_activated did: the reactivation window opens when
	 * the hardware first leaves tolerance and closes on reactivation or
	 * when it comes back. */
	for (size_t i = 0; i < n; i++) {
		const struct actsim_machine_event *ev = &hist[i];
		int64_t wend = window_start +
			       (int64_t)rules->reactivation_days * ACTSIM_DAY;

		if (ev->kind == ACTSIM_EVENT_ACTIVATED) {
			if (out)
				window(&b, "reactivation", window_start, wend,
				       ev->at < wend, ev->at);
			snprintf(label, sizeof label, "%s (%s)",
				 activated ? "reactivated" : "activated",
				 ev->detail);
			event(&b, ev->at, activated ? "reactivated" :
						      "activated",
			      label);
			activated = true;
			out = false;
			continue;
		}
		snprintf(label, sizeof label,
			 "hardware change: %u of %d votes match (%s)",
			 ev->votes, ACTSIM_HW_TOTAL_VOTES,
			 ev->within_tolerance ? "within tolerance" :
						"out of tolerance");
		{
			json_t *o = event(&b, ev->at, "hardware", label);

			json_object_set_new(o, "votes",
					    json_integer(ev->votes));
			json_object_set_new(o, "within_tolerance",
					    json_boolean(ev->within_tolerance));
		}
		if (!ev->within_tolerance && !out) {
			out = true;
			window_start = ev->at;
		} else if (ev->within_tolerance && out) {
			window(&b, "reactivation", window_start, wend,
			       ev->at < wend, ev->at);
			out = false;
		}
	}
	if (!out && m->out_of_tolerance) {
		/* a record from before the history */
		out = true;
		window_start = m->out_of_tolerance_at;
	}
	if (out) {
		int64_t wend = window_start +
			       (int64_t)rules->reactivation_days * ACTSIM_DAY;

		window(&b, "reactivation", window_start, wend, false, 0);
		reminders(&b, cat, m, true, window_start, wend);
		event(&b, wend, "reactivation_deadline",
		      "reactivation deadline: logon blocked after it");
	}
	if (ch != NULL && ch->evaluation_expiry_days > 0)
		event(&b, m->installed_at +
				  (int64_t)ch->evaluation_expiry_days *
					  ACTSIM_DAY,
		      "evaluation_end", "the evaluation ends: services stop");
	end = b.last > now ? b.last : now;
	margin = (end - m->installed_at) / 12;
	if (margin < ACTSIM_DAY)
		margin = ACTSIM_DAY;
	end = end > ACTSIM_TIME_MAX - margin ? ACTSIM_TIME_MAX : end + margin;
	sort_by_time(b.events);
	doc = json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "name", m->name,
			"channel", m->channel, "now", time_json(now), "start",
			time_json(m->installed_at), "end", time_json(end),
			"events", b.events, "windows", b.windows);
	return doc;
}
