/* actsim scenario run | check: scenario files as tests and
 * demonstrations. The language, the runner and the reports are in
 * scenario/. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../scenario/scenario.h"
#include "../common/banned.h"

#define DEFAULT_TIMEOUT_MS (5 * 60 * 1000)

static void check_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%lld file(s) parse\n",
		json_integer_value(json_object_get(doc, "files")));
}

static int scenario_check(int argc, char **argv, struct cli_result *res)
{
	char err[1024];
	int n = 0;

	if (argc < 2)
		return cli_usage(res, "scenario", "scenario check needs FILE...");
	for (int i = 1; i < argc; i++) {
		struct scenario sc;

		if (scenario_load(argv[i], &sc, err, sizeof err) != 0) {
			cli_error(res, CLI_USAGE, "SCENARIO_PARSE", "%s", err);
			return CLI_USAGE;
		}
		scenario_release(&sc);
		n++;
	}
	res->doc = json_pack("{s:i}", "files", n);
	res->text = check_text;
	return CLI_OK;
}

static void silent(const json_t *doc, FILE *out)
{
	(void)doc;
	(void)out; /* the report has been written */
}

/* "5m", "30s", "2h", "1500ms", or seconds; false when it is not one. */
static bool parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = { { "ms", 1 },	    { "s", 1000 }, { "", 1000 },
		      { "m", 60000 },	    { "h", 3600000 } };
	unsigned long long v;
	char num[32];
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n >= sizeof num)
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	if (!cli_parse_u64(num, 1, 1000000000ULL, &v))
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(s + n, units[i].unit) == 0) {
			*ms = (int64_t)v * units[i].ms;
			return *ms <= (int64_t)7 * 24 * 3600000;
		}
	return false;
}

/* Where each file's lab is kept: DIR itself for one file, DIR/BASENAME
 * for several; relative to where the runner started. */
static char *keep_dir(const char *keep, const char *file, int nfiles)
{
	char cwd[PATH_MAX], path[PATH_MAX * 2 + 2];
	const char *base = strrchr(file, '/');

	if (keep[0] == '/')
		cwd[0] = '\0';
	else if (getcwd(cwd, sizeof cwd) == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s%s%s%s%s", cwd, cwd[0] ? "/" : "",
		 keep, nfiles > 1 ? "/" : "",
		 nfiles > 1 ? (base ? base + 1 : file) : "");
	return strdup(path);
}

static bool holds_lab(const char *dir)
{
	struct actsim_lab *lab = NULL;
	bool yes = actsim_lab_open(&lab, dir, false) == ACTSIM_OK;

	actsim_lab_close(lab);
	return yes;
}

static int scenario_run_cmd(struct cli_ctx *ctx, int argc, char **argv,
			    struct cli_result *res)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep-lab", required_argument, NULL, 'k' },
		{ "database", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'F' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const struct report_format *format = report_format_find("tap");
	const char *out_path = NULL, *keep = NULL, *database = NULL;
	struct scenario *all = NULL;
	struct scenario_job *list = NULL;
	char (*errs)[1024] = NULL;
	char **keeps = NULL;
	unsigned long long jobs = 1;
	int64_t timeout_ms = DEFAULT_TIMEOUT_MS;
	bool force = false, bad = false;
	struct report *rep;
	int c, nfiles, rc;
	FILE *out;

	if (ctx->json)
		format = report_format_find("json");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = report_format_find(optarg);
			if (format == NULL) {
				char names[256];

				report_format_names(names, sizeof names);
				return cli_usage(res, "scenario",
						 "--format is %s, not '%s'",
						 names, optarg);
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'k':
			keep = optarg;
			break;
		case 'd':
			database = optarg;
			break;
		case 'F':
			force = true;
			break;
		case 'j':
			if (!cli_parse_u64(optarg, 1, 64, &jobs))
				return cli_usage(res, "scenario",
						 "--jobs is a number from 1 "
						 "to 64, not '%s'",
						 optarg);
			break;
		case 't':
			if (!parse_duration(optarg, &timeout_ms))
				return cli_usage(res, "scenario",
						 "--timeout is a duration "
						 "like 30s, 5m or 1h, not "
						 "'%s'",
						 optarg);
			break;
		default:
			return cli_usage(res, "scenario",
					 "scenario run: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
		}
	}
	nfiles = argc - optind;
	if (nfiles < 1)
		return cli_usage(res, "scenario", "scenario run needs FILE...");
	all = calloc((size_t)nfiles, sizeof *all);
	list = calloc((size_t)nfiles, sizeof *list);
	errs = calloc((size_t)nfiles, sizeof *errs);
	keeps = calloc((size_t)nfiles, sizeof *keeps);
	if (all == NULL || list == NULL || errs == NULL || keeps == NULL) {
		rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
		goto out;
	}
	/* Every file parses before anything runs. */
	for (int i = 0; i < nfiles; i++) {
		list[i].file = argv[optind + i];
		list[i].database = database != NULL ? database :
						      cli_default_database();
		if (scenario_load(argv[optind + i], &all[i], errs[i],
				  sizeof errs[i]) != 0) {
			list[i].parse_error = errs[i];
			bad = true;
		} else {
			list[i].sc = &all[i];
		}
	}
	/* A kept lab never replaces one silently. */
	for (int i = 0; keep != NULL && i < nfiles; i++) {
		keeps[i] = keep_dir(keep, argv[optind + i], nfiles);
		if (keeps[i] == NULL) {
			rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
			goto out;
		}
		if (!force && holds_lab(keeps[i])) {
			cli_error(res, CLI_USAGE, "LAB_EXISTS",
				  "'%s' already holds a lab (use --force to "
				  "replace it)",
				  keeps[i]);
			rc = CLI_USAGE;
			goto out;
		}
		list[i].keep_dir = keeps[i];
	}
	out = out_path != NULL ? fopen(out_path, "w") : stdout;
	if (out == NULL) {
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot write '%s'",
			  out_path);
		rc = CLI_ENV;
		goto out;
	}
	rep = report_new(format, out);
	if (rep == NULL) {
		if (out != stdout)
			fclose(out);
		rc = cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
		goto out;
	}
	rc = scenario_run_all(list, (size_t)nfiles, (unsigned)jobs, timeout_ms,
			      rep);
	if (report_finish(rep) != 0) {
		if (out != stdout)
			fclose(out);
		cli_error(res, CLI_ENV, "IO_ERROR",
			  "cannot write the report: libxml2.so.2 could not "
			  "be loaded (install libxml2)");
		rc = CLI_ENV;
		goto out;
	}
	if (out != stdout && !cli_close_written(out)) {
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot write '%s'",
			  out_path);
		rc = CLI_ENV;
		goto out;
	}
	if (bad) {
		/* The report says it too; this is for a person reading
		 * stderr. */
		for (int i = 0; i < nfiles; i++)
			if (list[i].sc == NULL) {
				cli_error(res, CLI_USAGE, "SCENARIO_PARSE",
					  "%s", errs[i]);
				break;
			}
		rc = CLI_USAGE;
		if (ctx->json && out == stdout) {
			/* one JSON document on stdout: the report's */
			json_decref(res->doc);
			res->doc = NULL;
		}
		goto out;
	}
	res->doc = json_pack("{s:i}", "failed", rc);
	res->text = silent;
	rc = rc != 0 ? CLI_NEGATIVE : CLI_OK;
	if (ctx->json)
		res->doc = (json_decref(res->doc), NULL);
out:
	for (int i = 0; all != NULL && i < nfiles; i++)
		scenario_release(&all[i]);
	for (int i = 0; keeps != NULL && i < nfiles; i++)
		free(keeps[i]);
	free(all);
	free(list);
	free(errs);
	free(keeps);
	res->status = rc;
	return rc;
}

int cmd_scenario(struct cli_ctx *ctx, int argc, char **argv,
		 struct cli_result *res)
{
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return scenario_run_cmd(ctx, argc - 1, argv + 1, res);
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return scenario_check(argc - 1, argv + 1, res);
	return cli_usage(res, "scenario", "scenario needs run or check");
}
