/* actsim machine create | list | show | delete | logon | hw | iid |
 * activate: simulated servers. Every subcommand is one transaction. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actsim/clearinghouse.h"
#include "actsim/fleet.h"
#include "actsim/machine.h"
#include "actsim/time.h"
#include "cli.h"
#include "http_client.h"
#include "../common/banned.h"

static json_t *time_json(bool set, int64_t t)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	if (!set)
		return json_null();
	actsim_time_format(buf, t);
	return json_string(buf);
}

static json_t *days_json(const struct actsim_license_state *st)
{
	return st->has_deadline ? json_integer(st->days_left) : json_null();
}

/* The reminder Windows shows at logon while a window runs. */
static json_t *reminder_json(const struct actsim_license_state *st)
{
	char buf[96];

	if (st->status != ACTSIM_LICENSE_GRACE &&
	    st->status != ACTSIM_LICENSE_REACTIVATION_GRACE)
		return json_null();
	snprintf(buf, sizeof buf, "%lld day%s left to %s",
		 (long long)st->days_left, st->days_left == 1 ? "" : "s",
		 st->status == ACTSIM_LICENSE_GRACE ? "activate" : "reactivate");
	return json_string(buf);
}

/* What `machine show` prints: slmgr /dli and /xpr in one. */
static json_t *machine_view(struct cli_session *s, const struct actsim_machine *m,
			    struct cli_result *res, int *rc)
{
	struct actsim_license_state st;
	struct actsim_iid iid;
	char iid_text[ACTSIM_IID_TEXT_BYTES], hw[ACTSIM_HW_HASH_HEX];
	actsim_err e;

	actsim_machine_license(s->cat, m, s->now, &st);
	e = actsim_machine_iid(s->lab, m, &iid);
	if (e != ACTSIM_OK) {
		*rc = cli_lib_error(res, e, NULL);
		return NULL;
	}
	actsim_iid_format(iid_text, &iid);
	actsim_hw_hash_format(hw, m->hardware_hash);
	*rc = 0;
	return json_pack(
		"{s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:o,"
		"s:s,s:o,s:o,s:o,s:s?,s:s?,s:b}",
		"name", m->name, "sku", m->sku, "channel", m->channel,
		"platform", m->platform, "r2", m->r2, "language", m->language,
		"country", m->country, "product_id", m->product_id,
		"partial_key", m->key + ACTSIM_PKEY_TEXT_BYTES - 6,
		"license_status", st.status_name, "days_left", days_json(&st),
		"installation_id", iid_text, "hardware_hash", hw,
		"activated_at", time_json(m->activated, m->activated_at),
		"services", st.services_running ? "running" : "stopped",
		"installed_at", time_json(true, m->installed_at), "deadline",
		time_json(st.has_deadline, st.deadline), "next_reminder",
		time_json(st.has_next_reminder, st.next_reminder),
		"activation_kind", m->activated ? m->activation_kind : NULL,
		"confirmation_id",
		m->activated && m->confirmation_id[0] ? m->confirmation_id :
							NULL,
		"logon_allowed", st.logon_allowed);
}

/* The software part of `machine show`, from the stored record. */
static void add_software(json_t *doc, const struct actsim_machine *m)
{
	static const char *const keys[] = { "os", "sp", "apps",
					    "regressed_hotfixes",
					    "sp2_blocked" };
	json_t *rec = actsim_machine_to_json(m);

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		json_object_set(doc, keys[i], json_object_get(rec, keys[i]));
	json_decref(rec);
	if (actsim_machine_app_version(m, "exchange") != NULL)
		json_object_set_new(doc, "exchange",
				    json_string(m->exchange_broken ? "broken" :
								     "running"));
}

static void show_text(const json_t *doc, FILE *out)
{
	static const char *const keys[] = {
		"name", "sku", "channel", "platform", "r2", "language",
		"country", "product_id", "partial_key", "license_status",
		"days_left", "deadline", "next_reminder", "installation_id",
		"hardware_hash", "activated_at", "activation_kind", "services",
		"os", "sp", "apps", "regressed_hotfixes", "exchange"
	};

	cli_print_fields(doc, keys, sizeof keys / sizeof keys[0], out);
}

static int machine_create(struct cli_ctx *ctx, int argc, char **argv,
			  struct cli_result *res)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "hw", required_argument, NULL, 'h' },
		{ "lang", required_argument, NULL, 'l' },
		{ "country", required_argument, NULL, 'c' },
		{ "os", required_argument, NULL, 'o' },
		{ "sp", required_argument, NULL, 's' },
		{ "r2", no_argument, NULL, 'r' },
		{ "app", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct actsim_machine_spec spec;
	const char *apps[ACTSIM_MAX_APPS + 1];
	size_t napps = 0;
	unsigned long long num;
	struct actsim_hw_profile hw;
	struct actsim_machine m;
	struct cli_session s;
	const char *hwpath = NULL;
	char err[512];
	actsim_err e;
	int c, rc;

	memset(&spec, 0, sizeof spec);
	spec.sp = -1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			spec.key = optarg;
			break;
		case 'h':
			hwpath = optarg;
			break;
		case 'o':
			if (!cli_parse_u64(optarg, 2000, 2008, &num) ||
			    (num != 2000 && num != 2003 && num != 2008))
				return cli_usage(res, "machine",
						 "--os is 2000, 2003 or 2008, "
						 "not '%s'",
						 optarg);
			spec.os = (unsigned)num;
			break;
		case 's':
			if (!cli_parse_u64(optarg, 0, 4, &num))
				return cli_usage(res, "machine",
						 "--sp is a service pack level "
						 "0 to 4, not '%s'",
						 optarg);
			spec.sp = (int)num;
			break;
		case 'r':
			spec.r2 = true;
			break;
		case 'a':
			if (napps == ACTSIM_MAX_APPS)
				return cli_usage(res, "machine",
						 "at most %d --app options",
						 ACTSIM_MAX_APPS);
			apps[napps++] = optarg;
			break;
		case 'l':
			spec.language = optarg;
			break;
		case 'c':
			spec.country = cli_country_code(optarg);
			break;
		default:
			return cli_usage(res, "machine",
					 "machine create: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
		}
	}
	if (argc - optind != 1 || spec.key == NULL || hwpath == NULL)
		return cli_usage(res, "machine",
				 "machine create needs NAME, --key and --hw");
	spec.name = argv[optind];
	apps[napps] = NULL;
	spec.apps = apps;
	rc = cli_load_profile(hwpath, &hw, res);
	if (rc != 0)
		return rc;
	spec.hardware = &hw;
	rc = cli_session_open(ctx, &s, true, res);
	if (rc != 0)
		return rc;
	e = actsim_machine_create(s.lab, s.cat, &spec, &m, err, sizeof err);
	if (e == ACTSIM_E_BAD_SIGNATURE)
		cli_error(res, CLI_NEGATIVE, "INVALID_KEY", "%s", err);
	else if (e == ACTSIM_E_INVALID_ARG)
		cli_usage(res, "machine", "%s", err);
	else if (e != ACTSIM_OK)
		cli_lib_error(res, e, err);
	if (e == ACTSIM_OK) {
		res->doc = machine_view(&s, &m, res, &rc);
		if (res->doc != NULL)
			add_software(res->doc, &m);
		res->text = show_text;
	} else {
		rc = res->status;
	}
	return cli_session_close(&s, rc, res);
}

/* The fleet table: columns as wide as their widest cell, the name cut
 * short when the whole would pass 80 columns. */
static void list_text(const json_t *doc, FILE *out)
{
	enum { NCOL = 7 };
	static const char *const head[NCOL] = { "NAME", "SKU", "CHANNEL",
						"STATE", "DAYS", "ACTIVATED",
						"VOTES" };
	const json_t *rows = json_object_get(doc, "machines");
	size_t w[NCOL], i, total = 0;
	char cell[NCOL][72];
	json_t *m;
	int pass;

	if (json_array_size(rows) == 0) {
		fprintf(out, "no machines\n");
		return;
	}
	for (size_t c = 0; c < NCOL; c++)
		w[c] = strlen(head[c]);
	/* pass 0 measures, pass 1 prints */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (size_t c = 0; c < NCOL; c++)
				total += w[c] + (c > 0);
			if (total > 80)
				w[0] -= total - 80 < w[0] - 4 ? total - 80 :
								w[0] - 4;
			fprintf(out, "%-*s %-*s %-*s %-*s %*s %-*s %*s\n",
				(int)w[0], head[0], (int)w[1], head[1],
				(int)w[2], head[2], (int)w[3], head[3],
				(int)w[4], head[4], (int)w[5], head[5],
				(int)w[6], head[6]);
		}
		json_array_foreach(rows, i, m) {
			const json_t *d = json_object_get(m, "days_left");
			const json_t *v = json_object_get(m, "votes_matching");
			const char *at = json_string_value(
				json_object_get(m, "activated_at"));

			snprintf(cell[0], sizeof cell[0], "%s",
				 json_string_value(json_object_get(m, "name")));
			snprintf(cell[1], sizeof cell[1], "%s",
				 json_string_value(json_object_get(m, "sku")));
			snprintf(cell[2], sizeof cell[2], "%s",
				 json_string_value(
					 json_object_get(m, "channel")));
			snprintf(cell[3], sizeof cell[3], "%s",
				 json_string_value(json_object_get(
					 m, "license_status")));
			if (json_is_integer(d))
				snprintf(cell[4], sizeof cell[4], "%lld",
					 (long long)json_integer_value(d));
			else
				snprintf(cell[4], sizeof cell[4], "-");
			/* the date is enough in a table */
			snprintf(cell[5], sizeof cell[5], "%.10s",
				 at != NULL ? at : "-");
			if (json_is_integer(v))
				snprintf(cell[6], sizeof cell[6], "%lld/%lld",
					 (long long)json_integer_value(v),
					 (long long)json_integer_value(
						 json_object_get(
							 m, "votes_total")));
			else
				snprintf(cell[6], sizeof cell[6], "-");
			for (size_t c = 0; c < NCOL && pass == 0; c++)
				if (strlen(cell[c]) > w[c])
					w[c] = strlen(cell[c]);
			if (pass == 1)
				fprintf(out,
					"%-*.*s %-*s %-*s %-*s %*s %-*s %*s\n",
					(int)w[0], (int)w[0], cell[0],
					(int)w[1], cell[1], (int)w[2],
					cell[2], (int)w[3], cell[3],
					(int)w[4], cell[4], (int)w[5],
					cell[5], (int)w[6], cell[6]);
		}
	}
}

static int machine_list(struct cli_ctx *ctx, int argc, char **argv,
			struct cli_result *res)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "expiring-within", required_argument, NULL, 'e' },
		{ "sort", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct actsim_fleet_filter f;
	struct actsim_fleet_row *rows;
	struct cli_session s;
	size_t n;
	actsim_err e;
	int c, rc;

	memset(&f, 0, sizeof f);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!actsim_license_status_parse(optarg, &f.status))
				return cli_usage(
					res, "machine",
					"unknown license state '%s' (grace, "
					"grace_expired, activated, "
					"reactivation_grace, "
					"reactivation_expired, exempt, "
					"evaluation_expired)",
					optarg);
			f.has_status = true;
			break;
		case 'e':
			if (actsim_duration_parse(optarg, &f.within) !=
			    ACTSIM_OK)
				return cli_usage(res, "machine",
						 "--expiring-within needs a "
						 "duration such as 7d or 12h, "
						 "not '%s'",
						 optarg);
			f.has_within = true;
			break;
		case 'o':
			if (strcmp(optarg, "deadline") == 0)
				f.sort = ACTSIM_FLEET_BY_DEADLINE;
			else if (strcmp(optarg, "name") == 0)
				f.sort = ACTSIM_FLEET_BY_NAME;
			else
				return cli_usage(res, "machine",
						 "--sort is name or deadline, "
						 "not '%s'",
						 optarg);
			break;
		default:
			return cli_usage(res, "machine",
					 "machine list: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(res, "machine",
				 "machine list takes no arguments");
	rc = cli_session_open_ex(ctx, &s, false, false, res);
	if (rc != 0)
		return rc;
	e = actsim_fleet_rows(s.lab, s.cat, s.now, &f, &rows, &n);
	if (e == ACTSIM_E_DB)
		rc = cli_lib_error(res, e, "damaged machine record");
	else if (e != ACTSIM_OK)
		rc = cli_lib_error(res, e, actsim_lab_errmsg(s.lab));
	else {
		res->doc = json_pack("{s:o}", "machines",
				     actsim_fleet_json(rows, n));
		res->text = list_text;
		free(rows);
		if (res->doc == NULL)
			rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	}
	return cli_session_close(&s, rc, res);
}

static int machine_show(struct cli_ctx *ctx, const char *name,
			struct cli_result *res)
{
	struct cli_session s;
	struct actsim_machine m;
	int rc = cli_session_open(ctx, &s, false, res);

	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, name, &m, res);
	if (rc == 0) {
		res->doc = machine_view(&s, &m, res, &rc);
		if (res->doc != NULL)
			add_software(res->doc, &m);
		res->text = show_text;
	}
	return cli_session_close(&s, rc, res);
}

static void delete_text(const json_t *doc, FILE *out)
{
	fprintf(out, "deleted machine '%s'\n",
		json_string_value(json_object_get(doc, "deleted")));
}

static int machine_delete(struct cli_ctx *ctx, const char *name,
			  struct cli_result *res)
{
	struct cli_session s;
	actsim_err e;
	int rc = cli_session_open(ctx, &s, true, res);

	if (rc != 0)
		return rc;
	e = actsim_lab_machine_delete(s.lab, name);
	if (e != ACTSIM_OK) {
		rc = cli_lib_error(res, e, actsim_lab_errmsg(s.lab));
	} else {
		res->doc = json_pack("{s:s}", "deleted", name);
		res->text = delete_text;
	}
	return cli_session_close(&s, rc, res);
}

static void logon_text(const json_t *doc, FILE *out)
{
	const char *reminder =
		json_string_value(json_object_get(doc, "reminder"));

	fprintf(out, "%s\n", json_string_value(json_object_get(doc, "message")));
	if (reminder != NULL)
		fprintf(out, "reminder: %s\n", reminder);
}

static const char *logon_message(const struct actsim_license_state *st,
				 bool remote)
{
	switch (st->status) {
	case ACTSIM_LICENSE_EVALUATION_EXPIRED:
		return "The evaluation period for this copy of Windows has "
		       "ended.";
	case ACTSIM_LICENSE_GRACE_EXPIRED:
		return remote ? "Remote administration is allowed; services "
				"keep running. Windows must be activated "
				"before anyone can log on interactively." :
				"This copy of Windows must be activated before "
				"you can log on. Do you want to activate "
				"Windows now?";
	case ACTSIM_LICENSE_REACTIVATION_EXPIRED:
		return remote ? "Remote administration is allowed; services "
				"keep running. Windows must be reactivated "
				"before anyone can log on interactively." :
				"The hardware of this computer has changed "
				"significantly. Windows must be reactivated "
				"before you can log on. Do you want to "
				"reactivate Windows now?";
	case ACTSIM_LICENSE_GRACE:
		return "Logon allowed. This copy of Windows must be activated.";
	case ACTSIM_LICENSE_REACTIVATION_GRACE:
		return "Logon allowed. The hardware has changed significantly: "
		       "Windows must be reactivated.";
	default:
		return "Logon allowed.";
	}
}

static int machine_logon(struct cli_ctx *ctx, int argc, char **argv,
			 struct cli_result *res)
{
	static const struct option opts[] = {
		{ "remote", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_session s;
	struct actsim_machine m;
	struct actsim_license_state st;
	bool remote = false, allowed;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'r')
			return cli_usage(res, "machine",
					 "machine logon: unknown option '%s'",
					 argv[optind - 1]);
		remote = true;
	}
	if (argc - optind != 1)
		return cli_usage(res, "machine", "machine logon needs NAME");
	rc = cli_session_open_ex(ctx, &s, false, false, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc == 0) {
		actsim_machine_license(s.cat, &m, s.now, &st);
		allowed = remote ? st.remote_allowed : st.logon_allowed;
		res->doc = json_pack(
			"{s:b,s:o,s:o,s:s,s:s,s:b,s:b,s:s}", "allowed", allowed,
			"reminder", reminder_json(&st), "days_left",
			days_json(&st), "message", logon_message(&st, remote),
			"license_status", st.status_name, "remote", remote,
			"offer_activation", st.offer_activation, "services",
			st.services_running ? "running" : "stopped");
		res->text = logon_text;
		rc = allowed ? CLI_OK : CLI_NEGATIVE;
	}
	return cli_session_close(&s, rc, res);
}

static void hw_text(const json_t *doc, FILE *out)
{
	fprintf(out, "hardware hash %s: %lld of %d votes match the activation "
		     "baseline (%lld needed)\nlicense status %s\n",
		json_string_value(json_object_get(doc, "hardware_hash")),
		json_integer_value(json_object_get(doc, "votes")),
		ACTSIM_HW_TOTAL_VOTES,
		json_integer_value(json_object_get(doc, "needed")),
		json_string_value(json_object_get(doc, "license_status")));
}

/* --replace FIELD[,FIELD...] as a changed copy of the hardware. */
static int replace_fields(struct actsim_machine *m, const char *list,
			  struct actsim_hw_profile *p, struct cli_result *res)
{
	char buf[256];
	char *save = NULL, *tok;

	if (strlen(list) >= sizeof buf)
		return cli_usage(res, "machine", "--replace list too long");
	memcpy(buf, list, strlen(list) + 1);
	*p = m->hardware;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		int f = actsim_hw_field_lookup(tok);

		if (f < 0)
			return cli_usage(res, "machine",
					 "unknown hardware component '%s' "
					 "(volume_serial, nic_mac, cdrom, "
					 "display, cpu_serial, hdd, scsi, ide, "
					 "cpu_model, ram)",
					 tok);
		actsim_hw_profile_replace(p, (enum actsim_hw_field)f,
					  ++m->replacements);
	}
	return 0;
}

static int machine_hw(struct cli_ctx *ctx, int argc, char **argv,
		      struct cli_result *res)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "replace", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *profile = NULL, *replace = NULL;
	struct actsim_hw_profile p;
	struct actsim_hw_vote v;
	struct actsim_license_state st;
	struct actsim_machine m;
	struct cli_session s;
	char hex[ACTSIM_HW_HASH_HEX];
	actsim_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			profile = optarg;
		else if (c == 'r')
			replace = optarg;
		else
			return cli_usage(res, "machine",
					 "machine hw: unknown option '%s'",
					 argv[optind - 1]);
	}
	if (argc - optind != 1 || (profile == NULL) == (replace == NULL))
		return cli_usage(res, "machine",
				 "machine hw needs NAME and one of --profile "
				 "or --replace");
	if (profile != NULL && (rc = cli_load_profile(profile, &p, res)) != 0)
		return rc;
	rc = cli_session_open(ctx, &s, true, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc == 0 && replace != NULL)
		rc = replace_fields(&m, replace, &p, res);
	if (rc == 0) {
		e = actsim_machine_set_hardware(&m, &p, s.now);
		rc = e == ACTSIM_OK ? cli_session_save(&s, &m, res) :
				      cli_lib_error(res, e, NULL);
	}
	if (rc == 0) {
		actsim_hw_compare(m.activated ? m.baseline_hash :
						m.hardware_hash,
				  m.hardware_hash, &v);
		actsim_machine_license(s.cat, &m, s.now, &st);
		actsim_hw_hash_format(hex, m.hardware_hash);
		res->doc = cli_hw_vote(&v);
		json_object_set_new(res->doc, "name", json_string(m.name));
		json_object_set_new(res->doc, "hardware_hash", json_string(hex));
		json_object_set_new(res->doc, "license_status",
				    json_string(st.status_name));
		json_object_set_new(res->doc, "days_left", days_json(&st));
		res->text = hw_text;
	}
	return cli_session_close(&s, rc, res);
}

static void iid_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%s\n",
		json_string_value(json_object_get(doc, "installation_id")));
}

static int machine_iid(struct cli_ctx *ctx, const char *name,
		       struct cli_result *res)
{
	struct cli_session s;
	struct actsim_machine m;
	struct actsim_iid iid;
	char text[ACTSIM_IID_TEXT_BYTES], hex[ACTSIM_HW_HASH_HEX];
	actsim_err e;
	int rc = cli_session_open(ctx, &s, false, res);

	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, name, &m, res);
	if (rc == 0) {
		e = actsim_machine_iid(s.lab, &m, &iid);
		if (e != ACTSIM_OK) {
			rc = cli_lib_error(res, e, NULL);
		} else {
			actsim_iid_format(text, &iid);
			actsim_hw_hash_format(hex, m.hardware_hash);
			res->doc = json_pack("{s:s,s:s,s:s}", "installation_id",
					     text, "product_id", m.product_id,
					     "hardware_hash", hex);
			res->text = iid_text;
		}
	}
	return cli_session_close(&s, rc, res);
}

static void activate_text(const json_t *doc, FILE *out)
{
	fprintf(out, "activated: confirmation ID %s\nlicense status %s\n",
		json_string_value(json_object_get(doc, "confirmation_id")),
		json_string_value(json_object_get(doc, "license_status")));
}

/* Accepts a confirmation ID for the machine's current installation ID. */
static int accept_cid(struct cli_session *s, struct actsim_machine *m,
		      const struct actsim_iid *iid, const char *text,
		      const char *kind, struct cli_result *res)
{
	struct actsim_cid cid;
	struct actsim_id_diag d;
	struct actsim_license_state st;
	char canon[ACTSIM_CID_TEXT_BYTES];
	actsim_err e = actsim_cid_parse(&cid, text, &d);
	int rc;

	if (e == ACTSIM_E_MALFORMED_ID)
		return cli_malformed_id(res, "confirmation", &d);
	if (e != ACTSIM_OK ||
	    actsim_cid_verify(actsim_lab_realm(s->lab), iid, &cid) !=
		    ACTSIM_OK) {
		cli_error(res, CLI_NEGATIVE, "INVALID_CONFIRMATION_ID",
			  "the confirmation ID is not valid for this "
			  "installation ID");
		return CLI_NEGATIVE;
	}
	actsim_cid_format(canon, &cid);
	actsim_machine_activated(m, canon, kind, s->now);
	rc = cli_session_save(s, m, res);
	if (rc != 0)
		return rc;
	actsim_machine_license(s->cat, m, s->now, &st);
	res->doc = json_pack("{s:b,s:s,s:s,s:s,s:o}", "activated", 1,
			     "confirmation_id", canon, "kind", kind,
			     "license_status", st.status_name, "days_left",
			     days_json(&st));
	res->text = activate_text;
	return CLI_OK;
}

/* The Internet road failed: say so and give the telephone number for the
 * machine's country (seed 001: "if activating over the internet fails,
 * you can call"). */
/* `reason` names the failure for tooling: reset, timeout, truncated,
 * garbage, empty, tls, http_error, down, unreachable. */
static int online_failed(struct cli_session *s, const struct actsim_machine *m,
			 const char *reason, const char *why,
			 struct cli_result *res)
{
	const char *phone = actsim_catalog_phone(s->cat, m->country);
	json_t *err;

	err = cli_error(res, CLI_NEGATIVE, "ONLINE_ACTIVATION_FAILED",
			"activation over the Internet failed: %s. You can "
			"activate by telephone: call %s (%s)",
			why, phone != NULL ? phone : "your local number",
			m->country);
	json_object_set_new(err, "reason", json_string(reason));
	json_object_set_new(err, "phone", phone ? json_string(phone) :
						  json_null());
	json_object_set_new(err, "country", json_string(m->country));
	return CLI_NEGATIVE;
}

/* "10 s" or "1500 ms". */
static void say_ms(char *out, size_t cap, long ms)
{
	if (ms % 1000 == 0)
		snprintf(out, cap, "%ld s", ms / 1000);
	else
		snprintf(out, cap, "%ld ms", ms);
}

/* Puts a failed call in words: the reason and a sentence. */
static const char *failure_words(const struct http_call *call,
				 char *why, size_t cap)
{
	char t[32];

	switch (http_failure_of(call)) {
	case HTTP_RESET:
		snprintf(why, cap, "the clearinghouse reset the connection");
		return "reset";
	case HTTP_TIMEOUT:
		say_ms(t, sizeof t, call->timeout_ms);
		snprintf(why, cap, "no answer from the clearinghouse in %s", t);
		return "timeout";
	case HTTP_TRUNCATED:
		snprintf(why, cap, "the clearinghouse's answer was cut short");
		return "truncated";
	case HTTP_GARBAGE:
		snprintf(why, cap, "the clearinghouse's answer was not HTTP "
				   "(%s)",
			 call->error);
		return "garbage";
	case HTTP_EMPTY:
		snprintf(why, cap, "the clearinghouse closed the connection "
				   "without answering");
		return "empty";
	case HTTP_TLS:
		snprintf(why, cap, "the secure connection to the clearinghouse "
				   "failed (%s)",
			 call->error);
		return "tls";
	default:
		snprintf(why, cap, "cannot reach the clearinghouse at %s (%s)",
			 call->url, call->error);
		return "unreachable";
	}
}

/* --online: the machine's IID goes to the clearinghouse over HTTPS. The
 * lab is not locked during the call: the server writes to it too. */
struct online_opts {
	const char *url;
	const char *cacert;
	bool insecure;
	long timeout_ms;
};

static int activate_online(struct cli_ctx *ctx, const char *name,
			   const struct online_opts *o,
			   struct cli_result *res)
{
	struct cli_session s;
	struct actsim_machine m;
	struct actsim_iid iid, again;
	struct http_call call;
	char iid_text[ACTSIM_IID_TEXT_BYTES], base[512], endpoint[600];
	char ca[4200], body[160], why[1024];
	json_t *doc = NULL;
	const char *cid, *reason;
	bool from_lab = false;
	int rc;

	rc = cli_session_open(ctx, &s, false, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, name, &m, res);
	if (rc == 0 && actsim_machine_iid(s.lab, &m, &iid) != ACTSIM_OK)
		rc = cli_lib_error(res, ACTSIM_E_CRYPTO, NULL);
	rc = cli_session_close(&s, rc, res);
	if (rc != 0)
		return rc;
	actsim_iid_format(iid_text, &iid);
	if (o->url != NULL)
		snprintf(base, sizeof base, "%s", o->url);
	else
		from_lab = http_lab_url(ctx->lab_dir, base, sizeof base);
	if (o->url == NULL && !from_lab) {
		cli_error(res, CLI_ENV, "NO_SERVER",
			  "no clearinghouse is running for lab '%s' (start "
			  "one with 'actsim server')",
			  ctx->lab_dir);
		return CLI_ENV;
	}
	http_url(endpoint, sizeof endpoint, base, "/v1/activations");
	if (o->cacert != NULL)
		snprintf(ca, sizeof ca, "%s", o->cacert);
	else
		snprintf(ca, sizeof ca, "%s/tls/ca.pem", ctx->lab_dir);
	snprintf(body, sizeof body, "{\"installation_id\":\"%s\"}", iid_text);
	memset(&call, 0, sizeof call);
	call.method = "POST";
	call.url = endpoint;
	call.body = body;
	call.ca_file = ca;
	call.insecure = o->insecure;
	call.timeout_ms = o->timeout_ms;
	http_call(&call);
	if (call.status != 0)
		doc = json_loads(call.response, 0, NULL);
	/* No server of this lab there: the environment, not the road. */
	if (call.status == 0 &&
	    http_failure_of(&call) == HTTP_NOT_LISTENING && o->url == NULL) {
		cli_error(res, CLI_ENV, "NO_SERVER",
			  "no clearinghouse is running for lab '%s' (start "
			  "one with 'actsim server')",
			  ctx->lab_dir);
		rc = CLI_ENV;
		goto out;
	}
	if (call.status == 0 && http_failure_of(&call) == HTTP_WRONG_SERVER) {
		cli_error(res, CLI_ENV, "WRONG_SERVER",
			  "the server at %s is not this lab's clearinghouse "
			  "(%s%s)",
			  base,
			  access(ca, R_OK) == 0 ?
				  "its certificate is not signed by " :
				  "the lab has no CA yet: ",
			  access(ca, R_OK) == 0 ? ca : "it never ran a server");
		rc = CLI_ENV;
		goto out;
	}

	rc = cli_session_open(ctx, &s, true, res);
	if (rc != 0)
		goto out;
	rc = cli_session_load(&s, name, &m, res);
	if (rc != 0)
		goto close;
	if (call.status == 0) {
		reason = failure_words(&call, why, sizeof why);
		rc = online_failed(&s, &m, reason, why, res);
		goto close;
	}
	if (call.status != 200) {
		json_t *e = json_object_get(doc, "error");
		const char *code = json_string_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e,
								    "message"));

		if (code != NULL && strcmp(code, "CLEARINGHOUSE_DOWN") == 0) {
			if (call.retry_after >= 0)
				snprintf(why, sizeof why,
					 "the clearinghouse is down; it asks "
					 "to try again in %ld s",
					 call.retry_after);
			else
				snprintf(why, sizeof why,
					 "the clearinghouse is down");
			rc = online_failed(&s, &m, "down", why, res);
			if (call.retry_after >= 0)
				json_object_set_new(
					json_object_get(res->doc, "error"),
					"retry_after",
					json_integer(call.retry_after));
		} else if (call.status >= 500 || code == NULL) {
			snprintf(why, sizeof why,
				 "the clearinghouse answered %ld %s%s%s",
				 call.status, code != NULL ? code : "",
				 msg != NULL ? ": " : "",
				 msg != NULL ? msg : "");
			rc = online_failed(&s, &m, "http_error", why, res);
			json_object_set_new(json_object_get(res->doc, "error"),
					    "status",
					    json_integer(call.status));
		} else {
			/* The clearinghouse's own refusal (blocked key, over
			 * the limit, ...): its error, as it said it. */
			cli_set_error(res, CLI_NEGATIVE, json_incref(e));
			rc = CLI_NEGATIVE;
		}
		goto close;
	}
	cid = json_string_value(json_object_get(doc, "confirmation_id"));
	if (cid == NULL) {
		snprintf(why, sizeof why, "the clearinghouse's answer had no "
					  "confirmation ID");
		rc = online_failed(&s, &m, "garbage", why, res);
		goto close;
	}
	if (actsim_machine_iid(s.lab, &m, &again) != ACTSIM_OK ||
	    memcmp(iid.value, again.value, sizeof iid.value) != 0) {
		cli_error(res, CLI_NEGATIVE, "HARDWARE_CHANGED",
			  "the machine's hardware changed during activation; "
			  "try again");
		rc = CLI_NEGATIVE;
		goto close;
	}
	rc = accept_cid(&s, &m, &iid, cid != NULL ? cid : "", "online", res);
close:
	rc = cli_session_close(&s, rc, res);
out:
	json_decref(doc);
	free(call.response);
	return rc;
}

static int machine_activate(struct cli_ctx *ctx, int argc, char **argv,
			    struct cli_result *res)
{
	static const struct option opts[] = {
		{ "local", no_argument, NULL, 'l' },
		{ "online", no_argument, NULL, 'o' },
		{ "url", required_argument, NULL, 'u' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cid", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cid = NULL;
	bool local = false, online = false, timeout_given = false;
	struct online_opts o = { NULL, NULL, false, 10000 };
	struct stat cst;
	unsigned long long ms;
	struct actsim_clearing_result r;
	struct actsim_machine m;
	struct actsim_iid iid;
	struct cli_session s;
	actsim_err e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			local = true;
		else if (c == 'o')
			online = true;
		else if (c == 'u')
			o.url = optarg;
		else if (c == 'k')
			o.insecure = true;
		else if (c == 'C')
			o.cacert = optarg;
		else if (c == 't') {
			if (!cli_parse_ms(optarg, 1, 600000, &ms))
				return cli_usage(res, "machine",
						 "--timeout takes a duration "
						 "such as 10s or 500ms (up to "
						 "10m), not '%s'",
						 optarg);
			o.timeout_ms = (long)ms;
			timeout_given = true;
		} else if (c == 'c')
			cid = optarg;
		else
			return cli_usage(res, "machine",
					 "machine activate: unknown or "
					 "incomplete option '%s'",
					 argv[optind - 1]);
	}
	if (argc - optind != 1 || local + online + (cid != NULL) != 1)
		return cli_usage(res, "machine",
				 "machine activate needs NAME and one of "
				 "--local, --online or --cid CID");
	if ((o.url != NULL || o.insecure || o.cacert != NULL ||
	     timeout_given) &&
	    !online)
		return cli_usage(res, "machine",
				 "--url, --insecure, --cacert and --timeout go "
				 "with --online");
	if (o.url != NULL && strncmp(o.url, "https://", 8) != 0)
		return cli_usage(res, "machine",
				 "--url must be an https:// URL, not '%s'",
				 o.url);
	if (o.cacert != NULL &&
	    (access(o.cacert, R_OK) != 0 || stat(o.cacert, &cst) != 0 ||
	     !S_ISREG(cst.st_mode))) {
		cli_error(res, CLI_ENV, "IO_ERROR", "--cacert: cannot read '%s'",
			  o.cacert);
		return CLI_ENV;
	}
	if (online)
		return activate_online(ctx, argv[optind], &o, res);
	rc = cli_session_open(ctx, &s, true, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc == 0) {
		e = actsim_machine_iid(s.lab, &m, &iid);
		if (e != ACTSIM_OK)
			rc = cli_lib_error(res, e, NULL);
	}
	if (rc == 0 && local) {
		e = actsim_clearinghouse_activate(s.lab, s.cat, &iid, "local",
						  false, s.now, &r);
		if (e != ACTSIM_OK)
			rc = cli_lib_error(res, e, actsim_lab_errmsg(s.lab));
		else if (r.decision.code != ACTSIM_DECISION_GRANTED)
			rc = cli_refusal(res, &r.decision);
		else
			rc = accept_cid(&s, &m, &iid, r.confirmation_id,
					"local", res);
	} else if (rc == 0) {
		rc = accept_cid(&s, &m, &iid, cid, "cid", res);
	}
	return cli_session_close(&s, rc, res);
}

static void timeline_text(const json_t *doc, FILE *out)
{
	const json_t *tl = json_object_get(doc, "timeline");
	size_t i;
	json_t *ev;

	json_array_foreach(json_object_get(tl, "events"), i, ev)
		fprintf(out, "%s  %s\n",
			json_string_value(json_object_get(ev, "at")),
			json_string_value(json_object_get(ev, "label")));
	fprintf(out, "%s  now\n",
		json_string_value(json_object_get(tl, "now")));
	if (json_is_string(json_object_get(doc, "svg")))
		fprintf(out, "wrote %s\n",
			json_string_value(json_object_get(doc, "svg")));
}

/* machine timeline NAME [--svg FILE]: the grace timeline as events, and
 * drawn as a standalone SVG file. */
static int machine_timeline(struct cli_ctx *ctx, int argc, char **argv,
			    struct cli_result *res)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *svg = NULL;
	struct cli_session s;
	struct actsim_machine m;
	json_t *tl = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 's')
			return cli_usage(res, "machine",
					 "machine timeline: unknown or "
					 "incomplete option '%s'",
					 argv[optind - 1]);
		svg = optarg;
	}
	if (argc - optind != 1)
		return cli_usage(res, "machine", "machine timeline needs NAME");
	rc = cli_session_open(ctx, &s, false, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc == 0) {
		tl = actsim_machine_timeline(s.cat, &m, s.now);
		if (tl == NULL)
			rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	}
	if (rc == 0 && svg != NULL)
		rc = cli_write_timeline_svg(tl, svg, res);
	if (rc == 0) {
		res->doc = json_pack("{s:O,s:s?}", "timeline", tl, "svg", svg);
		res->text = timeline_text;
	}
	json_decref(tl);
	return cli_session_close(&s, rc, res);
}

int cmd_machine(struct cli_ctx *ctx, int argc, char **argv,
		struct cli_result *res)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	if (strcmp(sub, "create") == 0)
		return machine_create(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "list") == 0)
		return machine_list(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "logon") == 0)
		return machine_logon(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "hw") == 0)
		return machine_hw(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "activate") == 0)
		return machine_activate(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "timeline") == 0)
		return machine_timeline(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "servicing") == 0)
		return cli_machine_servicing(ctx, argc - 1, argv + 1, res);
	if (strcmp(sub, "updates") == 0)
		return cli_machine_updates(ctx, argc - 1, argv + 1, res);
	if (argc == 3 && strcmp(sub, "show") == 0)
		return machine_show(ctx, argv[2], res);
	if (argc == 3 && strcmp(sub, "delete") == 0)
		return machine_delete(ctx, argv[2], res);
	if (argc == 3 && strcmp(sub, "iid") == 0)
		return machine_iid(ctx, argv[2], res);
	if (strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0 ||
	    strcmp(sub, "iid") == 0)
		return argc < 3 ? cli_usage(res, "machine",
					    "machine %s needs NAME", sub) :
				  cli_usage(res, "machine",
					    "machine %s takes one NAME; "
					    "unexpected '%s'",
					    sub, argv[3]);
	return cli_usage(res, "machine",
			 "machine needs create, list, show NAME, delete NAME, "
			 "logon NAME, hw NAME, iid NAME, activate NAME, "
			 "timeline NAME, "
			 "servicing NAME or updates NAME");
}
