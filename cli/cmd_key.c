/* actsim key gen | check | decode: product keys. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include "rand_lazy.h"

#include "actsim/keycheck.h"
#include "cli.h"
#include "../common/banned.h"

#define KEYGEN_MAX_COUNT 1000000ULL
#define KEY_TEXT_CAP 1024

/* --sku/--channel/--platform/--r2, shared by gen and check. */
struct product_flags {
	const char *sku, *channel, *platform;
	bool r2;
};

/* Takes --sku/--channel/--platform/--r2 (getopt codes s, c, p, r); false
 * for any other option. */
static bool product_flag(int c, struct product_flags *p)
{
	switch (c) {
	case 's':
		p->sku = optarg;
		return true;
	case 'c':
		p->channel = optarg;
		return true;
	case 'p':
		p->platform = optarg;
		return true;
	case 'r':
		p->r2 = true;
		return true;
	default:
		return false;
	}
}

/* Names must exist in the catalog; a missing combination is a usage
 * error too (web/x64 is not sold). */
static int check_product_names(struct cli_result *res,
			       const struct actsim_catalog *cat,
			       const struct product_flags *p)
{
	static const struct {
		enum actsim_catalog_kind kind;
		const char *what;
	} kinds[] = { { ACTSIM_CATALOG_SKU, "SKU" },
		      { ACTSIM_CATALOG_CHANNEL, "channel" },
		      { ACTSIM_CATALOG_PLATFORM, "platform" } };
	const char *vals[] = { p->sku, p->channel, p->platform };

	for (size_t i = 0; i < 3; i++)
		if (!actsim_catalog_has(cat, kinds[i].kind, vals[i]))
			return cli_usage(res, "key",
					 "unknown %s '%s' (see 'actsim "
					 "catalog')",
					 kinds[i].what, vals[i]);
	if (!actsim_catalog_product_exists(cat, p->sku, p->platform, p->r2)) {
		cli_error(res, CLI_USAGE, "UNKNOWN_PRODUCT",
			  "the catalog has no %s%s edition for %s",
			  p->sku, p->r2 ? " R2" : "", p->platform);
		return CLI_USAGE;
	}
	return 0;
}

static json_t *key_json(const struct actsim_pkey *k,
			const struct actsim_keyconfig *cfg)
{
	char text[ACTSIM_PKEY_TEXT_BYTES];

	actsim_pkey_format(text, k);
	return json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:i}", "key", text, "sku",
			 cfg->sku, "channel", cfg->channel, "platform",
			 cfg->platform, "r2", cfg->r2, "upgrade", k->upgrade,
			 "channel_id", k->channel_id);
}

/* key gen's output: the keys and the catalog their configuration lives
 * in, streamed as text, CSV or JSON. */
struct keygen_output {
	struct actsim_pkey *keys;
	size_t count;
	struct actsim_keyconfig cfg; /* strings below, not the catalog's */
	char sku[65], channel[65], platform[65], product_code[8];
	bool csv;
};

static json_t *keygen_build(void *data)
{
	struct keygen_output *o = data;
	json_t *list = json_array();

	for (size_t i = 0; i < o->count; i++)
		json_array_append_new(list, key_json(&o->keys[i], &o->cfg));
	return json_pack("{s:o}", "keys", list);
}

static void keygen_write(void *data, FILE *out, bool json)
{
	struct keygen_output *o = data;
	char text[ACTSIM_PKEY_TEXT_BYTES];

	if (json)
		fputs("{\n  \"keys\": [", out);
	else if (o->csv)
		fputs("key,sku,channel,platform,r2,upgrade,channel_id\n", out);
	for (size_t i = 0; i < o->count; i++) {
		const struct actsim_pkey *k = &o->keys[i];

		if (json) {
			json_t *obj = key_json(k, &o->cfg);

			fputs(i ? ",\n    " : "\n    ", out);
			json_dumpf(obj, out, JSON_PRESERVE_ORDER);
			json_decref(obj);
			continue;
		}
		actsim_pkey_format(text, k);
		if (o->csv)
			fprintf(out, "%s,%s,%s,%s,%s,%s,%u\n", text,
				o->cfg.sku, o->cfg.channel, o->cfg.platform,
				o->cfg.r2 ? "true" : "false",
				k->upgrade ? "true" : "false", k->channel_id);
		else
			fprintf(out, "%s\n", text);
	}
	if (json)
		fputs("\n  ]\n}\n", out);
}

static void keygen_free(void *data)
{
	struct keygen_output *o = data;

	free(o->keys);
	free(o);
}

struct progress {
	FILE *out;
	int shown; /* last percentage printed, -1 before the first */
	const char *what;
};

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	struct progress *p = arg;
	int pct = total ? (int)(done * 100 / total) : 100;
	char bar[41];

	if (pct == p->shown)
		return;
	p->shown = pct;
	for (int i = 0; i < 40; i++)
		bar[i] = i < pct * 40 / 100 ? '#' : '.';
	bar[40] = '\0';
	fprintf(p->out, "\r%-16s [%s] %3d%% %llu/%llu", p->what, bar, pct,
		(unsigned long long)done, (unsigned long long)total);
	if (done == total)
		fputc('\n', p->out);
	fflush(p->out);
}

static int key_gen(struct cli_ctx *ctx, int argc, char **argv,
		   struct cli_result *res)
{
	static const struct option opts[] = {
		{ "sku", required_argument, NULL, 's' },
		{ "channel", required_argument, NULL, 'c' },
		{ "platform", required_argument, NULL, 'p' },
		{ "r2", no_argument, NULL, 'r' },
		{ "upgrade", no_argument, NULL, 'u' },
		{ "count", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct product_flags p = { NULL, NULL, NULL, false };
	struct actsim_keygen g;
	struct actsim_lab *lab = NULL;
	struct actsim_catalog *cat = NULL;
	const struct actsim_keyconfig *cfg;
	struct actsim_pkey *keys = NULL;
	struct progress prog = { ctx->progress, -1, "generating keys" };
	unsigned long long count = 1, seed = 0, threads = ctx->threads;
	bool seeded = false;
	const char *format = "text";
	struct keygen_output *out_data;
	actsim_err e;
	int c, rc;

	memset(&g, 0, sizeof g);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (product_flag(c, &p))
			continue;
		switch (c) {
		case 'u':
			g.upgrade = true;
			break;
		case 'n':
			if (!cli_parse_u64(optarg, 1, KEYGEN_MAX_COUNT, &count))
				return cli_usage(res, "key",
						 "--count takes a number from "
						 "1 to %llu, not '%s'",
						 KEYGEN_MAX_COUNT, optarg);
			break;
		case 'S':
			if (!cli_parse_u64(optarg, 0, UINT64_MAX, &seed))
				return cli_usage(res, "key",
						 "--seed takes a whole number, "
						 "not '%s'",
						 optarg);
			seeded = true;
			break;
		case 't':
			if (!cli_parse_u64(optarg, 1, 64, &threads))
				return cli_usage(res, "key",
						 "--threads takes a number from "
						 "1 to 64, not '%s'",
						 optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "csv") != 0)
				return cli_usage(res, "key",
						 "--format is text, json or "
						 "csv, not '%s'",
						 optarg);
			format = optarg;
			break;
		default:
			return cli_usage(res, "key",
					 "key gen: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(res, "key", "key gen: unexpected argument '%s'",
				 argv[optind]);
	if (p.sku == NULL || p.channel == NULL || p.platform == NULL)
		return cli_usage(res, "key", "key gen needs --sku, --channel "
					     "and --platform");
	rc = cli_open_lab(ctx, true, &lab, res);
	if (rc == 0)
		rc = cli_load_catalog(ctx, lab, &cat, res);
	if (rc == 0)
		rc = check_product_names(res, cat, &p);
	if (rc != 0)
		goto out;
	cfg = actsim_catalog_find(cat, p.sku, p.platform, p.channel, p.r2);
	if (cfg == NULL) {
		cli_error(res, CLI_USAGE, "UNKNOWN_PRODUCT",
			  "the catalog has no %s key configuration for %s/%s%s",
			  p.channel, p.sku, p.platform, p.r2 ? " R2" : "");
		rc = CLI_USAGE;
		goto out;
	}
	g.realm = actsim_lab_realm(lab);
	g.channel_id_min = cfg->channel_id_min;
	g.channel_id_max = cfg->channel_id_max;
	if (!seeded && ctx->keygen_sequence != NULL) {
		/* scenarios: deterministic, distinct from any --seed N */
		seed = UINT64_C(0x5ce7a210) << 32 | (*ctx->keygen_sequence)++;
		seeded = true;
	}
	if (seeded)
		e = actsim_keygen_seed_from_number(g.stream_key, seed);
	else
		e = RAND_bytes(g.stream_key, sizeof g.stream_key) == 1 ?
			    ACTSIM_OK :
			    ACTSIM_E_CRYPTO;
	keys = calloc(count, sizeof *keys);
	if (e == ACTSIM_OK && keys == NULL)
		e = ACTSIM_E_NOMEM;
	if (e == ACTSIM_OK)
		e = actsim_pkey_generate_batch(
			&g, count, (unsigned)threads, keys,
			prog.out != NULL && count >= 5000 ? show_progress :
							    NULL,
			&prog);
	OPENSSL_cleanse(g.stream_key, sizeof g.stream_key);
	prog.shown = -1;
	prog.what = "recording keys";
	if (e == ACTSIM_OK)
		e = actsim_lab_record_keys(
			lab, keys, count, cfg,
			prog.out != NULL && count >= 5000 ? show_progress : NULL,
			&prog);
	if (e != ACTSIM_OK) {
		rc = cli_lib_error(res, e, actsim_lab_errmsg(lab));
		goto out;
	}
	out_data = malloc(sizeof *out_data);
	if (out_data == NULL) {
		rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
		goto out;
	}
	out_data->keys = keys;
	out_data->count = count;
	out_data->cfg = *cfg;
	snprintf(out_data->sku, sizeof out_data->sku, "%s", cfg->sku);
	snprintf(out_data->channel, sizeof out_data->channel, "%s",
		 cfg->channel);
	snprintf(out_data->platform, sizeof out_data->platform, "%s",
		 cfg->platform);
	snprintf(out_data->product_code, sizeof out_data->product_code, "%s",
		 cfg->product_code);
	out_data->cfg.sku = out_data->sku;
	out_data->cfg.channel = out_data->channel;
	out_data->cfg.platform = out_data->platform;
	out_data->cfg.product_code = out_data->product_code;
	out_data->csv = strcmp(format, "csv") == 0;
	keys = NULL;
	res->stream.data = out_data;
	res->stream.write = keygen_write;
	res->stream.build = keygen_build;
	res->stream.free = keygen_free;
	res->force_json = strcmp(format, "json") == 0;
	rc = CLI_OK;
out:
	free(keys);
	cli_free_catalog(ctx, cat);
	cli_close_lab(ctx, lab);
	return rc;
}

/* Joins the positional arguments with spaces: "BCDFG HJKMP ..." is one
 * key. */
static int key_text_arg(struct cli_result *res, const char *sub, int argc,
			char **argv, char *buf, size_t cap)
{
	size_t n = 0;

	if (optind >= argc)
		return cli_usage(res, "key", "key %s needs a product key", sub);
	for (int i = optind; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (n + len + 2 > cap) {
			cli_error(res, CLI_USAGE, "MALFORMED_KEY",
				  "malformed product key: longer than %d "
				  "characters",
				  ACTSIM_PKEY_MAX_INPUT);
			return CLI_USAGE;
		}
		if (n > 0)
			buf[n++] = ' ';
		memcpy(buf + n, argv[i], len);
		n += len;
	}
	buf[n] = '\0';
	return 0;
}

static int malformed(struct cli_result *res, const char *text,
		     const struct actsim_pkey_diag *d)
{
	cli_set_error(res, CLI_USAGE, actsim_pkey_malformed_json(text, d));
	return CLI_USAGE;
}

static void check_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%s\n",
		json_string_value(json_object_get(doc, "message")));
}

static int key_check(struct cli_ctx *ctx, int argc, char **argv,
		     struct cli_result *res)
{
	static const struct option opts[] = {
		{ "sku", required_argument, NULL, 's' },
		{ "channel", required_argument, NULL, 'c' },
		{ "platform", required_argument, NULL, 'p' },
		{ "r2", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct product_flags p = { NULL, NULL, NULL, false };
	struct actsim_media media;
	struct actsim_lab *lab = NULL;
	struct actsim_catalog *cat = NULL;
	struct actsim_check_result r;
	struct actsim_pkey_diag diag;
	char text[KEY_TEXT_CAP];
	bool has_media;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!product_flag(c, &p))
			return cli_usage(res, "key",
					 "key check: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
	has_media = p.sku != NULL || p.channel != NULL || p.platform != NULL;
	if (has_media &&
	    (p.sku == NULL || p.channel == NULL || p.platform == NULL))
		return cli_usage(res, "key", "media needs all of --sku, "
					     "--channel and --platform");
	if (p.r2 && !has_media)
		return cli_usage(res, "key", "--r2 describes media: give "
					     "--sku, --channel and --platform "
					     "too");
	rc = key_text_arg(res, "check", argc, argv, text, sizeof text);
	if (rc == 0)
		rc = cli_open_lab(ctx, false, &lab, res);
	if (rc == 0)
		rc = cli_load_catalog(ctx, lab, &cat, res);
	if (rc == 0 && has_media)
		rc = check_product_names(res, cat, &p);
	if (rc != 0)
		goto out;
	media.sku = p.sku;
	media.channel = p.channel;
	media.platform = p.platform;
	media.r2 = p.r2;
	if (actsim_key_check(actsim_lab_realm(lab), cat, text,
			     has_media ? &media : NULL, &r,
			     &diag) != ACTSIM_OK) {
		rc = malformed(res, text, &diag);
		goto out;
	}
	res->doc = actsim_check_result_json(&r);
	res->text = check_text;
	rc = r.code == ACTSIM_CHECK_OK ? CLI_OK : CLI_NEGATIVE;
out:
	cli_free_catalog(ctx, cat);
	cli_close_lab(ctx, lab);
	return rc;
}

static void decode_text(const json_t *doc, FILE *out)
{
	static const char *const names[] = { "key", "upgrade", "channel_id",
					     "auth_info", "hash", "signature",
					     "signature_valid", "sku",
					     "channel", "platform", "r2" };

	cli_print_fields(doc, names, sizeof names / sizeof names[0], out);
}

static int key_decode(struct cli_ctx *ctx, int argc, char **argv,
		      struct cli_result *res)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct actsim_lab *lab = NULL;
	struct actsim_catalog *cat = NULL;
	struct actsim_check_result r;
	struct actsim_pkey_diag diag;
	char text[KEY_TEXT_CAP], canon[ACTSIM_PKEY_TEXT_BYTES];
	json_t *verdict;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return cli_usage(res, "key", "key decode: unknown option '%s'",
				 argv[optind - 1]);
	rc = key_text_arg(res, "decode", argc, argv, text, sizeof text);
	if (rc == 0)
		rc = cli_open_lab(ctx, false, &lab, res);
	if (rc == 0)
		rc = cli_load_catalog(ctx, lab, &cat, res);
	if (rc != 0)
		goto out;
	if (actsim_key_check(actsim_lab_realm(lab), cat, text, NULL, &r,
			     &diag) != ACTSIM_OK) {
		rc = malformed(res, text, &diag);
		goto out;
	}
	if (!r.in_range) {
		cli_error(res, CLI_NEGATIVE, "INVALID_KEY",
			  "the key's value does not fit in 114 bits: %s",
			  ACTSIM_MSG_INVALID_KEY);
		rc = CLI_NEGATIVE;
		goto out;
	}
	actsim_pkey_format(canon, &r.fields);
	verdict = actsim_check_result_json(&r);
	res->doc = json_pack("{s:s,s:b,s:i,s:i,s:I,s:I,s:b,s:O,s:O,s:O,s:O}",
			     "key", canon, "upgrade", r.fields.upgrade,
			     "channel_id", r.fields.channel_id, "auth_info",
			     r.fields.auth_info, "hash",
			     (json_int_t)r.fields.hash, "signature",
			     (json_int_t)r.fields.signature, "signature_valid",
			     r.signature_valid, "sku",
			     json_object_get(verdict, "sku"), "channel",
			     json_object_get(verdict, "channel"), "platform",
			     json_object_get(verdict, "platform"), "r2",
			     json_object_get(verdict, "r2"));
	json_decref(verdict);
	res->text = decode_text;
	rc = CLI_OK;
out:
	cli_free_catalog(ctx, cat);
	cli_close_lab(ctx, lab);
	return rc;
}

int cmd_key(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res)
{
	if (argc < 2)
		return cli_usage(res, "key", "key needs a subcommand: gen, "
					     "check or decode");
	if (strcmp(argv[1], "gen") == 0)
		return key_gen(ctx, argc - 1, argv + 1, res);
	if (strcmp(argv[1], "check") == 0)
		return key_check(ctx, argc - 1, argv + 1, res);
	if (strcmp(argv[1], "decode") == 0)
		return key_decode(ctx, argc - 1, argv + 1, res);
	return cli_usage(res, "key", "unknown key subcommand '%s'", argv[1]);
}
