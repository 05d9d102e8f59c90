/* actsim setup r2: the Windows Server 2003 R2 upgrade advisor (seed 000),
 * as a pure decision or for a machine, which it then upgrades. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "actsim/ids.h"
#include "actsim/machine.h"
#include "actsim/setup.h"
#include "cli.h"
#include "../common/banned.h"

/* "SKU/CHANNEL/PLATFORM/LANG[/spN]" into its parts, checked against the
 * catalog. */
static int parse_spec(const struct actsim_catalog *cat, const char *text,
		      bool with_sp, char parts[5][ACTSIM_WORD_MAX + 1], unsigned *sp,
		      struct cli_result *res)
{
	static const enum actsim_catalog_kind kinds[] = {
		ACTSIM_CATALOG_SKU, ACTSIM_CATALOG_CHANNEL,
		ACTSIM_CATALOG_PLATFORM, ACTSIM_CATALOG_LANGUAGE
	};
	static const char *const what[] = { "SKU", "channel", "platform",
					    "language" };
	const char *p = text;
	int n = 0;

	while (n < 5) {
		size_t len = strcspn(p, "/");

		if (len > ACTSIM_WORD_MAX)
			break;
		memcpy(parts[n], p, len);
		parts[n][len] = '\0';
		n++;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (n != (with_sp ? 5 : 4))
		return cli_usage(res, "setup",
				 "'%s' is not %s", text,
				 with_sp ? "SKU/CHANNEL/PLATFORM/LANG/spN" :
					   "SKU/CHANNEL/PLATFORM/LANG");
	for (int i = 0; i < 4; i++)
		if (!actsim_catalog_has(cat, kinds[i], parts[i]))
			return cli_usage(res, "setup", "unknown %s '%s'",
					 what[i], parts[i]);
	if (with_sp) {
		unsigned long long v;

		if (strncmp(parts[4], "sp", 2) != 0 ||
		    !cli_parse_u64(parts[4] + 2, 0, 4, &v))
			return cli_usage(res, "setup",
					 "'%s' is not a service pack level "
					 "(sp0 to sp4)",
					 parts[4]);
		*sp = (unsigned)v;
	}
	return 0;
}

static void advice_text(const json_t *doc, FILE *out)
{
	size_t i;
	json_t *v;

	fprintf(out, "%s\n", json_string_value(json_object_get(doc, "message")));
	json_array_foreach(json_object_get(doc, "steps"), i, v)
		fprintf(out, "  %zu. %s\n", i + 1, json_string_value(v));
	if (json_is_true(json_object_get(doc, "prompt_for_key")))
		fprintf(out, "Setup will ask for the Windows Server 2003 R2 "
			     "product key.\n");
	json_array_foreach(json_object_get(doc, "warnings"), i, v)
		fprintf(out, "Warning: %s\n", json_string_value(v));
}

int cmd_setup(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "r2-key-installed", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *from = NULL, *to = NULL, *key = NULL, *name = NULL;
	char fp[5][ACTSIM_WORD_MAX + 1], tp[5][ACTSIM_WORD_MAX + 1];
	struct actsim_r2_query q;
	struct cli_session s;
	struct actsim_machine m;
	json_t *doc;
	int c, rc;

	if (argc < 2 || strcmp(argv[1], "r2") != 0)
		return cli_usage(res, "setup", "setup needs 'r2'");
	argc--;
	argv++;
	memset(&q, 0, sizeof q);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'r':
			q.r2_key_installed = true;
			break;
		default:
			return cli_usage(res, "setup",
					 "setup r2: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
		}
	}
	if (argc - optind == 1)
		name = argv[optind];
	else if (argc - optind > 1)
		return cli_usage(res, "setup", "setup r2: unexpected argument "
					       "'%s'",
				 argv[optind + 1]);
	if (to == NULL || (name == NULL) == (from == NULL))
		return cli_usage(res, "setup",
				 "setup r2 needs --to, and either --from or a "
				 "machine NAME");
	rc = cli_session_open(ctx, &s, name != NULL, res);
	if (rc != 0)
		return rc;
	rc = parse_spec(s.cat, to, false, tp, NULL, res);
	if (rc == 0 && from != NULL)
		rc = parse_spec(s.cat, from, true, fp, &q.from_sp, res);
	if (rc == 0 && name != NULL) {
		rc = cli_session_load(&s, name, &m, res);
		if (rc == 0 && m.r2) {
			cli_error(res, CLI_NEGATIVE, "ALREADY_R2",
				  "'%s' already runs Windows Server 2003 R2",
				  name);
			rc = CLI_NEGATIVE;
		} else if (rc == 0 && m.os != 2003) {
			cli_error(res, CLI_NEGATIVE, "NOT_WINDOWS_2003",
				  "R2 upgrades Windows Server 2003; '%s' runs "
				  "Windows %u",
				  name, m.os);
			rc = CLI_NEGATIVE;
		}
		if (rc == 0) {
			snprintf(fp[0], sizeof fp[0], "%s", m.sku);
			snprintf(fp[1], sizeof fp[1], "%s", m.channel);
			snprintf(fp[2], sizeof fp[2], "%s", m.platform);
			snprintf(fp[3], sizeof fp[3], "%s", m.language);
			q.from_sp = m.sp;
			q.domain_controller =
				actsim_machine_has_app(&m, "domain-controller");
		}
	}
	if (rc != 0)
		return cli_session_close(&s, rc, res);
	q.from_sku = fp[0];
	q.from_channel = fp[1];
	q.from_platform = fp[2];
	q.from_language = fp[3];
	q.to_sku = tp[0];
	q.to_channel = tp[1];
	q.to_platform = tp[2];
	q.to_language = tp[3];
	q.key = key;
	doc = actsim_setup_r2(s.cat, actsim_lab_realm(s.lab), &q);
	res->doc = doc;
	res->text = advice_text;
	rc = json_is_true(json_object_get(doc, "allowed")) ? CLI_OK :
							       CLI_NEGATIVE;
	/* For a machine, an allowed upgrade is carried out: it becomes R2
	 * with the new SKU and channel (and key, when one was given). */
	if (rc == CLI_OK && name != NULL) {
		snprintf(m.sku, sizeof m.sku, "%s", tp[0]);
		snprintf(m.channel, sizeof m.channel, "%s", tp[1]);
		m.r2 = true;
		if (key != NULL) {
			struct actsim_pkey k;
			const struct actsim_keyconfig *cfg;
			struct actsim_pid pid;

			/* The new key brings its own product ID; the
			 * install digits stay. */
			if (actsim_pkey_parse(&k, key, NULL) == ACTSIM_OK &&
			    (cfg = actsim_catalog_by_channel_id(
				     s.cat, k.channel_id)) != NULL &&
			    actsim_key_identity(&k, &m.key_id, &m.sequence) ==
				    ACTSIM_OK) {
				actsim_pkey_format(m.key, &k);
				m.channel_id = k.channel_id;
				actsim_pid_make(&pid, cfg, m.channel_id,
						m.sequence, m.install);
				actsim_pid_format(m.product_id, &pid);
			}
		}
		rc = cli_session_save(&s, &m, res);
		json_object_set_new(doc, "machine", json_string(name));
	}
	return cli_session_close(&s, rc, res);
}
