/* actsim hw hash PROFILE | compare BASE NEW: hardware hashes. */
#include <string.h>

#include "actsim/hwid.h"
#include "cli.h"
#include "../common/banned.h"

int cli_load_profile(const char *path, struct actsim_hw_profile *out,
		     struct cli_result *res)
{
	char *text, err[512];
	size_t len;
	int rc = cli_read_file(path, ACTSIM_HW_PROFILE_MAX, &text, &len, res);
	actsim_err e;

	if (rc != 0)
		return rc;
	e = actsim_hw_profile_parse(out, text, len, err, sizeof err);
	free(text);
	if (e != ACTSIM_OK) {
		cli_error(res, CLI_USAGE, "MALFORMED_PROFILE",
			  "hardware profile '%s': %s", path, err);
		return CLI_USAGE;
	}
	return 0;
}

json_t *cli_hw_fields(uint64_t hash)
{
	json_t *fields = json_object();

	for (int f = 0; f < ACTSIM_HW_FIELDS; f++)
		json_object_set_new(fields, actsim_hw_field_name(f),
				    json_integer(actsim_hw_hash_field(hash, f)));
	return fields;
}

json_t *cli_hw_vote(const struct actsim_hw_vote *v)
{
	json_t *changed = json_array();

	for (int f = 0; f < ACTSIM_HW_FIELDS; f++)
		if (v->changed & (1u << f))
			json_array_append_new(
				changed, json_string(actsim_hw_field_name(f)));
	return json_pack("{s:i,s:i,s:b,s:o}", "votes", v->votes, "needed",
			 v->needed, "within_tolerance", v->within_tolerance,
			 "changed", changed);
}

static void hash_text(const json_t *doc, FILE *out)
{
	const char *k;
	json_t *v;

	fprintf(out, "hardware hash  %s%s\n",
		json_string_value(json_object_get(doc, "hardware_hash")),
		json_is_true(json_object_get(doc, "dockable")) ? " (dockable)" :
								  "");
	json_object_foreach(json_object_get(doc, "fields"), k, v)
		fprintf(out, "  %-14s %lld\n", k, json_integer_value(v));
}

static void compare_text(const json_t *doc, FILE *out)
{
	size_t i;
	json_t *c;

	fprintf(out, "%lld of %d votes match, %lld needed: %s\n",
		json_integer_value(json_object_get(doc, "votes")),
		ACTSIM_HW_TOTAL_VOTES,
		json_integer_value(json_object_get(doc, "needed")),
		json_is_true(json_object_get(doc, "within_tolerance")) ?
			"within tolerance" :
			"out of tolerance");
	json_array_foreach(json_object_get(doc, "changed"), i, c)
		fprintf(out, "  changed: %s\n", json_string_value(c));
}

/* A profile file, or a 16-hex-digit hash when no such file exists. */
static int hash_arg(const char *arg, uint64_t *out, struct cli_result *res)
{
	struct actsim_hw_profile p;
	FILE *f;
	int rc;

	if (actsim_hw_hash_parse(arg, out) == ACTSIM_OK &&
	    (f = fopen(arg, "rb")) == NULL)
		return 0;
	if ((f = fopen(arg, "rb")) != NULL)
		fclose(f);
	rc = cli_load_profile(arg, &p, res);
	if (rc != 0)
		return rc;
	if (actsim_hw_hash(&p, out) != ACTSIM_OK)
		return cli_lib_error(res, ACTSIM_E_CRYPTO, NULL);
	return 0;
}

int cmd_hw(struct cli_ctx *ctx, int argc, char **argv,
	   struct cli_result *res)
{
	char hex[ACTSIM_HW_HASH_HEX];
	uint64_t a, b;
	struct actsim_hw_vote v;
	int rc;

	(void)ctx;
	if (argc == 3 && strcmp(argv[1], "hash") == 0) {
		rc = hash_arg(argv[2], &a, res);
		if (rc != 0)
			return rc;
		actsim_hw_hash_format(hex, a);
		res->doc = json_pack("{s:s,s:o,s:b,s:i}", "hardware_hash", hex,
				     "fields", cli_hw_fields(a), "dockable",
				     actsim_hw_hash_dockable(a), "version",
				     actsim_hw_hash_version(a));
		res->text = hash_text;
		return CLI_OK;
	}
	if (argc == 4 && strcmp(argv[1], "compare") == 0) {
		rc = hash_arg(argv[2], &a, res);
		if (rc == 0)
			rc = hash_arg(argv[3], &b, res);
		if (rc != 0)
			return rc;
		actsim_hw_compare(a, b, &v);
		res->doc = cli_hw_vote(&v);
		res->text = compare_text;
		return v.within_tolerance ? CLI_OK : CLI_NEGATIVE;
	}
	return cli_usage(res, "hw", "hw needs 'hash PROFILE' or 'compare BASE "
				    "NEW'");
}
