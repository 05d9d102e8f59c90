/* Servicing (seed 002): `machine servicing NAME --sp 2 [--slipstream]`,
 * `machine updates NAME [--hide sp2]` and `hotfix-scan NAME [/d] [/v] [/q]
 * [/help | /? | /h]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "actsim/setup.h"
#include "actsim/time.h"
#include "cli.h"
#include "../common/banned.h"

static void sp2_text(const json_t *doc, FILE *out)
{
	size_t i;
	json_t *v;

	fprintf(out, "Service Pack 2 installed%s.\n",
		json_is_true(json_object_get(doc, "slipstream")) ?
			" (integrated media)" :
			"");
	json_array_foreach(json_object_get(doc, "regressed"), i, v)
		fprintf(out, "  regressed: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(doc, "migrated"), i, v)
		fprintf(out, "  migrated: %s\n", json_string_value(v));
	json_array_foreach(json_object_get(doc, "warnings"), i, v)
		fprintf(out, "Note: %s\n", json_string_value(v));
}

int cli_machine_servicing(struct cli_ctx *ctx, int argc, char **argv,
			  struct cli_result *res)
{
	static const struct option opts[] = {
		{ "sp", required_argument, NULL, 's' },
		{ "slipstream", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	bool slipstream = false, sp2 = false;
	struct cli_session s;
	struct actsim_machine m;
	const char *code = NULL;
	json_t *doc;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's' && strcmp(optarg, "2") == 0)
			sp2 = true;
		else if (c == 'i')
			slipstream = true;
		else
			return cli_usage(res, "machine",
					 "machine servicing takes --sp 2 "
					 "[--slipstream]");
	}
	if (!sp2 || argc - optind != 1)
		return cli_usage(res, "machine",
				 "machine servicing needs NAME --sp 2");
	rc = cli_session_open(ctx, &s, true, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc == 0) {
		doc = actsim_setup_sp2(s.cat, &m, slipstream, &code);
		if (doc == NULL && strcmp(code, "SP2_BLOCKED") == 0) {
			cli_error(res, CLI_NEGATIVE, code,
				  "the Hotfix Scan Tool blocked the "
				  "installation of Windows Server 2003 SP2; "
				  "replace the listed hotfixes, or run "
				  "'actsim hotfix-scan %s /d' to unblock it",
				  m.name);
			rc = CLI_NEGATIVE;
		} else if (doc == NULL) {
			cli_error(res, CLI_NEGATIVE, code,
				  "Service Pack 2 does not apply to '%s' "
				  "(Windows %u, SP%u)",
				  m.name, m.os, m.sp);
			rc = CLI_NEGATIVE;
		} else {
			res->doc = doc;
			res->text = sp2_text;
			rc = cli_session_save(&s, &m, res);
		}
	}
	return cli_session_close(&s, rc, res);
}

static void updates_text(const json_t *doc, FILE *out)
{
	size_t i;
	json_t *u;

	json_array_foreach(json_object_get(doc, "updates"), i, u)
		fprintf(out, "%-12s %s\n",
			json_string_value(json_object_get(u, "id")),
			json_string_value(json_object_get(u, "title")));
}

int cli_machine_updates(struct cli_ctx *ctx, int argc, char **argv,
			struct cli_result *res)
{
	static const struct option opts[] = {
		{ "hide", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool hide = false;
	struct cli_session s;
	struct actsim_machine m;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h' && strcmp(optarg, "sp2") == 0)
			hide = true;
		else
			return cli_usage(res, "machine",
					 "machine updates takes --hide sp2");
	}
	if (argc - optind != 1)
		return cli_usage(res, "machine", "machine updates needs NAME");
	rc = cli_session_open(ctx, &s, false, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, argv[optind], &m, res);
	if (rc == 0) {
		res->doc = actsim_setup_updates(s.cat, &m, hide);
		res->text = updates_text;
	}
	return cli_session_close(&s, rc, res);
}

/* ---- the Hotfix Scan Tool ---- */

static void scan_text(const json_t *doc, FILE *out)
{
	const char *text = json_string_value(json_object_get(doc, "display"));

	if (text != NULL)
		fputs(text, out);
}

/* The tool's report, as it goes to the log and to the screen. */
static char *scan_report(const struct cli_session *s,
			 const struct actsim_machine *m, const json_t *doc,
			 bool verbose)
{
	const json_t *list = json_object_get(doc, "hotfixes");
	bool pre = strcmp(json_string_value(json_object_get(doc, "phase")),
			  "pre-sp2") == 0;
	char *buf = NULL, when[ACTSIM_TIME_TEXT_BYTES];
	size_t len = 0, i;
	json_t *h;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	actsim_time_format(when, s->now);
	fprintf(f, "Hotfix Scan Tool for Windows Server 2003 Service Pack 2\n"
		   "Computer: %s\n",
		m->name);
	if (verbose)
		fprintf(f, "Time: %s\nWindows Server 2003 SP%u%s\n", when,
			m->sp, m->r2 ? " R2" : "");
	if (pre) {
		fprintf(f, "%s\n", json_array_size(list) ?
					   "Hotfixes that may regress when "
					   "Service Pack 2 is installed:" :
					   "No hotfix will regress when Service "
					   "Pack 2 is installed.");
	} else {
		fprintf(f, "%s\n", json_array_size(list) ?
					   "Regressed hotfixes:" :
					   "No regressed hotfix.");
	}
	json_array_foreach(list, i, h) {
		fprintf(f, "  %s\n", json_string_value(json_object_get(h, "kb")));
		if (verbose) {
			fprintf(f, "    %s\n", json_string_value(
						       json_object_get(h,
								       "title")));
			if (pre)
				fprintf(f, "    install the reissued hotfix "
					   "%s before Service Pack 2\n",
					json_string_value(
						json_object_get(h, "reissued")));
		}
	}
	if (pre)
		fprintf(f, "Installation of Service Pack 2: %s\n",
			json_is_true(json_object_get(doc, "sp2_blocked")) ?
				"blocked (run the tool with /d to unblock it)" :
				"not blocked");
	fclose(f);
	return buf;
}

static const char usage[] =
	"Usage: actsim hotfix-scan NAME [/d] [/v] [/q] [/help | /? | /h]\n"
	"  /d     Unblock the installation of Windows Server 2003 SP2.\n"
	"  /v     Log more detailed information in the output text file.\n"
	"  /q     Run in quiet mode. In quiet mode, the tool logs information "
	"only.\n         No output is displayed.\n"
	"  /help  Display the syntax of this tool.\n"
	"  /?     Same as /help.\n"
	"  /h     Same as /help.\n"
	"The output goes to ComputerName_log.txt in the current folder.\n";

int cmd_hotfix_scan(struct cli_ctx *ctx, int argc, char **argv,
		    struct cli_result *res)
{
	bool unblock = false, verbose = false, quiet = false, bad;
	const char *name = NULL;
	struct cli_session s;
	struct actsim_machine m;
	char path[4200], *report;
	json_t *doc;
	FILE *f;
	int rc;

	/* The tool's own switches, slash style, in any order. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "/help") == 0 ||
		    strcmp(argv[i], "/?") == 0 || strcmp(argv[i], "/h") == 0) {
			res->doc = json_pack("{s:s}", "display", usage);
			res->text = scan_text;
			return CLI_OK;
		}
		if (strcmp(argv[i], "/d") == 0 || strcmp(argv[i], "/D") == 0)
			unblock = true;
		else if (strcmp(argv[i], "/v") == 0 ||
			 strcmp(argv[i], "/V") == 0)
			verbose = true;
		else if (strcmp(argv[i], "/q") == 0 ||
			 strcmp(argv[i], "/Q") == 0)
			quiet = true;
		else if (argv[i][0] == '/' || argv[i][0] == '-' ||
			 name != NULL)
			return cli_usage(res, "hotfix-scan",
					 "unknown switch or argument '%s'",
					 argv[i]);
		else
			name = argv[i];
	}
	if (name == NULL)
		return cli_usage(res, "hotfix-scan", "hotfix-scan needs NAME");
	rc = cli_session_open(ctx, &s, true, res);
	if (rc != 0)
		return rc;
	rc = cli_session_load(&s, name, &m, res);
	if (rc == 0 && m.os != 2003) {
		cli_error(res, CLI_NEGATIVE, "NOT_APPLICABLE",
			  "the Hotfix Scan Tool is for Windows Server 2003");
		rc = CLI_NEGATIVE;
	}
	if (rc != 0)
		return cli_session_close(&s, rc, res);
	doc = actsim_setup_hotfix_scan(s.cat, &m, unblock);
	report = scan_report(&s, &m, doc, verbose);
	if (ctx->output_dir != NULL)
		snprintf(path, sizeof path, "%s/%s_log.txt", ctx->output_dir,
			 m.name);
	else
		snprintf(path, sizeof path, "%s_log.txt", m.name);
	f = fopen(path, "w");
	/* A full disk often shows only when the buffer is flushed: the log
	 * counts as written only when it is flushed, synced and closed. */
	bad = f == NULL || report == NULL || fputs(report, f) == EOF;
	if (f != NULL && !cli_close_written(f))
		bad = true;
	if (bad) {
		free(report);
		json_decref(doc);
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot write '%s'", path);
		return cli_session_close(&s, CLI_ENV, res);
	}
	json_object_set_new(doc, "log", json_string(path));
	json_object_set_new(doc, "display", json_string(quiet ? "" : report));
	free(report);
	res->doc = doc;
	res->text = scan_text;
	rc = cli_session_save(&s, &m, res);
	return cli_session_close(&s, rc, res);
}
