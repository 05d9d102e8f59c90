/* Sessions: what a machine-level command has open (lab, catalog, one
 * transaction, the lab clock's time). */
#include <string.h>

#include "actsim/machine.h"
#include "cli.h"
#include "../common/banned.h"

int cli_session_open(struct cli_ctx *ctx, struct cli_session *s, bool write,
			struct cli_result *res)
{
	return cli_session_open_ex(ctx, s, write, true, res);
}

int cli_session_open_ex(struct cli_ctx *ctx, struct cli_session *s,
			bool write, bool with_private, struct cli_result *res)
{
	actsim_err e;
	int rc;

	memset(s, 0, sizeof *s);
	s->ctx = ctx;
	rc = cli_open_lab(ctx, with_private, &s->lab, res);
	if (rc != 0)
		return rc;
	rc = cli_load_catalog(ctx, s->lab, &s->cat, res);
	if (rc == 0)
		rc = cli_begin(s->lab, write, res);
	if (rc == 0) {
		e = actsim_lab_clock_get(s->lab, &s->now);
		if (e != ACTSIM_OK) {
			rc = cli_lib_error(res, e, actsim_lab_errmsg(s->lab));
			actsim_lab_rollback(s->lab);
		}
	}
	if (rc != 0) {
		cli_free_catalog(ctx, s->cat);
		cli_close_lab(ctx, s->lab);
	}
	return rc;
}

int cli_session_close(struct cli_session *s, int rc, struct cli_result *res)
{
	rc = cli_finish(s->lab, rc, res);
	cli_free_catalog(s->ctx, s->cat);
	cli_close_lab(s->ctx, s->lab);
	return rc;
}

int cli_session_load(struct cli_session *s, const char *name, struct actsim_machine *m,
		struct cli_result *res)
{
	actsim_err e = actsim_machine_load(s->lab, name, m);

	if (e == ACTSIM_E_NOT_FOUND)
		return cli_lib_error(res, e, actsim_lab_errmsg(s->lab));
	if (e != ACTSIM_OK)
		return cli_lib_error(res, e, "damaged machine record");
	return 0;
}

int cli_session_save(struct cli_session *s, const struct actsim_machine *m,
		struct cli_result *res)
{
	actsim_err e = actsim_machine_save(s->lab, m);

	return e == ACTSIM_OK ? 0 :
				cli_lib_error(res, e, actsim_lab_errmsg(s->lab));
}

