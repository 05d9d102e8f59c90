/* actsim plan NAME --to OS [--exchange VERSION] [--apply | --force]:
 * Exchange and Windows upgrade planning (seeds 003 and 004). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "actsim/setup.h"
#include "cli.h"
#include "../common/banned.h"

static void plan_text(const json_t *doc, FILE *out)
{
	size_t i;
	json_t *v;

	fprintf(out, "%s\n", json_is_true(json_object_get(doc, "possible")) ?
				     "Possible:" :
				     "Blocked:");
	json_array_foreach(json_object_get(doc, "blockers"), i, v)
		fprintf(out, "  [%s] %s (seed %s)\n",
			json_string_value(json_object_get(v, "code")),
			json_string_value(json_object_get(v, "reason")),
			json_string_value(json_object_get(v, "source")));
	if (json_is_true(json_object_get(doc, "possible")))
		json_array_foreach(json_object_get(doc, "steps"), i, v)
			fprintf(out, "  %zu. %s\n", i + 1, json_string_value(v));
	json_array_foreach(json_object_get(doc, "alternatives"), i, v)
		fprintf(out, "  alternative %zu: %s\n", i + 1,
			json_string_value(v));
	json_array_foreach(json_object_get(doc, "warnings"), i, v)
		fprintf(out, "  warning: %s\n", json_string_value(v));
}

int cmd_plan(struct cli_ctx *ctx, int argc, char **argv,
	     struct cli_result *res)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "exchange", required_argument, NULL, 'e' },
		{ "apply", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long os = 0;
	const char *exchange = NULL;
	bool apply = false, force = false, possible;
	struct cli_session s;
	struct actsim_machine m;
	char app[32];
	json_t *doc;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!cli_parse_u64(optarg, 2000, 2008, &os) ||
			    (os != 2000 && os != 2003 && os != 2008))
				return cli_usage(res, "plan",
						 "--to is 2000, 2003 or 2008");
			break;
		case 'e':
			exchange = optarg;
			break;
		case 'a':
			apply = true;
			break;
		case 'f':
			force = true;
			break;
		default:
			return cli_usage(res, "plan",
					 "plan: unknown or incomplete option "
					 "'%s'",
					 argv[optind - 1]);
		}
	}
	if (argc - optind != 1 || os == 0)
		return cli_usage(res, "plan", "plan needs NAME and --to OS");
	if (exchange != NULL) {
		snprintf(app, sizeof app, "exchange:%s", exchange);
		if (!actsim_app_valid(app))
			return cli_usage(res, "plan",
					 "--exchange is 2000, 2003, 2007 or "
					 "2007sp1, not '%s'",
					 exchange);
	}
	rc = cli_session_open(ctx, &s, apply || force, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc != 0)
		return cli_session_close(&s, rc, res);
	doc = actsim_setup_plan(s.cat, &m, (unsigned)os, exchange);
	possible = json_is_true(json_object_get(doc, "possible"));
	res->doc = doc;
	res->text = plan_text;
	rc = possible ? CLI_OK : CLI_NEGATIVE;
	/* --apply carries out a possible plan; --force one with blockers,
	 * with the consequences seed 004 describes. */
	if ((apply && possible) || force) {
		actsim_setup_apply(s.cat, &m, (unsigned)os, exchange,
				   !possible);
		json_object_set_new(doc, "applied", json_true());
		json_object_set_new(doc, "exchange",
				    actsim_machine_app_version(&m, "exchange") ?
					    json_string(m.exchange_broken ?
								"broken" :
								"running") :
					    json_null());
		if (m.exchange_broken)
			json_object_set(
				doc, "consequence",
				json_object_get(
					actsim_catalog_member(s.cat,
							      "exchange"),
					"broken_after_forced_upgrade"));
		rc = cli_session_save(&s, &m, res);
		if (rc == 0 && force && !possible)
			rc = CLI_OK;
	}
	return cli_session_close(&s, rc, res);
}
