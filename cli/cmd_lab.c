/* actsim lab init | show | export: the lab and its realm. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include "rand_lazy.h"

#include "cli.h"
#include "../common/banned.h"

static void init_text(const json_t *doc, FILE *out)
{
	fprintf(out, "created lab '%s'\nrealm fingerprint %s\n",
		json_string_value(json_object_get(doc, "lab")),
		json_string_value(json_object_get(doc, "fingerprint")));
}

static int lab_init(struct cli_ctx *ctx, int argc, char **argv,
		    struct cli_result *res)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct actsim_lab_init_opts o;
	struct actsim_lab *lab = NULL;
	unsigned long long seed = 0;
	bool seeded = false;
	char fp[ACTSIM_FINGERPRINT_HEX];
	actsim_err e;
	int c;

	memset(&o, 0, sizeof o);
	o.catalog_path = ctx->catalog_path;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!cli_parse_u64(optarg, 0, UINT64_MAX, &seed))
				return cli_usage(res, "lab",
						 "--seed takes a whole number "
						 "from 0 to 2^64-1, not '%s'",
						 optarg);
			seeded = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'c':
			o.catalog_path = optarg;
			break;
		case 'd':
			o.database = optarg;
			break;
		default:
			return cli_usage(res, "lab", "lab init: unknown option "
						     "'%s'", argv[optind - 1]);
		}
	}
	if (o.database == NULL)
		o.database = cli_default_database();
	if (optind != argc)
		return cli_usage(res, "lab", "lab init: unexpected argument "
					     "'%s'", argv[optind]);
	if (seeded)
		e = actsim_realm_seed_from_number(o.seed, seed);
	else
		e = RAND_bytes(o.seed, sizeof o.seed) == 1 ? ACTSIM_OK :
							     ACTSIM_E_CRYPTO;
	/* The admin token is random even for a seeded lab: it guards the
	 * server, and a seed is often written in a scenario file. */
	if (e == ACTSIM_OK && RAND_bytes(o.admin_token,
					 sizeof o.admin_token) != 1)
		e = ACTSIM_E_CRYPTO;
	if (e != ACTSIM_OK)
		return cli_lib_error(res, e, "cannot make a realm seed");
	e = actsim_lab_create(&lab, ctx->lab_dir, &o);
	OPENSSL_cleanse(&o, sizeof o);
	if (e != ACTSIM_OK) {
		cli_lib_error(res, e, actsim_lab_errmsg(lab));
		actsim_lab_close(lab);
		return res->status;
	}
	actsim_realm_fingerprint(actsim_lab_realm(lab), fp);
	res->doc = json_pack("{s:s,s:b,s:o,s:s}", "lab", ctx->lab_dir,
			     "created", 1, "seed",
			     seeded ? json_integer((json_int_t)seed) :
				      json_null(),
			     "fingerprint", fp);
	if (seeded && seed > (unsigned long long)INT64_MAX) {
		char big[24];

		snprintf(big, sizeof big, "%llu", seed);
		json_object_set_new(res->doc, "seed", json_string(big));
	}
	res->text = init_text;
	actsim_lab_close(lab);
	return CLI_OK;
}

static void show_text(const json_t *doc, FILE *out)
{
	const json_t *realm = json_object_get(doc, "realm");
	const json_t *counts = json_object_get(doc, "counts");

	fprintf(out,
		"lab              %s\n"
		"catalog          %s\n"
		"schema version   %lld\n"
		"realm            %s\n"
		"  curve          y^2 = x^3 + x over a %lld-bit prime field, "
		"order %lld bits\n"
		"  product keys   %s\n"
		"  activation     %s\n"
		"keys issued      %lld\n",
		json_string_value(json_object_get(doc, "lab")),
		json_string_value(json_object_get(doc, "catalog")),
		json_integer_value(json_object_get(doc, "schema_version")),
		json_string_value(json_object_get(realm, "fingerprint")),
		json_integer_value(json_object_get(realm, "field_bits")),
		json_integer_value(json_object_get(realm, "order_bits")),
		json_string_value(
			json_object_get(realm, "product_key_fingerprint")),
		json_string_value(
			json_object_get(realm, "activation_fingerprint")),
		json_integer_value(json_object_get(counts, "keys")));
}

static int lab_show(struct cli_ctx *ctx, int argc, char **argv,
		    struct cli_result *res)
{
	struct actsim_lab *lab;
	struct actsim_catalog *cat = NULL;
	struct actsim_lab_counts counts;
	char fp[ACTSIM_FINGERPRINT_HEX], kfp[ACTSIM_FINGERPRINT_HEX],
		afp[ACTSIM_FINGERPRINT_HEX];
	actsim_err e;
	int rc;

	if (argc > 1)
		return cli_usage(res, "lab", "lab show: unexpected argument "
					     "'%s'", argv[1]);
	rc = cli_open_lab(ctx, false, &lab, res);
	if (rc != 0)
		return rc;
	rc = cli_load_catalog(ctx, lab, &cat, res);
	if (rc == 0) {
		e = actsim_lab_counts(lab, &counts);
		if (e != ACTSIM_OK)
			rc = cli_lib_error(res, e, actsim_lab_errmsg(lab));
	}
	if (rc == 0) {
		const struct actsim_realm *r = actsim_lab_realm(lab);

		actsim_realm_fingerprint(r, fp);
		actsim_realm_pkey_fingerprint(r, kfp);
		actsim_realm_activation_fingerprint(r, afp);
		res->doc = json_pack(
			"{s:s,s:s,s:i,s:{s:s,s:s,s:s,s:i,s:i},s:{s:I}}", "lab",
			actsim_lab_dir(lab), "catalog", actsim_catalog_name(cat),
			"schema_version", ACTSIM_LAB_SCHEMA_VERSION, "realm",
			"fingerprint", fp, "product_key_fingerprint", kfp,
			"activation_fingerprint", afp, "field_bits", 384,
			"order_bits", 62, "counts", "keys",
			(json_int_t)counts.keys);
		json_object_set_new(res->doc, "backend",
				    json_string(actsim_lab_backend(lab)));
		res->text = show_text;
	}
	cli_free_catalog(ctx, cat);
	cli_close_lab(ctx, lab);
	return rc;
}

static void token_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%s\n",
		json_string_value(json_object_get(doc, "admin_token")));
}

/* The admin bearer token: the one command that prints a secret, so that
 * `lab show` never has to. */
static int lab_token(struct cli_ctx *ctx, int argc, char **argv,
		     struct cli_result *res)
{
	char token[ACTSIM_ADMIN_TOKEN_HEX];
	struct actsim_lab *lab;
	actsim_err e;
	int rc;

	if (argc > 1)
		return cli_usage(res, "lab", "lab token: unexpected argument "
					     "'%s'", argv[1]);
	rc = cli_open_lab(ctx, false, &lab, res);
	if (rc != 0)
		return rc;
	e = actsim_lab_admin_token(lab, token);
	if (e != ACTSIM_OK) {
		rc = cli_lib_error(res, e, actsim_lab_errmsg(lab));
	} else {
		res->doc = json_pack("{s:s}", "admin_token", token);
		res->text = token_text;
	}
	OPENSSL_cleanse(token, sizeof token);
	cli_close_lab(ctx, lab);
	return rc;
}

static void export_text(const json_t *doc, FILE *out)
{
	fprintf(out, "wrote the public realm to '%s'\n",
		json_string_value(json_object_get(doc, "file")));
}

static int lab_export(struct cli_ctx *ctx, int argc, char **argv,
		      struct cli_result *res)
{
	static const struct option opts[] = {
		{ "public", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct actsim_lab *lab;
	const char *file = NULL;
	char *text;
	FILE *f;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'p')
			return cli_usage(res, "lab", "lab export: unknown "
						     "option '%s'",
					 argv[optind - 1]);
		file = optarg;
	}
	if (optind != argc)
		return cli_usage(res, "lab", "lab export: unexpected argument "
					     "'%s'", argv[optind]);
	if (file == NULL)
		return cli_usage(res, "lab", "lab export needs --public FILE "
					     "(private parts are never "
					     "exported)");
	rc = cli_open_lab(ctx, false, &lab, res);
	if (rc != 0)
		return rc;
	text = actsim_realm_public_json(actsim_lab_realm(lab));
	cli_close_lab(ctx, lab);
	if (text == NULL)
		return cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	if (strcmp(file, "-") == 0) {
		/* The document itself is the output. */
		res->doc = json_loads(text, 0, NULL);
		res->force_json = true;
		free(text);
		return CLI_OK;
	}
	f = fopen(file, "w");
	if (f != NULL) {
		bool ok = fputs(text, f) != EOF;

		if (!cli_close_written(f) || !ok)
			f = NULL;
	}
	if (f == NULL) {
		free(text);
		cli_error(res, CLI_ENV, "IO_ERROR",
			  "cannot write '%s'", file);
		return CLI_ENV;
	}
	free(text);
	res->doc = json_pack("{s:s}", "file", file);
	res->text = export_text;
	return CLI_OK;
}

static void migrate_text(const json_t *doc, FILE *out)
{
	const char *k;
	json_t *v;

	fprintf(out, "lab '%s' now keeps its records in %s",
		json_string_value(json_object_get(doc, "lab")),
		json_string_value(json_object_get(doc, "backend")));
	if (json_object_get(doc, "schema") != NULL)
		fprintf(out, " (schema %s)",
			json_string_value(json_object_get(doc, "schema")));
	fprintf(out, "\ncopied and checked:");
	json_object_foreach(json_object_get(doc, "rows"), k, v)
		fprintf(out, " %s %lld", k, (long long)json_integer_value(v));
	fprintf(out, "\n");
}

/* lab migrate --to postgresql://...|sqlite */
static int lab_migrate(struct cli_ctx *ctx, int argc, char **argv,
		       struct cli_result *res)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct actsim_lab_migrate_opts o;
	struct actsim_lab *lab;
	json_t *counts = NULL, *rows;
	const char *to = NULL;
	actsim_err e;
	int c, rc;

	memset(&o, 0, sizeof o);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 't')
			return cli_usage(res, "lab", "lab migrate: unknown "
						     "option '%s'",
					 argv[optind - 1]);
		to = optarg;
	}
	if (optind != argc)
		return cli_usage(res, "lab", "lab migrate: unexpected argument "
					     "'%s'", argv[optind]);
	if (to == NULL)
		return cli_usage(res, "lab", "lab migrate needs --to "
					     "postgresql://... or --to sqlite");
	o.to = strcmp(to, "sqlite") == 0 ? NULL : to;
	if (RAND_bytes(o.nonce, sizeof o.nonce) != 1)
		return cli_lib_error(res, ACTSIM_E_CRYPTO,
				     "cannot name the new schema");
	rc = cli_open_lab(ctx, false, &lab, res);
	if (rc != 0)
		return rc;
	e = actsim_lab_migrate(lab, &o, &counts);
	if (e != ACTSIM_OK) {
		rc = cli_lib_error(res, e, actsim_lab_errmsg(lab));
	} else {
		rows = json_deep_copy(counts);
		json_object_del(rows, "backend");
		json_object_del(rows, "schema");
		res->doc = json_pack("{s:s,s:O,s:o}", "lab", ctx->lab_dir,
				     "backend", json_object_get(counts,
								"backend"),
				     "rows", rows);
		if (json_object_get(counts, "schema") != NULL)
			json_object_set(res->doc, "schema",
					json_object_get(counts, "schema"));
		res->text = migrate_text;
	}
	json_decref(counts);
	cli_close_lab(ctx, lab);
	return rc;
}

int cmd_lab(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res)
{
	if (argc < 2)
		return cli_usage(res, "lab", "lab needs a subcommand: init, "
					     "show, token, export or migrate");
	if (strcmp(argv[1], "init") == 0)
		return lab_init(ctx, argc - 1, argv + 1, res);
	if (strcmp(argv[1], "show") == 0)
		return lab_show(ctx, argc - 1, argv + 1, res);
	if (strcmp(argv[1], "token") == 0)
		return lab_token(ctx, argc - 1, argv + 1, res);
	if (strcmp(argv[1], "export") == 0)
		return lab_export(ctx, argc - 1, argv + 1, res);
	if (strcmp(argv[1], "migrate") == 0)
		return lab_migrate(ctx, argc - 1, argv + 1, res);
	return cli_usage(res, "lab", "unknown lab subcommand '%s'", argv[1]);
}
