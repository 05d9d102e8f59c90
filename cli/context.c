/* Lab, catalog and argument helpers shared by the commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actsim/ids.h"
#include "cli.h"
#include "../common/banned.h"

int cli_open_lab(struct cli_ctx *ctx, bool with_private,
		 struct actsim_lab **lab, struct cli_result *res)
{
	actsim_err e;

	if (ctx->shared_lab != NULL) {
		*lab = ctx->shared_lab;
		return 0;
	}
	e = actsim_lab_open(lab, ctx->lab_dir, with_private);

	if (e == ACTSIM_OK)
		return 0;
	cli_lib_error(res, e, actsim_lab_errmsg(*lab));
	actsim_lab_close(*lab);
	*lab = NULL;
	return res->status;
}

void cli_close_lab(struct cli_ctx *ctx, struct actsim_lab *lab)
{
	if (lab != NULL && lab == ctx->shared_lab)
		actsim_lab_rollback(lab);
	else
		actsim_lab_close(lab);
}

void cli_free_catalog(struct cli_ctx *ctx, struct actsim_catalog *cat)
{
	if (cat != ctx->shared_catalog)
		actsim_catalog_free(cat);
}

int cli_load_catalog(struct cli_ctx *ctx, struct actsim_lab *lab,
		     struct actsim_catalog **out, struct cli_result *res)
{
	char err[1024];
	actsim_err e;

	if (ctx->shared_catalog != NULL) {
		*out = ctx->shared_catalog;
		return 0;
	}
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

bool cli_parse_ms(const char *s, unsigned long long min,
		  unsigned long long max, unsigned long long *out)
{
	static const struct {
		const char *unit;
		unsigned long long ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 } };
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v > 1000000000ULL)
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].ms;
			if (v < min || v > max)
				return false;
			*out = v;
			return true;
		}
	return false;
}

int cli_read_file(const char *path, size_t cap, char **out, size_t *len,
		  struct cli_result *res)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;
	size_t n;

	*out = NULL;
	if (f == NULL) {
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot open '%s': %s", path,
			  strerror(errno));
		return CLI_ENV;
	}
	buf = malloc(cap + 1);
	if (buf == NULL) {
		if (f != stdin)
			fclose(f);
		return cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	}
	n = fread(buf, 1, cap + 1, f);
	if (ferror(f)) {
		cli_error(res, CLI_ENV, "IO_ERROR", "cannot read '%s': %s", path,
			  strerror(errno));
	} else if (n > cap) {
		cli_error(res, CLI_USAGE, "TOO_BIG",
			  "'%s' is larger than %zu bytes", path, cap);
	} else {
		buf[n] = '\0';
		*out = buf;
		*len = n;
	}
	if (f != stdin)
		fclose(f);
	if (*out == NULL) {
		free(buf);
		return res->status;
	}
	return 0;
}

int cli_begin(struct actsim_lab *lab, bool write, struct cli_result *res)
{
	actsim_err e = actsim_lab_begin(lab, write);

	if (e != ACTSIM_OK)
		return cli_lib_error(res, e, actsim_lab_errmsg(lab));
	return 0;
}

int cli_finish(struct actsim_lab *lab, int status, struct cli_result *res)
{
	actsim_err e;

	/* A refused activation is recorded too: 1 commits as 0 does. */
	if (status != CLI_OK && status != CLI_NEGATIVE) {
		actsim_lab_rollback(lab);
		return status;
	}
	e = actsim_lab_commit(lab);
	if (e != ACTSIM_OK) {
		actsim_lab_rollback(lab);
		return cli_lib_error(res, e, actsim_lab_errmsg(lab));
	}
	return status;
}

int cli_malformed_id(struct cli_result *res, const char *what,
		     const struct actsim_id_diag *d)
{
	cli_set_error(res, CLI_USAGE,
		      strcmp(what, "installation") == 0 ?
			      actsim_iid_malformed_json(d) :
			      actsim_cid_malformed_json(d));
	return CLI_USAGE;
}
