/* The public record operations: each forwards to the lab's backend
 * (lab_internal.h), so nothing above store/ knows which one it talks
 * to. */
#include <stdio.h>
#include <stdlib.h>

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
