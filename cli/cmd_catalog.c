/* actsim catalog: print the product catalog. */
#include <string.h>

#include "cli.h"
#include "../common/banned.h"

static const char *name_of(const json_t *doc, const char *list, const char *id)
{
	size_t i;
	json_t *el;

	json_array_foreach(json_object_get(doc, list), i, el) {
		const char *s = json_string_value(json_object_get(el, "id"));

		if (s != NULL && strcmp(s, id) == 0)
			return json_string_value(json_object_get(el, "name"));
	}
	return id;
}

static void print_ids(FILE *out, const char *title, const json_t *arr)
{
	size_t i;
	json_t *el;

	size_t col = strlen(title) + 1;

	fprintf(out, "%s:", title);
	json_array_foreach(arr, i, el) {
		const char *id = json_string_value(json_object_get(el, "id"));

		/* wrapped to fit 80 columns */
		if (col + strlen(id) + 2 > 79) {
			fprintf(out, ",\n ");
			col = 1;
		} else if (i > 0) {
			fputc(',', out);
			col++;
		}
		fprintf(out, " %s", id);
		col += strlen(id) + 1;
	}
	fputc('\n', out);
}

static void catalog_text(const json_t *res, FILE *out)
{
	const json_t *doc = json_object_get(res, "catalog");
	size_t i;
	json_t *el;

	fprintf(out, "%s\n(%s)\n\n",
		json_string_value(json_object_get(doc, "family")),
		json_string_value(json_object_get(res, "source")));
	fputs("channels (grace period, activation limit):\n", out);
	json_array_foreach(json_object_get(doc, "channels"), i, el) {
		const json_t *g = json_object_get(el, "grace_days");
		const json_t *pol = json_object_get(el, "policy");
		const json_t *ev = json_object_get(el, "evaluation_expiry_days");
		const char *mode =
			json_string_value(json_object_get(pol, "mode"));
		char grace[64], limit[96];

		if (json_is_integer(g))
			snprintf(grace, sizeof grace, "%lld days%s",
				 json_integer_value(g), "");
		else
			snprintf(grace, sizeof grace, "none");
		if (mode != NULL && strcmp(mode, "limit") == 0)
			snprintf(limit, sizeof limit,
				 "%lld machines in %lld days",
				 json_integer_value(
					 json_object_get(pol, "max_hardware")),
				 json_integer_value(
					 json_object_get(pol, "window_days")));
		else if (mode != NULL && strcmp(mode, "bind_first") == 0)
			snprintf(limit, sizeof limit,
				 "bound to the first hardware");
		else if (mode != NULL && strcmp(mode, "exempt") == 0)
			snprintf(limit, sizeof limit, "no activation needed");
		else
			snprintf(limit, sizeof limit, "%s", mode ? mode : "-");
		fprintf(out, "  %-11s %-16s %s",
			json_string_value(json_object_get(el, "id")), grace,
			limit);
		if (json_is_integer(ev))
			fprintf(out, "\n%-31sthe evaluation ends %lld days after "
				     "installation", "", json_integer_value(ev));
		fputc('\n', out);
	}
	fputc('\n', out);
	print_ids(out, "languages", json_object_get(doc, "languages"));
	fputs("\nactivation by telephone (country, number):\n", out);
	json_array_foreach(json_object_get(doc, "countries"), i, el)
		fprintf(out, "  %-3s %-24s %s\n",
			json_string_value(json_object_get(el, "id")),
			json_string_value(json_object_get(el, "name")),
			json_string_value(json_object_get(el, "phone")));
	fputs("\nproducts (SKU, platform, product code):\n", out);
	json_array_foreach(json_object_get(doc, "products"), i, el) {
		const char *sku = json_string_value(json_object_get(el, "sku"));

		fprintf(out, "  %-22s %-3s %-5s %s\n",
			name_of(doc, "skus", sku),
			json_is_true(json_object_get(el, "r2")) ? "R2" : "",
			json_string_value(json_object_get(el, "platform")),
			json_string_value(json_object_get(el, "product_code")));
	}
	fputs("\nkey configurations (channel IDs -> product):\n", out);
	json_array_foreach(json_object_get(doc, "key_configurations"), i, el)
		fprintf(out, "  %2lld  %4lld-%-4lld  %-10s %-5s %-10s%s\n",
			json_integer_value(json_object_get(el, "index")),
			json_integer_value(json_object_get(el, "channel_id_min")),
			json_integer_value(json_object_get(el, "channel_id_max")),
			json_string_value(json_object_get(el, "sku")),
			json_string_value(json_object_get(el, "platform")),
			json_string_value(json_object_get(el, "channel")),
			json_is_true(json_object_get(el, "r2")) ? " R2" : "");
}

/* What the text shows: the built-in catalog then parses only these
 * members, and gives its key configurations from a table. */
static json_t *text_members(const struct actsim_catalog *cat)
{
	static const char *const names[] = { "family", "channels",
					     "languages", "countries",
					     "products", "skus" };
	json_t *doc = json_object(), *configs = json_array();

	for (size_t i = 0; doc != NULL && i < sizeof names / sizeof *names;
	     i++)
		json_object_set(doc, names[i],
				(json_t *)actsim_catalog_member(cat, names[i]));
	for (size_t i = 0; i < actsim_catalog_keyconfig_count(cat); i++) {
		const struct actsim_keyconfig *k =
			actsim_catalog_keyconfig(cat, i);

		json_array_append_new(
			configs,
			json_pack("{s:i,s:i,s:i,s:s,s:s,s:s,s:b}", "index",
				  (int)k->index, "channel_id_min",
				  (int)k->channel_id_min, "channel_id_max",
				  (int)k->channel_id_max, "sku", k->sku,
				  "platform", k->platform, "channel",
				  k->channel, "r2", k->r2));
	}
	json_object_set_new(doc, "key_configurations", configs);
	return doc;
}

int cmd_catalog(struct cli_ctx *ctx, int argc, char **argv,
		struct cli_result *res)
{
	struct actsim_lab *lab = NULL;
	struct actsim_catalog *cat = NULL;
	int rc;

	(void)argv;
	if (argc > 1)
		return cli_usage(res, "catalog", "too many arguments");
	/* Without --catalog, the lab's catalog when there is a lab. */
	if (ctx->shared_lab == NULL && ctx->catalog_path == NULL &&
	    actsim_lab_open(&lab, ctx->lab_dir, false) != ACTSIM_OK) {
		actsim_lab_close(lab);
		lab = NULL;
	}
	rc = cli_load_catalog(ctx, lab, &cat, res);
	if (ctx->shared_lab == NULL)
		actsim_lab_close(lab);
	if (rc != 0)
		return rc;
	res->doc = json_pack("{s:s,s:o}", "source", actsim_catalog_name(cat),
			     "catalog",
			     ctx->json ? json_incref((json_t *)
						     actsim_catalog_document(
							     cat)) :
					 text_members(cat));
	res->text = catalog_text;
	cli_free_catalog(ctx, cat);
	return CLI_OK;
}
