/* actsim server: the HTTPS clearinghouse in the foreground. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "server_lazy.h"
#include "../common/banned.h"

static void routes_text(const json_t *doc, FILE *out)
{
	size_t i;
	json_t *r;

	json_array_foreach(json_object_get(doc, "routes"), i, r)
		fprintf(out, "%-7s %s%s\n",
			json_string_value(json_object_get(r, "method")),
			json_string_value(json_object_get(r, "path")),
			json_is_true(json_object_get(r, "admin")) ? "  (admin)" :
								    "");
}

/* The route table as data: docs and tests compare it with openapi.yaml. */
static int list_routes(const struct server_plugin *p,
		       struct cli_result *res)
{
	json_t *list = json_array();

	for (const struct api_route *r = p->routes; r->path != NULL; r++)
		json_array_append_new(
			list, json_pack("{s:s,s:s,s:b,s:I}", "method",
					r->method_name, "path", r->path,
					"admin", (r->flags & API_ADMIN) != 0,
					"max_body",
					(json_int_t)(r->max_body ?
							     r->max_body :
							     API_MAX_BODY_DEFAULT)));
	res->doc = json_pack("{s:o}", "routes", list);
	res->text = routes_text;
	return CLI_OK;
}

static void stopped_text(const json_t *doc, FILE *out)
{
	(void)doc;
	(void)out; /* the server said so on stderr */
}

int cmd_server(struct cli_ctx *ctx, int argc, char **argv,
	       struct cli_result *res)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "routes", no_argument, NULL, 'r' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "request-log-max", required_argument, NULL, 'g' },
		{ "write-queue-max", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_opts o;
	const struct server_plugin *p;
	bool routes = false;
	unsigned long long threads = 0, max_conns = 0, timeout = 0,
			   log_max = 0, queue_max = 0;
	char err[1024] = "";
	int c, status;

	memset(&o, 0, sizeof o);
	o.lab_dir = ctx->lab_dir;
	o.catalog_path = ctx->catalog_path;
	o.listen = "127.0.0.1:8443";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case 't':
			if (!cli_parse_u64(optarg, 1, 32, &threads))
				return cli_usage(res, "server",
						 "--threads takes 1 to 32, not "
						 "'%s'",
						 optarg);
			break;
		case 'm':
			if (!cli_parse_u64(optarg, 1, 100000, &max_conns))
				return cli_usage(res, "server",
						 "--max-connections takes 1 to "
						 "100000, not '%s'",
						 optarg);
			break;
		case 'o':
			if (!cli_parse_u64(optarg, 1, 3600, &timeout))
				return cli_usage(res, "server",
						 "--timeout takes 1 to 3600 "
						 "seconds, not '%s'",
						 optarg);
			break;
		case 'g':
			if (!cli_parse_u64(optarg, 1, 1000000000, &log_max))
				return cli_usage(res, "server",
						 "--request-log-max takes 1 to "
						 "1000000000 rows, not '%s'",
						 optarg);
			break;
		case 'w':
			if (!cli_parse_u64(optarg, 1, 65536, &queue_max))
				return cli_usage(res, "server",
						 "--write-queue-max takes 1 to "
						 "65536, not '%s'",
						 optarg);
			break;
		case 'c':
			o.cert_file = optarg;
			break;
		case 'k':
			o.key_file = optarg;
			break;
		case 'r':
			routes = true;
			break;
		default:
			return cli_usage(res, "server",
					 "server: unknown or incomplete option "
					 "'%s'",
					 argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage(res, "server", "server: unexpected argument "
						"'%s'",
				 argv[optind]);
	if ((o.cert_file == NULL) != (o.key_file == NULL))
		return cli_usage(res, "server", "--cert and --key go together");
	p = server_lazy_load(err, sizeof err);
	if (p == NULL) {
		cli_error(res, CLI_ENV, "SERVER_FAILED", "%s", err);
		return CLI_ENV;
	}
	if (routes)
		return list_routes(p, res);
	o.threads = (unsigned)threads;
	o.max_connections = (unsigned)max_conns;
	o.timeout = (unsigned)timeout;
	o.request_log_max = log_max;
	o.write_queue_max = (unsigned)queue_max;
	status = p->run(&o, err, sizeof err);
	if (status == 2)
		return cli_usage(res, "server", "%s", err);
	if (status != 0) {
		cli_error(res, status, "SERVER_FAILED", "%s", err);
		return status;
	}
	res->doc = json_pack("{s:b}", "stopped", 1);
	res->text = stopped_text;
	res->status = 0;
	return 0;
}
