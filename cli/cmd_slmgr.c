/* actsim slmgr MACHINE VERB [ARG]: the answers admins know from
 * slmgr.vbs, with the Windows Server 2003 rules applied. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actsim/fleet.h"
#include "actsim/keycheck.h"
#include "actsim/machine.h"
#include "actsim/time.h"
#include "cli.h"
#include "../common/banned.h"

/* The labels slmgr prints, in its order, for the members we fill. */
static const struct {
	const char *member, *label;
} fields[] = {
	{ "message", NULL },
	{ "software_licensing", "Software licensing service version" },
	{ "name", "Name" },
	{ "description", "Description" },
	{ "product_id", "Product ID" },
	{ "installation_id", "Installation ID" },
	{ "partial_product_key", "Partial Product Key" },
	{ "license_status", "License Status" },
	{ "time_remaining", "Time remaining" },
	{ "timebased_expiration", "Timebased activation expiration" },
	{ "activation_kind", "Activation kind" },
	{ "activation_date", "Activation date" },
	{ "hardware_votes", "Hardware votes matching" },
	{ "lab_time", "Lab clock" },
};

static void slmgr_text(const json_t *doc, FILE *out)
{
	const char *xpr = json_string_value(json_object_get(doc, "expiration"));

	if (xpr != NULL) {
		fprintf(out, "%s:\n    %s\n",
			json_string_value(json_object_get(doc, "name")), xpr);
		return;
	}
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const json_t *v = json_object_get(doc, fields[i].member);

		if (!json_is_string(v))
			continue;
		if (fields[i].label != NULL)
			fprintf(out, "%s: %s\n", fields[i].label,
				json_string_value(v));
		else
			fprintf(out, "%s\n", json_string_value(v));
	}
}

/* "Windows Server 2003 R2, Standard Edition" from the catalog. */
static void product_name(const struct actsim_catalog *cat,
			 const struct actsim_machine *m, char *out, size_t cap)
{
	const json_t *skus = actsim_catalog_member(cat, "skus");
	const char *sku = m->sku;
	size_t i;
	json_t *s;

	json_array_foreach(skus, i, s)
		if (strcmp(json_string_value(json_object_get(s, "id")),
			   m->sku) == 0)
			sku = json_string_value(json_object_get(s, "name"));
	snprintf(out, cap, "Windows Server 2003%s, %s%s%s", m->r2 ? " R2" : "",
		 sku, strcmp(m->platform, "x86") == 0 ? "" : " ",
		 strcmp(m->platform, "x86") == 0 ? "" : m->platform);
}

static const char *status_words(enum actsim_license_status st)
{
	switch (st) {
	case ACTSIM_LICENSE_ACTIVATED:
	case ACTSIM_LICENSE_EXEMPT:
		return "Licensed";
	case ACTSIM_LICENSE_GRACE:
		return "Initial grace period";
	case ACTSIM_LICENSE_REACTIVATION_GRACE:
		return "Additional grace period (hardware change)";
	case ACTSIM_LICENSE_EVALUATION_EXPIRED:
		return "Unlicensed";
	case ACTSIM_LICENSE_GRACE_EXPIRED:
	case ACTSIM_LICENSE_REACTIVATION_EXPIRED:
	default:
		return "Notification";
	}
}

static bool in_grace(const struct actsim_license_state *st)
{
	return st->status == ACTSIM_LICENSE_GRACE ||
	       st->status == ACTSIM_LICENSE_REACTIVATION_GRACE;
}

/* Members of /dli, and those /dlv adds, that only some states fill: each
 * verb gives the same members whatever the state, null where none
 * applies. */
static const char *const dli_optional[] = { "time_remaining",
					    "timebased_expiration",
					    "time_remaining_minutes",
					    "time_remaining_days", NULL };
static const char *const dlv_optional[] = { "activation_date",
					    "hardware_votes",
					    "hardware_votes_matching", NULL };

static void fill_nulls(json_t *doc, const char *const *members)
{
	for (; doc != NULL && *members != NULL; members++)
		if (json_object_get(doc, *members) == NULL)
			json_object_set_new(doc, *members, json_null());
}

/* /dli: name, description, partial key, status, time remaining. */
static json_t *dli(struct cli_session *s, const struct actsim_machine *m,
		   const struct actsim_license_state *st)
{
	char name[160], desc[160], remaining[96], upper[ACTSIM_WORD_MAX + 1];
	json_t *doc;
	size_t i;

	product_name(s->cat, m, name, sizeof name);
	for (i = 0; m->channel[i] != '\0' && i < sizeof upper - 1; i++)
		upper[i] = (char)(m->channel[i] >= 'a' && m->channel[i] <= 'z' ?
					  m->channel[i] - 'a' + 'A' :
					  m->channel[i]);
	upper[i] = '\0';
	snprintf(desc, sizeof desc,
		 "Windows Server 2003 operating system, %s channel", upper);
	doc = json_pack("{s:s,s:s,s:s,s:s,s:s}", "name", name, "description",
			desc, "partial_product_key",
			m->key + ACTSIM_PKEY_TEXT_BYTES - 6, "license_status",
			status_words(st->status), "status", st->status_name);
	if (doc != NULL && st->has_deadline && st->deadline > s->now &&
	    (in_grace(st) || st->status == ACTSIM_LICENSE_ACTIVATED)) {
		int64_t minutes = (st->deadline - s->now + 59) / 60;

		snprintf(remaining, sizeof remaining,
			 "%lld minute(s) (%lld day(s))", (long long)minutes,
			 (long long)st->days_left);
		/* an activated evaluation runs until its end: slmgr calls
		 * that a timebased activation */
		json_object_set_new(doc,
				    in_grace(st) ? "time_remaining" :
						   "timebased_expiration",
				    json_string(remaining));
		json_object_set_new(doc, "time_remaining_minutes",
				    json_integer(minutes));
		json_object_set_new(doc, "time_remaining_days",
				    json_integer(st->days_left));
	}
	fill_nulls(doc, dli_optional);
	return doc;
}

static int iid_text(struct cli_session *s, const struct actsim_machine *m,
		    char out[ACTSIM_IID_TEXT_BYTES], struct cli_result *res)
{
	struct actsim_iid iid;
	actsim_err e = actsim_machine_iid(s->lab, m, &iid);

	if (e != ACTSIM_OK)
		return cli_lib_error(res, e, NULL);
	actsim_iid_format(out, &iid);
	return 0;
}

/* /dlv: /dli and the IDs, the activation and the hardware's standing. */
static int dlv(struct cli_session *s, const struct actsim_machine *m,
	       const struct actsim_license_state *st, struct cli_result *res)
{
	char iid[ACTSIM_IID_TEXT_BYTES], at[ACTSIM_TIME_TEXT_BYTES],
		now[ACTSIM_TIME_TEXT_BYTES], votes[32];
	struct actsim_hw_vote v;
	int rc = iid_text(s, m, iid, res);

	if (rc != 0)
		return rc;
	res->doc = dli(s, m, st);
	actsim_time_format(now, s->now);
	json_object_set_new(res->doc, "software_licensing",
			    json_string("actsim " ACTSIM_VERSION));
	json_object_set_new(res->doc, "product_id", json_string(m->product_id));
	json_object_set_new(res->doc, "installation_id", json_string(iid));
	json_object_set_new(res->doc, "lab_time", json_string(now));
	if (m->activated) {
		actsim_time_format(at, m->activated_at);
		actsim_hw_compare(m->baseline_hash, m->hardware_hash, &v);
		snprintf(votes, sizeof votes, "%u of %d", v.votes,
			 ACTSIM_FLEET_VOTES_TOTAL);
		json_object_set_new(res->doc, "activation_kind",
				    json_string(m->activation_kind));
		json_object_set_new(res->doc, "activation_date",
				    json_string(at));
		json_object_set_new(res->doc, "hardware_votes",
				    json_string(votes));
		json_object_set_new(res->doc, "hardware_votes_matching",
				    json_integer(v.votes));
	} else {
		json_object_set_new(res->doc, "activation_kind",
				    json_string(st->status ==
							ACTSIM_LICENSE_EXEMPT ?
						"none (volume license)" :
						"not activated"));
	}
	fill_nulls(res->doc, dlv_optional);
	return 0;
}

/* /xpr: when the license ends, in slmgr's words. */
static json_t *xpr(struct cli_session *s, const struct actsim_machine *m,
		   const struct actsim_license_state *st)
{
	char name[160], msg[160], when[ACTSIM_TIME_TEXT_BYTES];

	product_name(s->cat, m, name, sizeof name);
	if (st->has_deadline)
		actsim_time_format(when, st->deadline);
	switch (st->status) {
	case ACTSIM_LICENSE_ACTIVATED:
		if (st->has_deadline)
			snprintf(msg, sizeof msg,
				 "Timebased activation will expire %s", when);
		else
			snprintf(msg, sizeof msg,
				 "The machine is permanently activated.");
		break;
	case ACTSIM_LICENSE_EXEMPT:
		snprintf(msg, sizeof msg, "Volume activation is not required.");
		break;
	case ACTSIM_LICENSE_GRACE:
		snprintf(msg, sizeof msg, "Initial grace period ends %s", when);
		break;
	case ACTSIM_LICENSE_REACTIVATION_GRACE:
		snprintf(msg, sizeof msg,
			 "Additional grace period (hardware change) ends %s",
			 when);
		break;
	case ACTSIM_LICENSE_EVALUATION_EXPIRED:
		snprintf(msg, sizeof msg, "The evaluation period has expired.");
		break;
	default:
		snprintf(msg, sizeof msg,
			 "The grace period ended %s: activation is required.",
			 when);
	}
	return json_pack("{s:s,s:s,s:b,s:o}", "name", name, "expiration", msg,
			 "permanently_activated",
			 (st->status == ACTSIM_LICENSE_ACTIVATED &&
			  !st->has_deadline) ||
				 st->status == ACTSIM_LICENSE_EXEMPT,
			 "ends",
			 st->has_deadline ? json_string(when) : json_null());
}

static int ipk(struct cli_session *s, struct actsim_machine *m,
	       const char *key, struct cli_result *res)
{
	struct actsim_check_result check;
	struct actsim_license_state st;
	char msg[128];
	actsim_err e = actsim_machine_change_key(s->lab, s->cat, m, key,
						 &check);

	if (e == ACTSIM_E_MALFORMED_KEY)
		return cli_error(res, CLI_USAGE, "MALFORMED_KEY",
				 "malformed product key '%s'", key),
		       CLI_USAGE;
	if (e != ACTSIM_OK)
		return cli_lib_error(res, e, NULL);
	if (check.code != ACTSIM_CHECK_OK) {
		json_object_set_new(cli_error(res, CLI_NEGATIVE, check.code_name,
					      "%s", check.message),
				    "reason", json_string(check.reason));
		return CLI_NEGATIVE;
	}
	if (cli_session_save(s, m, res) != 0)
		return res->status;
	actsim_machine_license(s->cat, m, s->now, &st);
	snprintf(msg, sizeof msg, "Installed product key %s successfully.",
		 m->key);
	res->doc = json_pack("{s:s,s:s,s:s,s:s}", "message", msg,
			     "product_key", m->key, "product_id",
			     m->product_id, "status", st.status_name);
	return CLI_OK;
}

static void activated_text(const json_t *doc, FILE *out)
{
	(void)doc;
	fprintf(out, "Product activated successfully.\n");
}

static const char no_rearm[] =
	"Windows Server 2003 has no rearm: its grace period runs once from "
	"installation and no command resets it";

/* slmgr verbs Windows Server 2003 did not have: one line why. */
static const struct {
	const char *verb, *why;
} absent[] = {
	{ "/rearm", no_rearm },
	{ "/skms", "Windows Server 2003 has no Key Management Service: "
		   "volume license keys need no activation" },
	{ "/ckms", "Windows Server 2003 has no Key Management Service: "
		   "volume license keys need no activation" },
	{ "/skms-domain", "Windows Server 2003 has no Key Management Service" },
	{ "/ckms-domain", "Windows Server 2003 has no Key Management Service" },
	{ "/skhc", "Windows Server 2003 has no Key Management Service" },
	{ "/ckhc", "Windows Server 2003 has no Key Management Service" },
	{ "/sai", "Windows Server 2003 has no Key Management Service" },
	{ "/sri", "Windows Server 2003 has no Key Management Service" },
	{ "/sdns", "Windows Server 2003 has no Key Management Service" },
	{ "/cdns", "Windows Server 2003 has no Key Management Service" },
	{ "/spri", "Windows Server 2003 has no Key Management Service" },
	{ "/cpri", "Windows Server 2003 has no Key Management Service" },
	{ "/sprt", "Windows Server 2003 has no Key Management Service" },
	{ "/act-type", "Windows Server 2003 has no volume activation types" },
	{ "/rearm-app", no_rearm },
	{ "/rearm-sku", no_rearm },
	{ "/fta", "Windows Server 2003 has no token-based activation" },
	{ "/ltc", "Windows Server 2003 has no token-based activation" },
	{ "/ril", "Windows Server 2003 has no issuance licenses" },
	{ "/upk", "Windows Server 2003 cannot run without a product key: "
		  "install another with /ipk" },
	{ "/cpky", "Windows Server 2003 keeps no product key in the "
		   "registry for slmgr to clear" },
	{ "/ilc", "Windows Server 2003 has no license files to install" },
	{ "/rilc", "Windows Server 2003 has no license files to install" },
	{ "/lil", "Windows Server 2003 has no issuance licenses" },
	{ "/ri", "Windows Server 2003 has no issuance licenses" },
	{ "/stao", "Windows Server 2003 has no token-based activation" },
	{ "/ctao", "Windows Server 2003 has no token-based activation" },
	{ "/ltao", "Windows Server 2003 has no token-based activation" },
	{ "/ad-activation-online",
	  "Windows Server 2003 has no Active Directory-based activation" },
	{ "/ad-activation-get-iid",
	  "Windows Server 2003 has no Active Directory-based activation" },
	{ "/ad-activation-apply-cid",
	  "Windows Server 2003 has no Active Directory-based activation" },
	{ "/ao-list",
	  "Windows Server 2003 has no Active Directory-based activation" },
	{ "/del-obj",
	  "Windows Server 2003 has no Active Directory-based activation" },
};

/* slmgr.vbs takes verbs in any case, after '/' or '-': "/dli" for "-DLI".
 * Anything else is returned as it was written. */
static const char *verb_of(const char *arg, char *buf, size_t cap)
{
	size_t n = strlen(arg);

	if ((arg[0] != '/' && arg[0] != '-') || n < 2 || n >= cap)
		return arg;
	buf[0] = '/';
	for (size_t i = 1; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)arg[i]);
	return buf;
}

static const char *const verbs[] = { "/dli", "/dlv", "/xpr", "/ipk",
				     "/dti", "/atp", "/ato" };

int cmd_slmgr(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res)
{
	const char *name, *verb, *arg = NULL, *near;
	struct actsim_license_state st;
	struct cli_session s;
	struct actsim_machine m;
	char iid[ACTSIM_IID_TEXT_BYTES], verb_buf[32];
	bool write;
	int rc;

	if (argc < 3)
		return cli_usage(res, "slmgr", "slmgr needs MACHINE and a verb "
					       "(/dli, /dlv, /xpr, /ipk KEY, "
					       "/dti, /atp CID, /ato)");
	name = argv[1];
	verb = verb_of(argv[2], verb_buf, sizeof verb_buf);
	for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
		if (strcmp(verb, absent[i].verb) == 0)
			return cli_usage(res, "slmgr", "slmgr %s: %s", verb,
					 absent[i].why);
	if (strcmp(verb, "/ipk") == 0 || strcmp(verb, "/atp") == 0) {
		if (argc != 4)
			return cli_usage(res, "slmgr", "slmgr %s needs %s",
					 verb,
					 verb[1] == 'i' ? "a product key" :
							  "a confirmation ID");
		arg = argv[3];
	} else if (argc == 4 && strcasecmp(argv[3], "all") == 0 &&
		   (strcmp(verb, "/dli") == 0 || strcmp(verb, "/dlv") == 0 ||
		    strcmp(verb, "/xpr") == 0)) {
		/* slmgr's "all": a machine here has one license */
	} else if (argc != 3) {
		return cli_usage(res, "slmgr", "slmgr %s: unexpected argument "
					       "'%s'", verb, argv[3]);
	}
	if (strcmp(verb, "/atp") == 0 || strcmp(verb, "/ato") == 0) {
		/* the same road as machine activate */
		char *av[] = { (char *)"activate", (char *)name,
			       (char *)(arg ? "--cid" : "--online"),
			       (char *)arg, NULL };
		char *mav[] = { (char *)"machine", av[0], av[1], av[2], av[3],
				NULL };

		cli_getopt_reset();
		rc = cmd_machine(ctx, arg ? 5 : 4, mav, res);
		if (rc == CLI_OK)
			res->text = activated_text;
		return rc;
	}
	if (strcmp(verb, "/dli") != 0 && strcmp(verb, "/dlv") != 0 &&
	    strcmp(verb, "/xpr") != 0 && strcmp(verb, "/ipk") != 0 &&
	    strcmp(verb, "/dti") != 0) {
		near = cli_nearest(verb, verbs, sizeof verbs / sizeof verbs[0]);
		if (near != NULL)
			return cli_usage(res, "slmgr",
					 "unknown slmgr verb '%s'; did you "
					 "mean '%s'?",
					 verb, near);
		return cli_usage(res, "slmgr", "unknown slmgr verb '%s'", verb);
	}
	write = strcmp(verb, "/ipk") == 0;
	rc = cli_session_open_ex(ctx, &s, write,
				 strcmp(verb, "/dlv") == 0 ||
					 strcmp(verb, "/dti") == 0 ||
					 strcmp(verb, "/ipk") == 0,
				 res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, name, &m, res);
	if (rc == 0) {
		actsim_machine_license(s.cat, &m, s.now, &st);
		res->text = slmgr_text;
		if (strcmp(verb, "/dli") == 0) {
			res->doc = dli(&s, &m, &st);
		} else if (strcmp(verb, "/dlv") == 0) {
			rc = dlv(&s, &m, &st, res);
		} else if (strcmp(verb, "/xpr") == 0) {
			res->doc = xpr(&s, &m, &st);
		} else if (strcmp(verb, "/dti") == 0) {
			rc = iid_text(&s, &m, iid, res);
			if (rc == 0)
				res->doc = json_pack("{s:s}", "installation_id",
						     iid);
		} else {
			rc = ipk(&s, &m, arg, res);
			if (rc == 0)
				res->text = slmgr_text;
		}
		if (rc == 0 && res->doc == NULL)
			rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	}
	return cli_session_close(&s, rc, res);
}
