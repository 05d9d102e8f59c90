/* The command table, dispatch, and the help and version commands. The
 * scenario runner and the fuzzers use these without main(). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../common/banned.h"

const char cli_global_usage[] =
	"usage: actsim [--lab DIR] [--catalog FILE] [--json] COMMAND [ARGS]";

const struct cli_command cli_commands[] = {
	{ "help", cmd_help, "actsim help [COMMAND]",
	  "show the commands, or one command's usage" },
	{ "version", cmd_version, "actsim version", "print the version" },
	{ "catalog", cmd_catalog, "actsim catalog",
	  "print the product catalog (SKUs, channels, key configurations)" },
	{ "lab", cmd_lab,
	  "actsim lab init [--seed N] [--force] [--catalog FILE]\n"
	  "   or: actsim lab show\n"
	  "   or: actsim lab export --public FILE",
	  "create a lab and its realm, show it, export its public part" },
	{ "key", cmd_key,
	  "actsim key gen --sku SKU --channel CH --platform PL [--r2] "
	  "[--upgrade]\n"
	  "               [--count N] [--seed N] [--threads N] "
	  "[--format text|json|csv]\n"
	  "   or: actsim key check KEY [--sku SKU --channel CH "
	  "--platform PL [--r2]]\n"
	  "   or: actsim key decode KEY",
	  "generate, check and decode product keys" },
	{ "clock", cmd_clock,
	  "actsim clock show\n"
	  "   or: actsim clock set TIME|now\n"
	  "   or: actsim clock advance DURATION   (90m, 4h, 29d, 1d12h, 2w)",
	  "show, set or advance the lab clock" },
	{ "hw", cmd_hw,
	  "actsim hw hash PROFILE\n"
	  "   or: actsim hw compare BASE NEW      (profiles or 16-hex hashes)",
	  "hardware hashes and tolerance voting" },
	{ "machine", cmd_machine,
	  "actsim machine create NAME --key KEY --hw PROFILE [--lang LANG] "
	  "[--country CC]\n"
	  "               [--os 2000|2003|2008] [--sp N] [--r2] "
	  "[--app NAME[:VERSION]]...\n"
	  "      apps: exchange:2000|2003|2007|2007sp1 powershell ie:6|7 "
	  "cluster\n"
	  "            domain-controller adc:2000 driver:NAME "
	  "hotfix:KBnnnnnn[-v2]\n"
	  "   or: actsim machine list [--state STATE] "
	  "[--expiring-within DURATION]\n"
	  "                           [--sort name|deadline]\n"
	  "   or: actsim machine show NAME | delete NAME\n"
	  "   or: actsim machine logon NAME [--remote]\n"
	  "   or: actsim machine hw NAME --profile PROFILE | --replace "
	  "FIELD[,FIELD...]\n"
	  "   or: actsim machine iid NAME\n"
	  "   or: actsim machine activate NAME --local | --cid CID |\n"
	  "                               --online [--url URL] [--insecure]\n"
	  "   or: actsim machine servicing NAME --sp 2 [--slipstream]\n"
	  "   or: actsim machine updates NAME [--hide sp2]",
	  "simulated servers: install, log on, change hardware, activate" },
	{ "iid", cmd_iid, "actsim iid decode IID",
	  "decode an installation ID" },
	{ "cid", cmd_cid,
	  "actsim cid issue IID\n"
	  "   or: actsim cid verify IID CID",
	  "issue (lab clearinghouse) or verify a confirmation ID" },
	{ "phone", cmd_phone,
	  "actsim phone [--batch] [--country CC]\n"
	  "   or: actsim phone --iid IID [--single-computer yes|no] "
	  "[--country CC]",
	  "activate by telephone: the operator dialogue" },
	{ "admin", cmd_admin,
	  "actsim admin block KEY [--reason TEXT] | unblock KEY\n"
	  "   or: actsim admin faults set --route PATH --kind "
	  "error|latency|reset|timeout\n"
	  "                    [--probability P] [--status N] "
	  "[--latency-ms N]\n"
	  "   or: actsim admin faults clear | faults list | reset\n"
	  "   or: actsim admin activations [--key KEY | --product-id PID]\n"
	  "   or: actsim admin requests [--limit N]\n"
	  "   (all take [--url URL] [--insecure]; the lab's server by "
	  "default)",
	  "the clearinghouse's admin routes, with the lab's token" },
	{ "register", cmd_register,
	  "actsim register PRODUCT_ID [--name N] [--email E] "
	  "[--organization O] [--url URL] [--insecure]",
	  "optional product registration with the clearinghouse" },
	{ "scenario", cmd_scenario,
	  "actsim scenario run FILE... [--format tap|junit|json|narrate] "
	  "[--out FILE]\n"
	  "                    [--jobs N] [--timeout DURATION] "
	  "[--keep-lab DIR [--force]]\n"
	  "   or: actsim scenario check FILE...",
	  "run scenario files as tests or a narrated demonstration" },
	{ "setup", cmd_setup,
	  "actsim setup r2 --from SKU/CHANNEL/PLATFORM/LANG/spN "
	  "--to SKU/CHANNEL/PLATFORM/LANG\n"
	  "                [--key KEY] [--r2-key-installed]\n"
	  "   or: actsim setup r2 NAME --to SKU/CHANNEL/PLATFORM/LANG "
	  "[--key KEY]",
	  "the Windows Server 2003 R2 upgrade advisor" },
	{ "hotfix-scan", cmd_hotfix_scan,
	  "actsim hotfix-scan NAME [/d] [/v] [/q] [/help | /? | /h]",
	  "the SP2 hotfix regression scan tool (log: NAME_log.txt)" },
	{ "plan", cmd_plan,
	  "actsim plan NAME --to 2000|2003|2008 [--exchange VERSION] "
	  "[--apply | --force]",
	  "Exchange and Windows upgrade planning" },
	{ "server", cmd_server,
	  "actsim server [--listen ADDR:PORT] [--threads N] "
	  "[--cert FILE --key FILE]\n"
	  "              [--max-connections N] [--timeout SECONDS]\n"
	  "   or: actsim server --routes",
	  "run the HTTPS clearinghouse (default 127.0.0.1:8443)" },
	{ NULL, NULL, NULL, NULL },
};


const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int cli_run(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res)
{
	const struct cli_command *c;

	memset(res, 0, sizeof *res);
	if (argc < 1) {
		cli_usage(res, "", "no command given");
		return res->status;
	}
	c = cli_find_command(argv[0]);
	if (c == NULL) {
		cli_usage(res, "", "unknown command '%s'", argv[0]);
		return res->status;
	}
	cli_getopt_reset();
	res->status = c->fn(ctx, argc, argv, res);
	return res->status;
}

static void help_text(const json_t *doc, FILE *out)
{
	const json_t *cmds = json_object_get(doc, "commands");
	const char *usage = json_string_value(json_object_get(doc, "usage"));
	size_t i;
	json_t *c;

	if (usage != NULL) {
		fprintf(out, "usage: %s\n", usage);
		return;
	}
	fprintf(out, "%s\n\ncommands:\n", cli_global_usage);
	json_array_foreach(cmds, i, c)
		fprintf(out, "  %-9s %s\n",
			json_string_value(json_object_get(c, "name")),
			json_string_value(json_object_get(c, "summary")));
	fprintf(out, "\nThe lab is --lab DIR, else $ACTSIM_LAB, else "
		     "$XDG_DATA_HOME/actsim/lab\n(~/.local/share/actsim/lab). "
		     "See docs/ for formats and the rules simulated.\n");
}

int cmd_help(struct cli_ctx *ctx, int argc, char **argv,
	     struct cli_result *res)
{
	const struct cli_command *c;
	json_t *list;

	(void)ctx;
	res->text = help_text;
	if (argc > 2)
		return cli_usage(res, "help", "too many arguments");
	if (argc == 2) {
		c = cli_find_command(argv[1]);
		if (c == NULL)
			return cli_usage(res, "", "unknown command '%s'",
					 argv[1]);
		res->doc = json_pack("{s:s,s:s,s:s}", "command", c->name,
				     "usage", c->usage, "summary", c->summary);
		return CLI_OK;
	}
	list = json_array();
	for (c = cli_commands; c->name != NULL; c++)
		json_array_append_new(list,
				      json_pack("{s:s,s:s,s:s}", "name",
						c->name, "summary", c->summary,
						"usage", c->usage));
	res->doc = json_pack("{s:o}", "commands", list);
	return CLI_OK;
}

static void version_text(const json_t *doc, FILE *out)
{
	fprintf(out, "actsim %s\n",
		json_string_value(json_object_get(doc, "version")));
}

int cmd_version(struct cli_ctx *ctx, int argc, char **argv,
		struct cli_result *res)
{
	(void)ctx;
	(void)argv;
	if (argc > 1)
		return cli_usage(res, "version", "too many arguments");
	res->doc = json_pack("{s:s}", "version", ACTSIM_VERSION);
	res->text = version_text;
	return CLI_OK;
}

