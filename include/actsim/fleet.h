/* The fleet view: one row per machine of a lab with its license standing
 * at a given lab time (what `actsim machine list` and the dashboard's
 * machine table show). Reads inside the caller's transaction; writes
 * nothing. */
#ifndef ACTSIM_FLEET_H
#define ACTSIM_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/lab.h"
#include "actsim/license.h"
#include "actsim/machine.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Votes in all: every hardware field one, the network adapter three. */
#define ACTSIM_FLEET_VOTES_TOTAL 12

/* One machine's row. Plain value: no resources. */
struct actsim_fleet_row {
	char name[ACTSIM_MACHINE_NAME_MAX + 1];
	char sku[ACTSIM_WORD_MAX + 1], channel[ACTSIM_WORD_MAX + 1];
	char platform[ACTSIM_WORD_MAX + 1];
	bool r2;
	enum actsim_license_status status;
	const char *status_name; /* "grace", "activated", ... (static) */
	bool has_deadline;
	int64_t deadline;  /* when the running window closes */
	int64_t days_left; /* as the license state counts them */
	bool activated;
	int64_t activated_at;
	/* Votes of the current hardware against the activation baseline;
	 * has_votes false when the machine was never activated. */
	bool has_votes;
	unsigned votes, votes_needed;
};

enum actsim_fleet_sort {
	ACTSIM_FLEET_BY_NAME = 0, /* the default */
	ACTSIM_FLEET_BY_DEADLINE  /* soonest first; no deadline last */
};

/* Which rows, in which order. A zeroed struct means every machine by
 * name. */
struct actsim_fleet_filter {
	/* Only this license status; has_status false: any. */
	bool has_status;
	enum actsim_license_status status;
	/* Only machines whose deadline falls in [now, now + within];
	 * has_within false: no such condition. */
	bool has_within;
	int64_t within;
	enum actsim_fleet_sort sort;
};

/* The rows of the lab's machines at lab time `now` (usually the lab
 * clock's), filtered and sorted. *rows is malloc'd (the caller frees it
 * with free(); NULL when *n is 0). Errors: ACTSIM_E_INVALID_ARG (negative
 * `within`), ACTSIM_E_DB (a damaged record or a storage failure),
 * ACTSIM_E_NOMEM; on error *rows is NULL and *n 0. Same thread rules as
 * the lab handle. */
actsim_err actsim_fleet_rows(struct actsim_lab *lab,
			     const struct actsim_catalog *cat, int64_t now,
			     const struct actsim_fleet_filter *filter,
			     struct actsim_fleet_row **rows, size_t *n)
	__attribute__((warn_unused_result));

/* The row of one machine at lab time `now`. Pure. */
void actsim_fleet_row_of(const struct actsim_catalog *cat,
			 const struct actsim_machine *m, int64_t now,
			 struct actsim_fleet_row *out);

/* One row as a document: {name, sku, channel, platform, r2,
 * license_status, days_left, deadline, activated_at, votes_matching,
 * votes_needed, votes_total}; times as ISO 8601 text, absent values null.
 * A new reference, NULL when out of memory. */
json_t *actsim_fleet_row_json(const struct actsim_fleet_row *row);

/* The rows as a JSON array of actsim_fleet_row_json objects; a new
 * reference, NULL when out of memory. */
json_t *actsim_fleet_json(const struct actsim_fleet_row *rows, size_t n);

#ifdef __cplusplus
}
#endif
#endif
