/* actsim scenario run | check: scenario files as tests and
 * demonstrations. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../scenario/scenario.h"
#include "../common/banned.h"

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

static int scenario_run_cmd(struct cli_ctx *ctx, int argc, char **argv,
			    struct cli_result *res)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "keep-lab", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const struct report_format *format = report_format_find("tap");
	const char *out_path = NULL, *keep = NULL;
	struct scenario *all;
	struct report *rep;
	unsigned failed;
	char err[1024], keepdir[4096];
	FILE *out;
	int c, nfiles;

	(void)ctx;
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
	/* Every file parses before anything runs. */
	all = calloc((size_t)nfiles, sizeof *all);
	if (all == NULL)
		return cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	for (int i = 0; i < nfiles; i++) {
		if (scenario_load(argv[optind + i], &all[i], err, sizeof err) !=
		    0) {
			for (int j = 0; j < i; j++)
				scenario_release(&all[j]);
			free(all);
			cli_error(res, CLI_USAGE, "SCENARIO_PARSE", "%s", err);
			return CLI_USAGE;
		}
	}
	out = out_path != NULL ? fopen(out_path, "w") : stdout;
	if (out == NULL) {
		for (int i = 0; i < nfiles; i++)
			scenario_release(&all[i]);
		free(all);
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot write '%s'",
			  out_path);
		return CLI_ENV;
	}
	rep = report_new(format, out);
	for (int i = 0; i < nfiles && rep != NULL; i++) {
		const char *k = keep;

		if (keep != NULL && nfiles > 1) {
			const char *base = strrchr(all[i].file, '/');

			snprintf(keepdir, sizeof keepdir, "%s/%s", keep,
				 base ? base + 1 : all[i].file);
			k = keepdir;
		}
		scenario_run(&all[i], k, rep);
		scenario_release(&all[i]);
	}
	failed = rep != NULL ? report_finish(rep) : 1;
	free(all);
	fflush(out);
	if (out != stdout)
		fclose(out);
	res->doc = json_pack("{s:i}", "failed", (int)failed);
	res->text = silent;
	res->force_json = false;
	return failed ? CLI_NEGATIVE : CLI_OK;
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
