/* actsim admin ...: the clearinghouse's admin routes from the command
 * line, with the lab's token, against the running server. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_lazy.h"
#include <openssl/crypto.h>

#include "actsim/time.h"
#include "cli.h"
#include "http_client.h"
#include "../common/banned.h"

/* Long options without a letter of their own. */
enum { OPT_STEP = 1000, OPT_EVERY };

struct admin_opts {
	const char *url;
	bool insecure;
};

static int server_call(struct cli_ctx *ctx, const struct admin_opts *o,
		       const char *method, const char *path, json_t *body,
		       bool admin, struct cli_result *res);

/* Calls an admin route with the lab's token. */
static int admin_call(struct cli_ctx *ctx, const struct admin_opts *o,
		      const char *method, const char *path, json_t *body,
		      struct cli_result *res)
{
	return server_call(ctx, o, method, path, body, true, res);
}

static int no_server(struct cli_ctx *ctx, struct cli_result *res)
{
	cli_error(res, CLI_ENV, "NO_SERVER",
		  "no clearinghouse is running for lab '%s' (start one with "
		  "'actsim server')",
		  ctx->lab_dir);
	return CLI_ENV;
}

/* Calls the server and turns its answer into the result. */
static int server_call(struct cli_ctx *ctx, const struct admin_opts *o,
		       const char *method, const char *path, json_t *body,
		       bool admin, struct cli_result *res)
{
	struct actsim_lab *lab;
	struct http_call call;
	char base[512], url[1200], ca[4200], token[ACTSIM_ADMIN_TOKEN_HEX];
	char *text = NULL;
	json_t *doc;
	actsim_err e;
	int rc;

	token[0] = '\0';
	if (admin) {
		rc = cli_open_lab(ctx, false, &lab, res);
		if (rc != 0) {
			json_decref(body);
			return rc;
		}
		e = actsim_lab_admin_token(lab, token);
		cli_close_lab(ctx, lab);
		if (e != ACTSIM_OK) {
			json_decref(body);
			return cli_lib_error(res, e,
					     "cannot read the admin token");
		}
	}
	if (o->url != NULL)
		snprintf(base, sizeof base, "%s", o->url);
	else if (!http_lab_url(ctx->lab_dir, base, sizeof base)) {
		json_decref(body);
		return no_server(ctx, res);
	}
	http_url(url, sizeof url, base, path);
	snprintf(ca, sizeof ca, "%s/tls/ca.pem", ctx->lab_dir);
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	memset(&call, 0, sizeof call);
	call.method = method;
	call.url = url;
	call.body = text;
	call.ca_file = ca;
	call.bearer = admin ? token : NULL;
	call.insecure = o->insecure;
	call.timeout_ms = 10000;
	http_call(&call);
	OPENSSL_cleanse(token, sizeof token);
	free(text);
	if (call.status == 0 && o->url == NULL &&
	    http_failure_of(&call) == HTTP_NOT_LISTENING)
		return no_server(ctx, res);
	if (call.status == 0 && http_failure_of(&call) == HTTP_WRONG_SERVER) {
		cli_error(res, CLI_ENV, "WRONG_SERVER",
			  "the server at %s is not this lab's clearinghouse",
			  base);
		return CLI_ENV;
	}
	if (call.status == 0) {
		cli_error(res, CLI_ENV, "SERVER_UNREACHABLE",
			  "cannot reach the clearinghouse at %s: %s", base,
			  call.error);
		return CLI_ENV;
	}
	doc = json_loads(call.response, 0, NULL);
	free(call.response);
	if (doc == NULL) {
		cli_error(res, CLI_ENV, "BAD_RESPONSE",
			  "the server answered %ld without JSON", call.status);
		return CLI_ENV;
	}
	if (call.status >= 200 && call.status < 300) {
		res->doc = doc;
		return CLI_OK;
	}
	res->doc = doc;
	res->status = call.status >= 500 || call.status == 401 ? CLI_ENV :
		      call.status == 400 || call.status == 413 ? CLI_USAGE :
								   CLI_NEGATIVE;
	return res->status;
}

/* A member as text, "-" when missing or null. */
static const char *str_of(const json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));

	return v != NULL ? v : "-";
}

/* A duration in milliseconds, rounded: "0.412 ms", "85.2 ms", "1.003 s". */
static void ms_text(double ms, char *out, size_t cap)
{
	if (ms < 10.0)
		snprintf(out, cap, "%.3f ms", ms);
	else if (ms < 1000.0)
		snprintf(out, cap, "%.1f ms", ms);
	else
		snprintf(out, cap, "%.3f s", ms / 1000.0);
}

static void block_text(const json_t *doc, FILE *out)
{
	fprintf(out, "%s: %s.\n", str_of(doc, "product_key"),
		json_is_true(json_object_get(doc, "blocked")) ? "blocked" :
								 "unblocked");
}

static void faults_text(const json_t *doc, FILE *out)
{
	const json_t *list = json_object_get(doc, "faults"), *f;
	size_t i;

	if (json_array_size(list) == 0) {
		fputs("No faults are set.\n", out);
		return;
	}
	fprintf(out, "%-24s %-6s %-9s %6s %7s %7s  %s\n", "ROUTE", "METHOD",
		"KIND", "PROB", "SEEN", "FIRED", "DETAIL");
	json_array_foreach(list, i, f) {
		char detail[160] = "", d[32];
		const json_t *v;
		int len;

		if ((v = json_object_get(f, "status")) != NULL)
			snprintf(detail, sizeof detail, "status %lld %s",
				 (long long)json_integer_value(v),
				 str_of(f, "code"));
		else if ((v = json_object_get(f, "delay_ms")) != NULL) {
			const json_t *j = json_object_get(f, "jitter_ms");
			char jd[32];

			ms_text((double)json_integer_value(v), d, sizeof d);
			ms_text((double)json_integer_value(j), jd, sizeof jd);
			snprintf(detail, sizeof detail, "delay %s%s%s", d,
				 json_integer_value(j) > 0 ? " + up to " : "",
				 json_integer_value(j) > 0 ? jd : "");
		} else if ((v = json_object_get(f, "hold_ms")) != NULL) {
			ms_text((double)json_integer_value(v), d, sizeof d);
			snprintf(detail, sizeof detail, "hold %s", d);
		} else if ((v = json_object_get(f, "bytes")) != NULL)
			snprintf(detail, sizeof detail, "%lld bytes",
				 (long long)json_integer_value(v));
		else if ((v = json_object_get(f, "rate")) != NULL)
			snprintf(detail, sizeof detail, "%lld B/s",
				 (long long)json_integer_value(v));
		else if ((v = json_object_get(f, "retry_after")) != NULL)
			snprintf(detail, sizeof detail, "retry after %lld s",
				 (long long)json_integer_value(v));
		len = fprintf(out, "%-24.24s %-6.6s %-9.9s %6.2f %7lld %7lld",
			      str_of(f, "route"), str_of(f, "method"),
			      str_of(f, "kind"),
			      json_number_value(
				      json_object_get(f, "probability")),
			      (long long)json_integer_value(
				      json_object_get(f, "seen")),
			      (long long)json_integer_value(
				      json_object_get(f, "fired")));
		/* a detail too long for the line goes on its own, indented */
		if (detail[0] == '\0')
			fputc('\n', out);
		else if (len + 2 + (int)strlen(detail) <= 80)
			fprintf(out, "  %s\n", detail);
		else
			fprintf(out, "\n%*s%s\n", 4, "", detail);
	}
}

static void reset_text(const json_t *doc, FILE *out)
{
	(void)doc;
	fputs("The clearinghouse's records are reset.\n", out);
}

static void activations_text(const json_t *doc, FILE *out)
{
	const json_t *list = json_object_get(doc, "activations"), *a;
	size_t i;

	if (json_array_size(list) == 0) {
		fputs("No activations.\n", out);
		return;
	}
	/* lab time to the minute, so that a row fits 80 columns (--json has
	 * it whole) */
	fprintf(out, "%-16s %-29s %-23s %s\n", "AT", "PRODUCT KEY",
		"PRODUCT ID", "KIND");
	json_array_foreach(list, i, a) {
		const char *at = str_of(a, "at");

		fprintf(out, "%-10.10s %-5.5s %-29.29s %-23.23s %.8s\n", at,
			strlen(at) > 11 ? at + 11 : "", str_of(a, "product_key"),
			str_of(a, "product_id"), str_of(a, "kind"));
	}
}

static void clock_text(const json_t *doc, FILE *out)
{
	const json_t *run = json_object_get(doc, "clock_run");

	if (json_object_get(doc, "now") != NULL)
		fprintf(out, "Lab time: %s\n", str_of(doc, "now"));
	if (json_is_object(run)) {
		long long every = (long long)json_integer_value(
			json_object_get(run, "every_ms"));
		char step[64], interval[64];

		cli_span_text(json_integer_value(
				      json_object_get(run, "step_seconds")),
			      step, sizeof step);
		if (every % 1000 == 0)
			cli_span_text(every / 1000, interval, sizeof interval);
		else
			snprintf(interval, sizeof interval, "%lldms", every);
		fprintf(out, "The clock runs: +%s every %s.\n", step,
			interval);
	}
	else if (run != NULL)
		fputs("The clock is stopped.\n", out);
}

static void requests_text(const json_t *doc, FILE *out)
{
	const json_t *list = json_object_get(doc, "requests"), *r;
	size_t i;

	if (json_array_size(list) == 0) {
		fputs("No requests logged.\n", out);
		return;
	}
	/* the route last and whole: a long one runs past column 80 rather
	 * than being cut */
	fprintf(out, "%-20s %-8s %-7s %3s %8s %-8s %s\n", "LAB TIME", "WALL",
		"METHOD", "ST", "LATENCY", "FAULT", "ROUTE");
	json_array_foreach(list, i, r) {
		char lat[32];
		const char *wall = str_of(r, "wall_at");

		/* The wall time of day (UTC); the date is in --json. */
		if (strlen(wall) == 20)
			wall += 11;

		ms_text(json_number_value(json_object_get(r, "latency_ms")),
			lat, sizeof lat);
		fprintf(out, "%-20.20s %-8.8s %-7.7s %3lld %8s %-8.8s %s\n",
			str_of(r, "at"), wall, str_of(r, "method"),
			(long long)json_integer_value(
				json_object_get(r, "status")),
			lat, str_of(r, "fault"), str_of(r, "route"));
	}
}

/* Percent-encodes a key for a path or query. */
static void encode(CURL *h, const char *in, char *out, size_t cap)
{
	char *e = curl_easy_escape(h, in, 0);

	snprintf(out, cap, "%s", e != NULL ? e : "");
	curl_free(e);
}

/* The numeric options of `admin faults set` and the members of the PUT
 * body they fill. */
static const struct {
	int c;
	const char *name, *member;
	bool duration;
	unsigned long long min, max;
} nums[] = {
	{ 'S', "--seed", "seed", false, 0, 0xffffffffffffULL },
	{ 'c', "--count", "count", false, 1, 1000000000ULL },
	{ 'a', "--after", "after", false, 0, 1000000000ULL },
	{ 's', "--status", "status", false, 400, 599 },
	{ 'D', "--delay", "delay_ms", true, 1, 60000 },
	{ 'J', "--jitter", "jitter_ms", true, 0, 60000 },
	{ 'H', "--hold", "hold_ms", true, 1, 600000 },
	{ 'b', "--bytes", "bytes", false, 0, 65536 },
	{ 'r', "--rate", "rate", false, 1, 1000000 },
	{ 'y', "--retry-after", "retry_after", true, 1000, 86400000 },
};

/* The server names the members of what the CLI sent ("a slow fault needs
 * 'rate'"): a person typed options, so its refusal names those. */
static void name_options(struct cli_result *res)
{
	static const char *const words[][2] = {
		{ "route", "--route" }, { "kind", "--kind" },
		{ "method", "--method" }, { "probability", "--probability" },
		{ "code", "--code" }, { "step", "--step" },
		{ "every", "--every" },
	};
	json_t *e = json_object_get(res->doc, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	char out[1024], quoted[48];
	size_t len = 0;

	if (msg == NULL)
		return;
	while (*msg != '\0' && len < sizeof out - 48) {
		const char *to = NULL;
		size_t n = 0;

		for (size_t i = 0; to == NULL && i < sizeof words / sizeof words[0];
		     i++) {
			n = (size_t)snprintf(quoted, sizeof quoted, "'%s'",
					     words[i][0]);
			if (strncmp(msg, quoted, n) == 0)
				to = words[i][1];
		}
		for (size_t i = 0; to == NULL && i < sizeof nums / sizeof nums[0];
		     i++) {
			n = (size_t)snprintf(quoted, sizeof quoted, "'%s'",
					     nums[i].member);
			if (strncmp(msg, quoted, n) == 0)
				to = nums[i].name;
		}
		if (to != NULL) {
			len += (size_t)snprintf(out + len, sizeof out - len,
						"'%s'", to);
			msg += n;
		} else {
			out[len++] = *msg++;
		}
	}
	out[len] = '\0';
	json_object_set_new(e, "message", json_string(out));
}

/* One numeric option of `admin faults set` into the PUT body: 0 done,
 * -1 not such an option, else the usage status. */
static int fault_option(struct cli_result *res, json_t *body, int c,
			const char *arg)
{
	unsigned long long v;

	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		if (nums[i].c != c)
			continue;
		if (nums[i].duration ?
			    !cli_parse_ms(arg, nums[i].min, nums[i].max, &v) :
			    !cli_parse_u64(arg, nums[i].min, nums[i].max, &v)) {
			if (nums[i].duration)
				return cli_usage(res, "admin",
						 "%s takes a duration such as "
						 "500ms, 2s or 1m (up to "
						 "%llus), not '%s'",
						 nums[i].name,
						 nums[i].max / 1000, arg);
			return cli_usage(res, "admin",
					 "%s takes %llu to %llu, not '%s'",
					 nums[i].name, nums[i].min,
					 nums[i].max, arg);
		}
		/* Retry-After is whole seconds. */
		if (c == 'y')
			v = (v + 999) / 1000;
		json_object_set_new(body, nums[i].member,
				    json_integer((json_int_t)v));
		return 0;
	}
	return -1;
}

int cmd_admin(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "reason", required_argument, NULL, 'R' },
		{ "key", required_argument, NULL, 'K' },
		{ "product-id", required_argument, NULL, 'P' },
		{ "route", required_argument, NULL, 'o' },
		{ "method", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'd' },
		{ "probability", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'S' },
		{ "count", required_argument, NULL, 'c' },
		{ "after", required_argument, NULL, 'a' },
		{ "status", required_argument, NULL, 's' },
		{ "code", required_argument, NULL, 'C' },
		{ "delay", required_argument, NULL, 'D' },
		{ "jitter", required_argument, NULL, 'J' },
		{ "hold", required_argument, NULL, 'H' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "retry-after", required_argument, NULL, 'y' },
		{ "limit", required_argument, NULL, 'n' },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "every", required_argument, NULL, OPT_EVERY },
		{ NULL, 0, NULL, 0 },
	};
	const char *step = NULL, *every = NULL;
	struct admin_opts o = { NULL, false };
	const char *reason = NULL, *key = NULL, *pid = NULL, *route = NULL,
		   *kind = NULL;
	unsigned long long limit = 100;
	double probability;
	char path[600], enc[400];
	const char *sub = argc >= 2 ? argv[1] : "";
	const char *sub2 = argc >= 3 ? argv[2] : "";
	json_t *fault = json_object();
	int c, rc, npos;
	CURL *h;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'u':
			o.url = optarg;
			break;
		case 'k':
			o.insecure = true;
			break;
		case 'R':
			reason = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'P':
			pid = optarg;
			break;
		case 'o':
			route = optarg;
			break;
		case 'd':
			kind = optarg;
			break;
		case 'm':
			json_object_set_new(fault, "method",
					    json_string(optarg));
			break;
		case 'C':
			json_object_set_new(fault, "code", json_string(optarg));
			break;
		case 'p':
			probability = strtod(optarg, &end);
			if (*end != '\0' || !(probability > 0) ||
			    probability > 1) {
				json_decref(fault);
				return cli_usage(res, "admin",
						 "--probability takes a number "
						 "in (0, 1], not '%s'",
						 optarg);
			}
			json_object_set_new(fault, "probability",
					    json_real(probability));
			break;
		case OPT_STEP:
			step = optarg;
			break;
		case OPT_EVERY:
			every = optarg;
			break;
		case 'n':
			if (!cli_parse_u64(optarg, 1, 1000, &limit)) {
				json_decref(fault);
				return cli_usage(res, "admin",
						 "--limit takes 1 to 1000");
			}
			break;
		default:
			rc = fault_option(res, fault, c, optarg);
			if (rc > 0) {
				json_decref(fault);
				return rc;
			}
			if (rc < 0) {
				json_decref(fault);
				return cli_usage(res, "admin",
						 "admin: unknown or incomplete "
						 "option '%s'",
						 argv[optind - 1]);
			}
			break;
		}
	}
	/* getopt moved the operands to the end: argv[optind..]. */
	npos = argc - optind;
	sub = npos >= 1 ? argv[optind] : "";
	sub2 = npos >= 2 ? argv[optind + 1] : "";
	if (o.url != NULL && strncmp(o.url, "https://", 8) != 0) {
		json_decref(fault);
		return cli_usage(res, "admin", "--url must be an https:// URL");
	}
	h = curl_easy_init();
	if (h == NULL) {
		json_decref(fault);
		return cli_lib_error(res, ACTSIM_E_NOMEM, NULL);
	}
	rc = -1;
	if (strcmp(sub, "block") == 0 && npos == 2) {
		rc = admin_call(ctx, &o, "POST", "/v1/admin/blocks",
				json_pack("{s:s,s:s}", "product_key", sub2,
					  "reason", reason ? reason : ""),
				res);
	} else if (strcmp(sub, "unblock") == 0 && npos == 2) {
		encode(h, sub2, enc, sizeof enc);
		snprintf(path, sizeof path, "/v1/admin/blocks/%s", enc);
		rc = admin_call(ctx, &o, "DELETE", path, NULL, res);
	} else if (strcmp(sub, "faults") == 0 && npos == 2 &&
		   strcmp(sub2, "set") == 0) {
		if (route == NULL || kind == NULL) {
			rc = cli_usage(res, "admin",
				       "admin faults set needs --route and "
				       "--kind");
		} else {
			json_object_set_new(fault, "route", json_string(route));
			json_object_set_new(fault, "kind", json_string(kind));
			rc = admin_call(ctx, &o, "PUT", "/v1/admin/faults",
					json_incref(fault), res);
			if (rc == CLI_USAGE && !ctx->json)
				name_options(res);
		}
	} else if (strcmp(sub, "faults") == 0 && npos >= 2 && npos <= 3 &&
		   strcmp(sub2, "clear") == 0) {
		if (npos == 3) {
			encode(h, argv[optind + 2], enc, sizeof enc);
			snprintf(path, sizeof path,
				 "/v1/admin/faults?route=%s", enc);
		} else {
			snprintf(path, sizeof path, "/v1/admin/faults");
		}
		rc = admin_call(ctx, &o, "DELETE", path, NULL, res);
	} else if (strcmp(sub, "faults") == 0 && npos == 2 &&
		   strcmp(sub2, "list") == 0) {
		rc = admin_call(ctx, &o, "GET", "/v1/admin/faults", NULL, res);
	} else if (strcmp(sub, "reset") == 0 && npos == 1) {
		rc = admin_call(ctx, &o, "POST", "/v1/admin/reset", NULL, res);
	} else if (strcmp(sub, "activations") == 0 && npos == 1 &&
		   key != NULL && pid != NULL) {
		rc = cli_usage(res, "admin",
			       "admin activations takes --key or --product-id, "
			       "not both");
	} else if (strcmp(sub, "activations") == 0 && npos == 1) {
		if (key != NULL) {
			encode(h, key, enc, sizeof enc);
			snprintf(path, sizeof path,
				 "/v1/admin/activations?product_key=%s", enc);
		} else if (pid != NULL) {
			encode(h, pid, enc, sizeof enc);
			snprintf(path, sizeof path,
				 "/v1/admin/activations?product_id=%s", enc);
		} else {
			snprintf(path, sizeof path, "/v1/admin/activations");
		}
		rc = admin_call(ctx, &o, "GET", path, NULL, res);
	} else if (strcmp(sub, "clock") == 0 &&
		   (npos == 1 || (npos == 2 && strcmp(sub2, "show") == 0))) {
		rc = admin_call(ctx, &o, "GET", "/v1/admin/clock", NULL, res);
	} else if (strcmp(sub, "clock") == 0 && npos == 2 &&
		   strcmp(sub2, "run") == 0) {
		int64_t secs;

		if (step == NULL ||
		    actsim_duration_parse(step, &secs) != ACTSIM_OK ||
		    (every != NULL &&
		     actsim_duration_parse(every, &secs) != ACTSIM_OK))
			rc = cli_usage(res, "admin",
				       "admin clock run needs --step DURATION "
				       "(such as 1d) and takes --every "
				       "DURATION (1s to 1h, default 1s)");
		else
			rc = admin_call(ctx, &o, "PUT", "/v1/admin/clock/run",
					json_pack("{s:s,s:s}", "step", step,
						  "every",
						  every ? every : "1s"),
					res);
		if (rc == CLI_USAGE && !ctx->json)
			name_options(res);
	} else if (strcmp(sub, "clock") == 0 && npos == 2 &&
		   strcmp(sub2, "stop") == 0) {
		rc = admin_call(ctx, &o, "DELETE", "/v1/admin/clock/run", NULL,
				res);
	} else if (strcmp(sub, "requests") == 0 && npos == 1) {
		snprintf(path, sizeof path, "/v1/admin/requests?limit=%llu",
			 limit);
		rc = admin_call(ctx, &o, "GET", path, NULL, res);
	}
	if (rc == CLI_OK)
		res->text = strcmp(sub, "block") == 0 ||
					    strcmp(sub, "unblock") == 0 ?
				    block_text :
			    strcmp(sub, "faults") == 0 ? faults_text :
			    strcmp(sub, "reset") == 0	? reset_text :
			    strcmp(sub, "activations") == 0 ? activations_text :
			    strcmp(sub, "clock") == 0 ? clock_text :
							  requests_text;
	json_decref(fault);
	curl_easy_cleanup(h);
	if (rc < 0)
		return cli_usage(res, "admin",
				 "admin needs block KEY, unblock KEY, faults "
				 "set|clear [ROUTE]|list, clock [run|stop], "
				 "reset, activations or requests");
	return rc;
}

/* actsim register PRODUCT_ID [--name N] [--email E] [--organization O]:
 * the optional registration, separate from activation. */
int cmd_register(struct cli_ctx *ctx, int argc, char **argv,
		 struct cli_result *res)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "email", required_argument, NULL, 'e' },
		{ "organization", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin_opts o = { NULL, false };
	const char *name = NULL, *email = NULL, *org = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			o.url = optarg;
			break;
		case 'k':
			o.insecure = true;
			break;
		case 'n':
			name = optarg;
			break;
		case 'e':
			email = optarg;
			break;
		case 'o':
			org = optarg;
			break;
		default:
			return cli_usage(res, "register",
					 "register: unknown or incomplete "
					 "option '%s'",
					 argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage(res, "register", "register needs PRODUCT_ID");
	if (o.url != NULL && strncmp(o.url, "https://", 8) != 0)
		return cli_usage(res, "register",
				 "--url must be an https:// URL");
	return server_call(ctx, &o, "POST", "/v1/registrations",
			   json_pack("{s:s,s:s?,s:s?,s:s?}", "product_id",
				     argv[optind], "name", name, "email", email,
				     "organization", org),
			   false, res);
}
