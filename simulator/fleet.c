/* The fleet view: every machine's license standing at one lab time. */
#include <stdlib.h>
#include <string.h>

#include "actsim/fleet.h"
#include "actsim/time.h"
#include "../common/banned.h"

static void copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void actsim_fleet_row_of(const struct actsim_catalog *cat,
			 const struct actsim_machine *m, int64_t now,
			 struct actsim_fleet_row *r)
{
	struct actsim_license_state st;
	struct actsim_hw_vote v;

	memset(r, 0, sizeof *r);
	actsim_machine_license(cat, m, now, &st);
	copy(r->name, sizeof r->name, m->name);
	copy(r->sku, sizeof r->sku, m->sku);
	copy(r->channel, sizeof r->channel, m->channel);
	copy(r->platform, sizeof r->platform, m->platform);
	r->r2 = m->r2;
	r->status = st.status;
	r->status_name = st.status_name;
	r->has_deadline = st.has_deadline;
	r->deadline = st.deadline;
	r->days_left = st.days_left;
	r->activated = m->activated;
	r->activated_at = m->activated_at;
	if (m->activated) {
		actsim_hw_compare(m->baseline_hash, m->hardware_hash, &v);
		r->has_votes = true;
		r->votes = v.votes;
		r->votes_needed = v.needed;
	}
}

static bool wanted(const struct actsim_fleet_filter *f,
		   const struct actsim_fleet_row *r, int64_t now)
{
	if (f->has_status && r->status != f->status)
		return false;
	if (f->has_within &&
	    (!r->has_deadline || r->deadline < now ||
	     r->deadline - now > f->within))
		return false;
	return true;
}

static int by_deadline(const void *a, const void *b)
{
	const struct actsim_fleet_row *x = a, *y = b;

	if (x->has_deadline != y->has_deadline)
		return x->has_deadline ? -1 : 1;
	if (x->has_deadline && x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return strcmp(x->name, y->name);
}

actsim_err actsim_fleet_rows(struct actsim_lab *lab,
			     const struct actsim_catalog *cat, int64_t now,
			     const struct actsim_fleet_filter *filter,
			     struct actsim_fleet_row **rows, size_t *n)
{
	static const struct actsim_fleet_filter all;
	struct actsim_fleet_row *out = NULL;
	struct actsim_machine m;
	json_t *records = NULL, *rec;
	size_t i, count = 0;
	actsim_err e;

	*rows = NULL;
	*n = 0;
	if (filter == NULL)
		filter = &all;
	if (filter->has_within && filter->within < 0)
		return ACTSIM_E_INVALID_ARG;
	e = actsim_lab_machine_fields(lab, actsim_machine_summary_fields(),
				      &records);
	if (e != ACTSIM_OK)
		goto done;
	if (json_array_size(records) > 0) {
		out = calloc(json_array_size(records), sizeof *out);
		if (out == NULL) {
			e = ACTSIM_E_NOMEM;
			goto done;
		}
	}
	json_array_foreach(records, i, rec) {
		e = actsim_machine_summary_from_json(rec, &m);
		if (e != ACTSIM_OK)
			goto done;
		actsim_fleet_row_of(cat, &m, now, &out[count]);
		if (wanted(filter, &out[count], now))
			count++;
	}
	/* records come ordered by name */
	if (filter->sort == ACTSIM_FLEET_BY_DEADLINE && count > 1)
		qsort(out, count, sizeof *out, by_deadline);
done:
	json_decref(records);
	if (e != ACTSIM_OK || count == 0) {
		free(out);
		return e;
	}
	*rows = out;
	*n = count;
	return ACTSIM_OK;
}

static json_t *time_or_null(bool set, int64_t t)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	if (!set)
		return json_null();
	actsim_time_format(buf, t);
	return json_string(buf);
}

json_t *actsim_fleet_row_json(const struct actsim_fleet_row *r)
{
	return json_pack(
		"{s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o,s:o,s:i}", "name",
		r->name, "sku", r->sku, "channel", r->channel, "platform",
		r->platform, "r2", r->r2, "license_status", r->status_name,
		"days_left",
		r->has_deadline ? json_integer(r->days_left) : json_null(),
		"deadline", time_or_null(r->has_deadline, r->deadline),
		"activated_at", time_or_null(r->activated, r->activated_at),
		"votes_matching",
		r->has_votes ? json_integer(r->votes) : json_null(),
		"votes_needed",
		r->has_votes ? json_integer(r->votes_needed) : json_null(),
		"votes_total", ACTSIM_FLEET_VOTES_TOTAL);
}

json_t *actsim_fleet_json(const struct actsim_fleet_row *rows, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < n; i++) {
		if (json_array_append_new(list,
					  actsim_fleet_row_json(&rows[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}
