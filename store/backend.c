/* The public record operations: each forwards to the lab's backend
 * (lab_internal.h), so nothing above store/ knows which one it talks
 * to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actsim/time.h"
#include "lab_internal.h"
#include "../common/internal.h"

actsim_err actsim_lab_clock_get(struct actsim_lab *lab, int64_t *now)
{
	char *v = NULL, *end;
	long long t;
	actsim_err e = lab->be->meta_get(lab, "clock", &v);

	if (e != ACTSIM_OK)
		return e;
	if (v == NULL)
		return lab_fail(lab, ACTSIM_E_DB, "lab '%s' has no clock",
				lab->dir);
	t = strtoll(v, &end, 10);
	if (*end != '\0' || end == v || t < 0) {
		free(v);
		return lab_fail(lab, ACTSIM_E_DB, "lab '%s': damaged clock",
				lab->dir);
	}
	free(v);
	*now = (int64_t)t;
	return ACTSIM_OK;
}

actsim_err actsim_lab_clock_set(struct actsim_lab *lab, int64_t now)
{
	char v[24];

	if (now < 0 || now > ACTSIM_CLOCK_MAX)
		return lab_fail(lab, ACTSIM_E_INVALID_ARG,
				"the clock cannot pass " ACTSIM_CLOCK_MAX_TEXT);
	snprintf(v, sizeof v, "%lld", (long long)now);
	return lab->be->meta_set(lab, "clock", v);
}


actsim_err actsim_lab_record_keys(struct actsim_lab *lab,
				  const struct actsim_pkey *keys, size_t n,
				  const struct actsim_keyconfig *cfg,
				  actsim_progress_fn progress, void *arg)
{
	return lab->be->record_keys(lab, keys, n, cfg, progress, arg);
}

actsim_err actsim_lab_counts(struct actsim_lab *lab,
			     struct actsim_lab_counts *out)
{
	return lab->be->counts(lab, out);
}

actsim_err actsim_lab_begin(struct actsim_lab *lab, bool write)
{
	return lab->be->begin(lab, write);
}

actsim_err actsim_lab_commit(struct actsim_lab *lab)
{
	return lab->be->commit(lab);
}

void actsim_lab_rollback(struct actsim_lab *lab)
{
	lab->be->rollback(lab);
}

actsim_err actsim_lab_key_by_id(struct actsim_lab *lab, uint64_t key_id,
				char key[ACTSIM_PKEY_TEXT_BYTES], bool *found)
{
	return lab->be->key_by_id(lab, key_id, key, found);
}

actsim_err actsim_lab_key_blocked(struct actsim_lab *lab, const char *key,
				  bool *blocked)
{
	return lab->be->key_blocked(lab, key, blocked);
}

actsim_err actsim_lab_machine_put(struct actsim_lab *lab, const char *name,
				  const json_t *record, bool create)
{
	return lab->be->machine_put(lab, name, record, create);
}

actsim_err actsim_lab_machine_get(struct actsim_lab *lab, const char *name,
				  json_t **record)
{
	return lab->be->machine_get(lab, name, record);
}

actsim_err actsim_lab_machine_delete(struct actsim_lab *lab, const char *name)
{
	return lab->be->machine_delete(lab, name);
}

actsim_err actsim_lab_machine_all(struct actsim_lab *lab, json_t **records)
{
	return lab->be->machine_all(lab, records);
}

actsim_err actsim_lab_machine_fields(struct actsim_lab *lab,
				     const char *const *fields,
				     json_t **records)
{
	size_t n;

	*records = NULL;
	for (n = 0; fields != NULL && fields[n] != NULL; n++) {
		const char *f = fields[n];

		if (n == ACTSIM_LAB_FIELDS_MAX || *f == '\0' ||
		    strspn(f, "abcdefghijklmnopqrstuvwxyz0123456789_") !=
			    strlen(f))
			return lab_fail(lab, ACTSIM_E_INVALID_ARG,
					"bad list of record fields");
	}
	if (n == 0)
		return lab_fail(lab, ACTSIM_E_INVALID_ARG,
				"bad list of record fields");
	return lab->be->machine_fields(lab, fields, n, records);
}

char *lab_fields_sql(const char *const *fields, size_t n, const char *head,
		     const char *before, const char *after, const char *tail)
{
	size_t cap = strlen(head) + strlen(tail) + 1, len = 0;
	char *sql;

	for (size_t i = 0; i < n; i++)
		cap += strlen(before) + strlen(fields[i]) + strlen(after) + 2;
	sql = malloc(cap);
	if (sql == NULL)
		return NULL;
	len += (size_t)snprintf(sql, cap, "%s", head);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(sql + len, cap - len, "%s%s%s%s",
					i > 0 ? ", " : "", before, fields[i],
					after);
	snprintf(sql + len, cap - len, "%s", tail);
	return sql;
}

/* One extracted member. Most are short strings, small integers, booleans
 * or null: those are made directly, anything else goes through the
 * parser. */
static json_t *field_value(const char *text)
{
	size_t len = strlen(text);
	char *end;
	long long i;

	if (strcmp(text, "null") == 0)
		return json_null();
	if (strcmp(text, "true") == 0)
		return json_true();
	if (strcmp(text, "false") == 0)
		return json_false();
	if (len >= 2 && text[0] == '"' && text[len - 1] == '"' &&
	    strpbrk(text + 1, "\\\"") == text + len - 1)
		return json_stringn(text + 1, len - 2);
	if (len > 0 && len < 16 && strspn(text, "-0123456789") == len) {
		i = strtoll(text, &end, 10);
		if (*end == '\0')
			return json_integer(i);
	}
	return json_loads(text, JSON_DECODE_ANY, NULL);
}

actsim_err lab_fields_row(struct actsim_lab *lab, json_t *records,
			  const char *const *fields, size_t n,
			  const char *const *values)
{
	json_t *row = json_object();

	if (row == NULL || json_array_append_new(records, row) != 0)
		return lab_fail(lab, ACTSIM_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *v;

		if (values[i] == NULL)
			continue;
		v = field_value(values[i]);
		if (v == NULL)
			return lab_fail(lab, ACTSIM_E_DB,
					"damaged machine record");
		if (json_object_set_new_nocheck(row, fields[i], v) != 0)
			return lab_fail(lab, ACTSIM_E_NOMEM, "out of memory");
	}
	return ACTSIM_OK;
}

actsim_err actsim_lab_activation_add(struct actsim_lab *lab,
				     struct actsim_activation_row *row)
{
	return lab->be->activation_add(lab, row);
}

actsim_err actsim_lab_activation_history(struct actsim_lab *lab,
					 const char *key,
					 const char *installation_id,
					 struct actsim_prior_activation **prior,
					 size_t *n, bool *same_iid)
{
	return lab->be->activation_history(lab, key, installation_id, prior,
					   n, same_iid);
}

actsim_err actsim_lab_block(struct actsim_lab *lab, const char *key,
			    const char *reason, int64_t at)
{
	return lab->be->block(lab, key, reason, at);
}

actsim_err actsim_lab_unblock(struct actsim_lab *lab, const char *key)
{
	return lab->be->unblock(lab, key);
}

actsim_err actsim_lab_activation_list(struct actsim_lab *lab,
				      const char *product_key,
				      const char *product_id, size_t limit,
				      json_t **out)
{
	return lab->be->activation_list(lab, product_key, product_id, limit,
					out);
}

actsim_err actsim_lab_block_list(struct actsim_lab *lab, size_t limit,
				 json_t **out)
{
	return lab->be->block_list(lab, limit, out);
}

actsim_err actsim_lab_activation_counts(struct actsim_lab *lab, json_t **out)
{
	return lab->be->activation_counts(lab, out);
}

actsim_err actsim_lab_registration_add(struct actsim_lab *lab, int64_t at,
				       const char *product_id,
				       const uint8_t *contact, size_t len,
				       int64_t *id)
{
	return lab->be->registration_add(lab, at, product_id, contact, len,
					 id);
}

actsim_err actsim_lab_request_add(struct actsim_lab *lab, int64_t at,
				  const char *method, const char *route,
				  int status, const char *fault,
				  int64_t latency_us, int64_t wall_at)
{
	return lab->be->request_add(lab, at, method, route, status, fault,
				    latency_us, wall_at);
}

actsim_err actsim_lab_request_list(struct actsim_lab *lab, size_t limit,
				   json_t **out)
{
	return lab->be->request_list(lab, limit, out);
}

actsim_err actsim_lab_request_trim(struct actsim_lab *lab, int64_t keep,
				   int64_t *removed)
{
	*removed = 0;
	if (keep < 0)
		return lab_fail(lab, ACTSIM_E_INVALID_ARG,
				"a negative number of rows to keep");
	return lab->be->request_trim(lab, keep, removed);
}

actsim_err actsim_lab_reset(struct actsim_lab *lab)
{
	return lab->be->reset(lab);
}
