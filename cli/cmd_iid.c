/* actsim iid decode IID; actsim cid issue IID | verify IID CID. */
#include <string.h>

#include "actsim/clearinghouse.h"
#include "actsim/hwid.h"
#include "actsim/ids.h"
#include "cli.h"
#include "../common/banned.h"

/* Parses an IID argument, or fills res. */
static int iid_arg(const char *text, struct actsim_iid *iid,
		   struct cli_result *res)
{
	struct actsim_id_diag d;
	actsim_err e = actsim_iid_parse(iid, text, &d);

	if (e == ACTSIM_E_MALFORMED_ID)
		return cli_malformed_id(res, "installation", &d);
	if (e != ACTSIM_OK)
		return cli_lib_error(res, e,
				     "not an installation ID of this lab");
	return 0;
}

static void decode_text(const json_t *doc, FILE *out)
{
	fprintf(out,
		"product ID     %s\nhardware hash  %s\nversion        %lld\n"
		"product        %s %s %s%s\n",
		json_string_value(json_object_get(doc, "product_id")),
		json_string_value(json_object_get(doc, "hardware_hash")),
		json_integer_value(json_object_get(doc, "version")),
		json_string_value(json_object_get(doc, "sku")),
		json_string_value(json_object_get(doc, "platform")),
		json_string_value(json_object_get(doc, "channel")),
		json_is_true(json_object_get(doc, "r2")) ? " R2" : "");
}

int cmd_iid(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res)
{
	struct actsim_lab *lab;
	struct actsim_catalog *cat = NULL;
	struct actsim_iid iid;
	struct actsim_iid_plain p;
	const struct actsim_keyconfig *cfg;
	struct actsim_pid pid;
	char pid_text[ACTSIM_PID_TEXT_BYTES], hex[ACTSIM_HW_HASH_HEX],
		iid_text[ACTSIM_IID_TEXT_BYTES];
	actsim_err e;
	int rc;

	if (argc != 3 || strcmp(argv[1], "decode") != 0)
		return cli_usage(res, "iid", "iid needs 'decode IID'");
	rc = iid_arg(argv[2], &iid, res);
	if (rc == 0)
		rc = cli_open_lab(ctx, true, &lab, res);
	if (rc != 0)
		return rc;
	rc = cli_load_catalog(ctx, lab, &cat, res);
	if (rc == 0) {
		e = actsim_iid_decrypt(actsim_lab_realm(lab), &iid, &p);
		cfg = e == ACTSIM_OK ?
			      actsim_catalog_by_channel_id(cat, p.channel_id) :
			      NULL;
		if (cfg == NULL) {
			rc = cli_lib_error(res, ACTSIM_E_INVALID_IID,
					   "not an installation ID of this lab");
		} else {
			actsim_pid_make(&pid, cfg, p.channel_id, p.sequence,
					p.install);
			actsim_pid_format(pid_text, &pid);
			actsim_hw_hash_format(hex, p.hardware_hash);
			actsim_iid_format(iid_text, &iid);
			res->doc = json_pack(
				"{s:s,s:i,s:s,s:s,s:o,s:s,s:s,s:s,s:b}",
				"installation_id", iid_text, "version",
				p.version, "product_id", pid_text,
				"hardware_hash", hex, "hardware",
				cli_hw_fields(p.hardware_hash), "sku",
				cfg->sku, "channel", cfg->channel, "platform",
				cfg->platform, "r2", cfg->r2);
			res->text = decode_text;
		}
	}
	cli_free_catalog(ctx, cat);
	cli_close_lab(ctx, lab);
	return rc;
}

/* A refused activation as an error document; exit 1. */
int cli_refusal(struct cli_result *res, const struct actsim_decision *d)
{
	json_t *err = cli_error(res, CLI_NEGATIVE, d->code_name, "%s",
				d->message);

	json_object_set_new(err, "reason", json_string(d->reason));
	return CLI_NEGATIVE;
}

static void issue_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%s\n",
		json_string_value(json_object_get(doc, "confirmation_id")));
}

static int cid_issue(struct cli_ctx *ctx, const char *arg,
		     struct cli_result *res)
{
	struct actsim_lab *lab;
	struct actsim_catalog *cat = NULL;
	struct actsim_iid iid;
	struct actsim_clearing_result r;
	int64_t now;
	actsim_err e;
	int rc;

	rc = iid_arg(arg, &iid, res);
	if (rc == 0)
		rc = cli_open_lab(ctx, true, &lab, res);
	if (rc != 0)
		return rc;
	rc = cli_load_catalog(ctx, lab, &cat, res);
	if (rc == 0)
		rc = cli_begin(lab, true, res);
	if (rc == 0) {
		e = actsim_lab_clock_get(lab, &now);
		if (e == ACTSIM_OK)
			e = actsim_clearinghouse_activate(lab, cat, &iid,
							  "local", false, now,
							  &r);
		if (e == ACTSIM_E_INVALID_IID)
			rc = cli_lib_error(res, e,
					   "not an installation ID of a key "
					   "this lab issued");
		else if (e != ACTSIM_OK)
			rc = cli_lib_error(res, e, actsim_lab_errmsg(lab));
		else if (r.decision.code != ACTSIM_DECISION_GRANTED)
			rc = cli_refusal(res, &r.decision);
		else {
			res->doc = json_pack(
				"{s:s,s:s,s:I,s:s}", "confirmation_id",
				r.confirmation_id, "product_id", r.product_id,
				"activation_id", (json_int_t)r.activation_id,
				"reason", r.decision.reason);
			res->text = issue_text;
		}
		rc = cli_finish(lab, rc, res);
	}
	cli_free_catalog(ctx, cat);
	cli_close_lab(ctx, lab);
	return rc;
}

static void verify_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%s\n", json_is_true(json_object_get(doc, "valid")) ?
				     "The confirmation ID is valid for this "
				     "installation ID." :
				     "The confirmation ID is not valid for "
				     "this installation ID.");
}

static int cid_verify(struct cli_ctx *ctx, const char *iid_text,
		      const char *cid_text, struct cli_result *res)
{
	struct actsim_lab *lab;
	struct actsim_iid iid;
	struct actsim_cid cid;
	struct actsim_id_diag d;
	actsim_err e;
	bool valid;
	int rc;

	rc = iid_arg(iid_text, &iid, res);
	if (rc != 0)
		return rc;
	e = actsim_cid_parse(&cid, cid_text, &d);
	if (e == ACTSIM_E_MALFORMED_ID)
		return cli_malformed_id(res, "confirmation", &d);
	rc = cli_open_lab(ctx, false, &lab, res);
	if (rc != 0)
		return rc;
	valid = e == ACTSIM_OK &&
		actsim_cid_verify(actsim_lab_realm(lab), &iid, &cid) ==
			ACTSIM_OK;
	cli_close_lab(ctx, lab);
	res->doc = json_pack("{s:b}", "valid", valid);
	res->text = verify_text;
	return valid ? CLI_OK : CLI_NEGATIVE;
}

int cmd_cid(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res)
{
	if (argc == 3 && strcmp(argv[1], "issue") == 0)
		return cid_issue(ctx, argv[2], res);
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return cid_verify(ctx, argv[2], argv[3], res);
	return cli_usage(res, "cid", "cid needs 'issue IID' or 'verify IID "
				     "CID'");
}
