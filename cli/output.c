/* Errors, exit codes and rendering shared by every command. */
#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "../common/banned.h"

static json_t *error_object(struct cli_result *res, int status,
			    const char *code, const char *fmt, va_list ap)
{
	char msg[1024];
	json_t *err, *probe;

	vsnprintf(msg, sizeof msg, fmt, ap);
	/* Messages quote what was typed, which need not be UTF-8; JSON
	 * must be. */
	probe = json_string(msg);
	if (probe == NULL)
		for (char *p = msg; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
	json_decref(probe);
	json_decref(res->doc);
	err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	res->doc = json_pack("{s:o}", "error", err);
	res->status = status;
	res->text = NULL;
	return err;
}

void cli_set_error(struct cli_result *res, int status, json_t *error)
{
	json_decref(res->doc);
	res->doc = json_pack("{s:o}", "error", error);
	res->status = status;
	res->text = NULL;
}

json_t *cli_error(struct cli_result *res, int status, const char *code,
		  const char *fmt, ...)
{
	va_list ap;
	json_t *err;

	va_start(ap, fmt);
	err = error_object(res, status, code, fmt, ap);
	va_end(ap);
	return err;
}

int cli_usage(struct cli_result *res, const char *command, const char *fmt,
	      ...)
{
	va_list ap;
	json_t *err;
	char hint[128];

	va_start(ap, fmt);
	err = error_object(res, CLI_USAGE, "USAGE", fmt, ap);
	va_end(ap);
	if (command[0] != '\0')
		snprintf(hint, sizeof hint, "try 'actsim help %s'", command);
	else
		snprintf(hint, sizeof hint, "try 'actsim help'");
	json_object_set_new(err, "hint", json_string(hint));
	return CLI_USAGE;
}

int cli_exit_for(actsim_err e)
{
	switch (e) {
	case ACTSIM_OK:
		return CLI_OK;
	case ACTSIM_E_MALFORMED_KEY:
	case ACTSIM_E_INVALID_ARG:
	case ACTSIM_E_UNKNOWN_PRODUCT:
	case ACTSIM_E_TOO_BIG:
	case ACTSIM_E_MALFORMED_ID:
	case ACTSIM_E_NOT_FOUND:
	case ACTSIM_E_EXISTS:
		return CLI_USAGE;
	case ACTSIM_E_INVALID_IID:
	case ACTSIM_E_KEY_RANGE:
	case ACTSIM_E_BAD_SIGNATURE:
	case ACTSIM_E_UNKNOWN_CHANNEL_ID:
		return CLI_NEGATIVE;
	default:
		return CLI_ENV;
	}
}

const char *cli_code_for(actsim_err e)
{
	switch (e) {
	case ACTSIM_OK:
		return "OK";
	case ACTSIM_E_NOMEM:
		return "OUT_OF_MEMORY";
	case ACTSIM_E_INVALID_ARG:
		return "USAGE";
	case ACTSIM_E_MALFORMED_KEY:
		return "MALFORMED_KEY";
	case ACTSIM_E_KEY_RANGE:
	case ACTSIM_E_BAD_SIGNATURE:
	case ACTSIM_E_UNKNOWN_CHANNEL_ID:
		return "INVALID_KEY";
	case ACTSIM_E_CATALOG:
		return "CATALOG_INVALID";
	case ACTSIM_E_UNKNOWN_PRODUCT:
		return "UNKNOWN_PRODUCT";
	case ACTSIM_E_REALM:
		return "REALM_DAMAGED";
	case ACTSIM_E_IO:
		return "IO_ERROR";
	case ACTSIM_E_NO_LAB:
		return "NO_LAB";
	case ACTSIM_E_LAB_EXISTS:
		return "LAB_EXISTS";
	case ACTSIM_E_DB:
		return "DATABASE_ERROR";
	case ACTSIM_E_TOO_BIG:
		return "TOO_BIG";
	case ACTSIM_E_LAB_VERSION:
		return "LAB_TOO_NEW";
	case ACTSIM_E_PERMISSION:
		return "INSECURE_PERMISSIONS";
	case ACTSIM_E_MALFORMED_ID:
		return "MALFORMED_INSTALLATION_ID";
	case ACTSIM_E_INVALID_IID:
		return "INVALID_INSTALLATION_ID";
	case ACTSIM_E_NOT_FOUND:
		return "NO_SUCH_MACHINE";
	case ACTSIM_E_EXISTS:
		return "MACHINE_EXISTS";
	case ACTSIM_E_LAB_BUSY:
		return "LAB_BUSY";
	case ACTSIM_E_LAB_DAMAGED:
		return "LAB_DAMAGED";
	case ACTSIM_E_DB_UNAVAILABLE:
		return "DATABASE_UNAVAILABLE";
	default:
		return "INTERNAL";
	}
}

int cli_lib_error(struct cli_result *res, actsim_err e, const char *detail)
{
	cli_error(res, cli_exit_for(e), cli_code_for(e), "%s",
		  detail != NULL ? detail : actsim_strerror(e));
	return res->status;
}

void cli_result_release(struct cli_result *res)
{
	json_decref(res->doc);
	if (res->stream.free != NULL)
		res->stream.free(res->stream.data);
	memset(res, 0, sizeof *res);
}

json_t *cli_result_doc(struct cli_result *res)
{
	if (res->doc == NULL && res->stream.build != NULL)
		res->doc = res->stream.build(res->stream.data);
	return res->doc;
}

void cli_getopt_reset(void)
{
	optind = 0; /* glibc: 0 also resets its internal state */
	opterr = 0;
}

char *cli_country_code(char *code)
{
	for (char *p = code; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return code;
}

bool cli_close_written(FILE *f)
{
	struct stat st;
	bool ok = fflush(f) == 0 && !ferror(f);

	if (ok && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		ok = fsync(fileno(f)) == 0;
	return fclose(f) == 0 && ok;
}

void cli_span_text(int64_t secs, char *out, size_t cap)
{
	static const struct {
		char unit;
		int64_t secs;
	} units[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	size_t len = 0;

	snprintf(out, cap, "0s");
	for (size_t i = 0; i < 4 && secs > 0 && len + 24 < cap; i++) {
		if (secs >= units[i].secs) {
			len += (size_t)snprintf(out + len, cap - len, "%lld%c",
						(long long)(secs /
							    units[i].secs),
						units[i].unit);
			secs %= units[i].secs;
		}
	}
}

int cli_render(const struct cli_ctx *ctx, const struct cli_result *res,
	       FILE *out, FILE *err)
{
	json_t *e = json_object_get(res->doc, "error");

	if (res->doc == NULL && res->stream.write != NULL) {
		res->stream.write(res->stream.data, out,
				  ctx->json || res->force_json);
	} else if (ctx->json || res->force_json) {
		if (res->doc != NULL) {
			json_dumpf(res->doc, out,
				   JSON_INDENT(2) | JSON_PRESERVE_ORDER |
					   JSON_REAL_PRECISION(10));
			fputc('\n', out);
		}
	} else if (json_is_object(e)) {
		const char *hint = json_string_value(json_object_get(e, "hint"));

		fprintf(err, "actsim: %s\n",
			json_string_value(json_object_get(e, "message")));
		if (hint != NULL)
			fprintf(err, "%s\n", hint);
	} else if (res->text != NULL) {
		res->text(res->doc, out);
	} else if (res->doc != NULL) {
		json_dumpf(res->doc, out,
			   JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				   JSON_REAL_PRECISION(10));
		fputc('\n', out);
	}
	return res->status;
}

void cli_print_fields(const json_t *doc, const char *const *names, size_t n,
		      FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_object_get(doc, names[i]);
		char *s;

		if (v == NULL)
			continue;
		if (json_is_string(v)) {
			fprintf(out, "%-16s %s\n", names[i],
				json_string_value(v));
			continue;
		}
		s = json_is_null(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
		fprintf(out, "%-16s %s\n", names[i], s != NULL ? s : "-");
		free(s);
	}
}

const char *cli_default_database(void)
{
	const char *v = getenv("ACTSIM_DATABASE");

	return v != NULL && v[0] != '\0' ? v : NULL;
}
