/* actsim: the main function — global options, then dispatch. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../common/banned.h"

/* The documented default lab directory; the caller frees it. */
static char *default_lab_dir(void)
{
	const char *env = getenv("ACTSIM_LAB");
	const char *base = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *out;
	size_t n;

	if (env != NULL && *env != '\0')
		return strdup(env);
	if (base != NULL && *base == '/') {
		n = strlen(base) + sizeof "/actsim/lab";
		out = malloc(n);
		if (out != NULL)
			snprintf(out, n, "%s/actsim/lab", base);
		return out;
	}
	if (home != NULL && *home != '\0') {
		n = strlen(home) + sizeof "/.local/share/actsim/lab";
		out = malloc(n);
		if (out != NULL)
			snprintf(out, n, "%s/.local/share/actsim/lab", home);
		return out;
	}
	return strdup("actsim-lab");
}

/* --json is global but may stand anywhere before "--". */
static int strip_json_flag(int argc, char **argv, bool *json)
{
	int out = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0) {
			*json = true;
			continue;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

/* A global option getopt refused, with the nearest one suggested. */
static void unknown_option(struct cli_result *res, const char *arg)
{
	const char *names[16], *near = NULL;
	size_t n = 0;

	for (const struct cli_option_doc *o = cli_global_options;
	     o->name != NULL && n < 16; o++)
		names[n++] = o->name;
	if (strncmp(arg, "--", 2) == 0 && strchr(arg, '=') == NULL)
		near = cli_nearest(arg + 2, names, n);
	if (near != NULL)
		cli_usage(res, "",
			  "unknown or incomplete option '%s'; did you mean "
			  "'--%s'?",
			  arg, near);
	else
		cli_usage(res, "", "unknown or incomplete option '%s'", arg);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "catalog", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx ctx = { 0 };
	struct cli_result res = { 0 };
	char *lab = NULL;
	static char help_name[] = "help", version_name[] = "version";
	char *help_argv[] = { help_name, NULL };
	char *version_argv[] = { version_name, NULL };
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int c, status;

	argc = strip_json_flag(argc, argv, &ctx.json);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			free(lab);
			lab = strdup(optarg);
			break;
		case 'c':
			ctx.catalog_path = optarg;
			break;
		case 'h':
			/* "actsim --help machine activate" is "actsim help
			 * machine activate" */
			if (optind < argc && argv[optind][0] != '-') {
				argv += optind - 1;
				argc -= optind - 1;
				argv[0] = help_name;
			} else {
				argc = 1;
				argv = help_argv;
			}
			optind = 0;
			goto dispatch;
		case 'V':
			argc = 1;
			argv = version_argv;
			optind = 0;
			goto dispatch;
		default:
			unknown_option(&res, argv[optind - 1]);
			status = cli_render(&ctx, &res, stdout, stderr);
			cli_result_release(&res);
			free(lab);
			return status;
		}
	}
	argc -= optind;
	argv += optind;
dispatch:
	if (argc == 0) {
		fprintf(stderr, "%s\ntry 'actsim help'\n", cli_global_usage);
		free(lab);
		return CLI_USAGE;
	}
	ctx.lab_dir = lab != NULL ? lab : (lab = default_lab_dir());
	ctx.progress = isatty(STDERR_FILENO) ? stderr : NULL;
	ctx.threads = cores > 0 ? (unsigned)cores : 1;
	if (ctx.lab_dir == NULL) {
		fprintf(stderr, "actsim: out of memory\n");
		return CLI_ENV;
	}
	cli_run(&ctx, argc, argv, &res);
	status = cli_render(&ctx, &res, stdout, stderr);
	cli_result_release(&res);
	free(lab);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "actsim: cannot write output\n");
		return CLI_ENV;
	}
	return status;
}
