#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actsim/clearinghouse.h"
#include "actsim/hwid.h"
#include "../common/internal.h"

/* Finds the issued key behind a plaintext and checks that the key really
 * gives this channel ID and product ID sequence. */
static actsim_err find_key(struct actsim_lab *lab,
			   const struct actsim_iid_plain *p,
			   char key[ACTSIM_PKEY_TEXT_BYTES])
{
	struct actsim_pkey k;
	uint64_t key_id;
	uint32_t seq;
	bool found;
	actsim_err e;

	e = actsim_lab_key_by_id(lab, p->key_id, key, &found);
	if (e != ACTSIM_OK)
		return e;
	if (!found || actsim_pkey_parse(&k, key, NULL) != ACTSIM_OK ||
	    actsim_key_identity(&k, &key_id, &seq) != ACTSIM_OK ||
	    k.channel_id != p->channel_id || seq != p->sequence)
		return ACTSIM_E_INVALID_IID;
	return ACTSIM_OK;
}

actsim_err actsim_clearinghouse_prepare(const struct actsim_realm *realm,
					const struct actsim_catalog *cat,
					const struct actsim_iid *iid,
					struct actsim_clearing_request *out)
{
	struct actsim_pid pid;
	struct actsim_cid cid;
	actsim_err e;

	memset(out, 0, sizeof *out);
	out->iid = *iid;
	e = actsim_iid_decrypt(realm, iid, &out->plain);
	if (e != ACTSIM_OK)
		return e;
	out->config = actsim_catalog_by_channel_id(cat, out->plain.channel_id);
	if (out->config == NULL)
		return ACTSIM_E_INVALID_IID;
	actsim_pid_make(&pid, out->config, out->plain.channel_id,
			out->plain.sequence, out->plain.install);
	actsim_pid_format(out->product_id, &pid);
	actsim_iid_format(out->installation_id, iid);
	actsim_hw_hash_format(out->hardware_hash, out->plain.hardware_hash);
	e = actsim_cid_issue(realm, iid, &cid);
	if (e == ACTSIM_OK)
		actsim_cid_format(out->confirmation_id, &cid);
	return e;
}

actsim_err actsim_clearinghouse_decide(struct actsim_lab *lab,
				       const struct actsim_catalog *cat,
				       const struct actsim_clearing_request *rq,
				       const char *kind, bool transfer,
				       int64_t now,
				       struct actsim_clearing_result *out)
{
	const struct actsim_channel_rules *rules;
	struct actsim_prior_activation *prior = NULL;
	struct actsim_activation_row row;
	size_t n = 0;
	bool same_iid = false, blocked = false;
	actsim_err e;

	memset(out, 0, sizeof *out);
	out->plain = rq->plain;
	rules = actsim_catalog_channel(cat, rq->config->channel);
	if (rules == NULL)
		return ACTSIM_E_CATALOG;
	e = find_key(lab, &rq->plain, out->key);
	if (e != ACTSIM_OK)
		return e;
	memcpy(out->product_id, rq->product_id, sizeof out->product_id);
	e = actsim_lab_key_blocked(lab, out->key, &blocked);
	if (e == ACTSIM_OK)
		e = actsim_lab_activation_history(lab, out->key,
						  rq->installation_id, &prior,
						  &n, &same_iid);
	if (e != ACTSIM_OK)
		return e;
	actsim_policy_decide(rules, blocked, same_iid, prior, n,
			     rq->plain.hardware_hash, now, &out->decision);
	free(prior);
	if (transfer && out->decision.code == ACTSIM_DECISION_TOO_MANY) {
		out->decision.code = ACTSIM_DECISION_GRANTED;
		out->decision.code_name = "OK";
		out->decision.reason = "transfer";
		out->decision.counts = true;
		snprintf(out->decision.message, sizeof out->decision.message,
			 "Activation granted as a transfer to this computer.");
		kind = "transfer";
	}
	if (out->decision.code == ACTSIM_DECISION_GRANTED)
		memcpy(out->confirmation_id, rq->confirmation_id,
		       sizeof out->confirmation_id);
	memset(&row, 0, sizeof row);
	row.at = now;
	row.key = out->key;
	row.product_id = out->product_id;
	row.installation_id = rq->installation_id;
	row.hardware_hash = rq->hardware_hash;
	row.kind = kind;
	row.result = out->decision.code_name;
	row.reason = out->decision.reason;
	row.counted = out->decision.counts;
	row.confirmation_id = out->confirmation_id[0] ? out->confirmation_id :
							NULL;
	e = actsim_lab_activation_add(lab, &row);
	out->activation_id = row.id;
	return e;
}

actsim_err actsim_clearinghouse_activate(struct actsim_lab *lab,
					 const struct actsim_catalog *cat,
					 const struct actsim_iid *iid,
					 const char *kind, bool transfer,
					 int64_t now,
					 struct actsim_clearing_result *out)
{
	struct actsim_clearing_request rq;
	actsim_err e = actsim_clearinghouse_prepare(actsim_lab_realm(lab), cat,
						    iid, &rq);

	if (e != ACTSIM_OK) {
		memset(out, 0, sizeof *out);
		return e;
	}
	return actsim_clearinghouse_decide(lab, cat, &rq, kind, transfer, now,
					   out);
}
