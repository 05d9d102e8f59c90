/* Lab, catalog and argument helpers shared by the commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../common/banned.h"

int cli_open_lab(struct cli_ctx *ctx, bool with_private,
		 struct actsim_lab **lab, struct cli_result *res)
{
	actsim_err e = actsim_lab_open(lab, ctx->lab_dir, with_private);

	if (e == ACTSIM_OK)
		return 0;
	cli_lib_error(res, e, actsim_lab_errmsg(*lab));
	actsim_lab_close(*lab);
	*lab = NULL;
	return res->status;
}

int cli_load_catalog(struct cli_ctx *ctx, struct actsim_lab *lab,
		     struct actsim_catalog **out, struct cli_result *res)
{
	char err[1024];
	actsim_err e;

	if (ctx->catalog_path != NULL) {
		e = actsim_catalog_load_file(out, ctx->catalog_path, err,
					     sizeof err);
		if (e != ACTSIM_OK)
			return cli_lib_error(res, e, err);
		return 0;
	}
	if (lab != NULL) {
		e = actsim_lab_catalog(lab, out);
		if (e != ACTSIM_OK)
			return cli_lib_error(res, e, actsim_lab_errmsg(lab));
		return 0;
	}
	e = actsim_catalog_load_builtin(out, err, sizeof err);
	if (e != ACTSIM_OK)
		return cli_lib_error(res, e, err);
	return 0;
}

bool cli_parse_u64(const char *s, unsigned long long min,
		   unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}
