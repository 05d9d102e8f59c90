/* The command table, dispatch, and the help and version commands. The
 * table is the one source of the usage lines, the option descriptions and
 * the examples that --help, `actsim help`, the man page and the shell
 * completions show. The scenario runner and the fuzzers use these without
 * main(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../common/banned.h"

const char cli_global_usage[] =
	"usage: actsim [--lab DIR] [--catalog FILE] [--json] COMMAND [ARGS]";

#define END { NULL, NULL, NULL }
#define URL_OPTS                                                            \
	{ "url", "URL",                                                     \
	  "the clearinghouse to ask (default: the lab's running server, "  \
	  "from DIR/server.json)" },                                       \
	{ "insecure", NULL,                                                 \
	  "do not verify the server's certificate (default: verify it "    \
	  "against the lab's CA)" }

const struct cli_option_doc cli_global_options[] = {
	{ "lab", "DIR",
	  "the lab directory (default: $ACTSIM_LAB, else "
	  "$XDG_DATA_HOME/actsim/lab, else ~/.local/share/actsim/lab)" },
	{ "catalog", "FILE",
	  "the product catalog (default: the lab's, else the built-in one)" },
	{ "json", NULL,
	  "print one JSON document on stdout, errors included; may stand "
	  "anywhere on the line" },
	{ "help", NULL, "show help (also -h; after a command: its help)" },
	{ "version", NULL, "print the version" },
	END,
};

static const struct cli_option_doc no_options[] = { END };

static const struct cli_sub_doc help_subs[] = {
	{ NULL, "[COMMAND [SUBCOMMAND]]",
	  "show the commands, or one command's usage, options and examples",
	  "actsim help machine activate", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc version_subs[] = {
	{ NULL, "", "print the version", "actsim version", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc catalog_subs[] = {
	{ NULL, "",
	  "print the catalog: channels with grace days and activation "
	  "limits, products, countries with their telephone numbers",
	  "actsim catalog", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc lab_init_opts[] = {
	{ "seed", "N",
	  "make the same realm, byte for byte, for the same N (default: a "
	  "random realm)" },
	{ "force", NULL, "replace a lab already there (default: refuse)" },
	{ "catalog", "FILE",
	  "record this catalog for the lab (default: the built-in one)" },
	{ "database", "URI",
	  "keep the records in a new schema of this PostgreSQL database, "
	  "postgresql://USER@HOST/DB, password from PGPASSWORD or "
	  "~/.pgpass (default: $ACTSIM_DATABASE, else SQLite in DIR/lab.db)" },
	END,
};
static const struct cli_option_doc lab_migrate_opts[] = {
	{ "to", "URI|sqlite",
	  "copy the records into a new schema of this PostgreSQL database, "
	  "or back to SQLite; required" },
	END,
};
static const struct cli_option_doc lab_export_opts[] = {
	{ "public", "FILE",
	  "write the public realm to FILE ('-': stdout); required" },
	END,
};
static const struct cli_sub_doc lab_subs[] = {
	{ "init", "[--seed N] [--force] [--catalog FILE] [--database URI]",
	  "create a lab: its realm (own keys and curve) and database",
	  "actsim lab init --seed 1", lab_init_opts },
	{ "show", "", "show the lab's fingerprints and counts (no secrets)",
	  "actsim lab show", no_options },
	{ "token", "", "print the admin bearer token (a secret)",
	  "actsim lab token", no_options },
	{ "export", "--public FILE",
	  "export the public part of the realm for independent checkers",
	  "actsim lab export --public realm.json", lab_export_opts },
	{ "migrate", "--to postgresql://USER@HOST/DB | --to sqlite",
	  "copy the lab's records to the other backend in one transaction, "
	  "check the counts, and switch the lab to the copy",
	  "actsim lab migrate --to postgresql://actsim@db1/actsim",
	  lab_migrate_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

#define PRODUCT_OPTS(what, need)                                             \
	{ "sku", "SKU", what " edition: web, standard, enterprise, "         \
			"datacenter" need },                                 \
	{ "channel", "CH", what " channel: retail, msdn, evaluation, oem, "  \
			   "volume" need },                                  \
	{ "platform", "PL", what " platform: x86, x64, ia64" need },         \
	{ "r2", NULL, what " R2 edition (default: not R2)" }
static const struct cli_option_doc key_gen_opts[] = {
	PRODUCT_OPTS("the key's", "; required"),
	{ "upgrade", NULL, "set the upgrade flag (default: full product)" },
	{ "count", "N", "how many keys, 1 to 1000000 (default 1)" },
	{ "seed", "N",
	  "derive the keys from N: the same lab and N give the same keys "
	  "(default: random)" },
	{ "threads", "N", "worker threads (default: all cores)" },
	{ "format", "FMT",
	  "text (one key a line), json or csv (default text)" },
	END,
};
static const struct cli_option_doc key_check_opts[] = {
	PRODUCT_OPTS("the media's",
		     " (the three together; default: no media check)"),
	END,
};
static const struct cli_sub_doc key_subs[] = {
	{ "gen",
	  "--sku SKU --channel CH --platform PL [--r2] [--upgrade] "
	  "[--count N] [--seed N] [--threads N] [--format text|json|csv]",
	  "generate product keys and record them in the lab",
	  "actsim key gen --sku standard --channel retail --platform x86",
	  key_gen_opts },
	{ "check", "KEY [--sku SKU --channel CH --platform PL [--r2]]",
	  "check a key; with the media given, as Setup would",
	  "actsim key check BCDFG-HJKMP-QRTVW-XY234-6789B --sku standard "
	  "--channel retail --platform x86",
	  key_check_opts },
	{ "decode", "KEY", "show every field of a key and its signature",
	  "actsim key decode BCDFG-HJKMP-QRTVW-XY234-6789B", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc clock_set_opts[] = {
	{ "backwards", NULL,
	  "allow a time before the lab's current time (default: refuse); "
	  "deadlines already counted keep their dates" },
	END,
};
static const struct cli_sub_doc clock_subs[] = {
	{ "show", "", "show the lab clock", "actsim clock show",
	  no_options },
	{ "set", "TIME|now [--backwards]",
	  "set the lab clock (RFC 3339 time or date; 'now': the real clock)",
	  "actsim clock set 2026-03-01T12:00:00Z", clock_set_opts },
	{ "advance", "DURATION",
	  "move the lab clock on (units w d h m s: 90m, 4h, 29d, 1d12h)",
	  "actsim clock advance 29d", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc hw_subs[] = {
	{ "hash", "PROFILE",
	  "the 64-bit hardware hash of a profile file ('-': stdin)",
	  "actsim hw hash fixtures/hardware/pe2850.json", no_options },
	{ "compare", "BASE NEW",
	  "vote NEW against BASE (profiles or 16-hex-digit hashes)",
	  "actsim hw compare old.json new.json", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc machine_create_opts[] = {
	{ "key", "KEY", "the product key to install with; required" },
	{ "hw", "PROFILE", "the hardware profile file; required" },
	{ "lang", "LANG", "the installation's language (default en)" },
	{ "country", "CC",
	  "the country, for its activation telephone number (default: the "
	  "catalog's, US)" },
	{ "os", "VERSION", "2000, 2003 or 2008 (default 2003)" },
	{ "sp", "N", "service pack level 0 to 4 (default 1)" },
	{ "r2", NULL, "R2 installed (default: only with an R2 key)" },
	{ "app", "NAME[:VERSION]",
	  "an installed application, repeatable: exchange:2000|2003|2007|"
	  "2007sp1, powershell, ie:6|7, cluster, domain-controller, "
	  "adc:2000, driver:NAME, hotfix:KBnnnnnn[-v2]" },
	END,
};
static const struct cli_option_doc machine_list_opts[] = {
	{ "state", "STATE",
	  "only machines in this license state: grace, grace_expired, "
	  "activated, reactivation_grace, reactivation_expired, exempt, "
	  "evaluation_expired (default: all)" },
	{ "expiring-within", "DURATION",
	  "only machines whose deadline falls within DURATION from now "
	  "(default: any deadline)" },
	{ "sort", "ORDER", "name or deadline (default name)" },
	END,
};
static const struct cli_option_doc machine_logon_opts[] = {
	{ "remote", NULL,
	  "a remote administration logon (default: interactive)" },
	END,
};
static const struct cli_option_doc machine_hw_opts[] = {
	{ "profile", "PROFILE", "replace the whole hardware with a profile" },
	{ "replace", "FIELD[,FIELD...]",
	  "replace components: volume_serial nic_mac cdrom display "
	  "cpu_serial hdd scsi ide cpu_model ram" },
	END,
};
static const struct cli_option_doc machine_activate_opts[] = {
	{ "local", NULL, "ask the lab's clearinghouse in process" },
	{ "online", NULL, "ask the running clearinghouse over HTTPS" },
	{ "cid", "CID",
	  "apply a confirmation ID obtained elsewhere (by telephone)" },
	URL_OPTS,
	{ "cacert", "FILE",
	  "verify the server against this CA (default: the lab's, "
	  "DIR/tls/ca.pem)" },
	{ "timeout", "D",
	  "give up when no answer came in D, such as 10s or 500ms "
	  "(default 10s)" },
	END,
};
static const struct cli_option_doc machine_servicing_opts[] = {
	{ "sp", "N", "the service pack to install (2); required" },
	{ "slipstream", NULL,
	  "an integrated installation source (default: the update "
	  "package)" },
	END,
};
static const struct cli_option_doc machine_updates_opts[] = {
	{ "hide", "UPDATE", "hide an offered update (sp2)" },
	END,
};
static const struct cli_option_doc machine_timeline_opts[] = {
	{ "svg", "FILE",
	  "also draw the timeline as a standalone SVG file (default: only "
	  "print the events)" },
	END,
};
static const struct cli_sub_doc machine_subs[] = {
	{ "create",
	  "NAME --key KEY --hw PROFILE [--lang LANG] [--country CC] "
	  "[--os 2000|2003|2008] [--sp N] [--r2] [--app NAME[:VERSION]]...",
	  "install a simulated server at the lab clock's time",
	  "actsim machine create srv1 --key KEY --hw "
	  "fixtures/hardware/pe2850.json",
	  machine_create_opts },
	{ "list",
	  "[--state STATE] [--expiring-within DURATION] "
	  "[--sort name|deadline]",
	  "the fleet: every machine's license state, days left and votes",
	  "actsim machine list --expiring-within 7d --sort deadline",
	  machine_list_opts },
	{ "show", "NAME", "a machine's license, IDs and software",
	  "actsim machine show srv1", no_options },
	{ "delete", "NAME", "remove a machine", "actsim machine delete srv1",
	  no_options },
	{ "logon", "NAME [--remote]",
	  "log on: allowed or denied, with the reminder Windows shows",
	  "actsim machine logon srv1", machine_logon_opts },
	{ "hw", "NAME --profile PROFILE | --replace FIELD[,FIELD...]",
	  "change the hardware and vote it against the baseline",
	  "actsim machine hw srv1 --replace nic_mac,hdd", machine_hw_opts },
	{ "iid", "NAME", "the machine's installation ID",
	  "actsim machine iid srv1", no_options },
	{ "timeline", "NAME [--svg FILE]",
	  "the grace timeline as events, and as a picture",
	  "actsim machine timeline srv1 --svg srv1.svg",
	  machine_timeline_opts },
	{ "activate",
	  "NAME --local | --cid CID | --online [--url URL] [--insecure] "
	  "[--cacert FILE] [--timeout D]",
	  "activate the machine", "actsim machine activate srv1 --local",
	  machine_activate_opts },
	{ "servicing", "NAME --sp 2 [--slipstream]",
	  "install a service pack as Setup would",
	  "actsim machine servicing srv1 --sp 2", machine_servicing_opts },
	{ "updates", "NAME [--hide sp2]",
	  "the updates offered to the machine",
	  "actsim machine updates srv1", machine_updates_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc iid_subs[] = {
	{ "decode", "IID", "decode an installation ID (private realm)",
	  "actsim iid decode 012345-...", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc cid_subs[] = {
	{ "issue", "IID",
	  "issue a confirmation ID from the lab's clearinghouse",
	  "actsim cid issue 012345-...", no_options },
	{ "verify", "IID CID",
	  "verify a confirmation ID against an installation ID",
	  "actsim cid verify 012345-... 123456-...", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc phone_opts[] = {
	{ "batch", NULL,
	  "read the answers from stdin, one a line (default: ask on the "
	  "terminal)" },
	{ "iid", "IID",
	  "give the installation ID in advance (default: the machine's, or "
	  "asked for group by group)" },
	{ "single-computer", "yes|no",
	  "answer in advance whether the product is installed on only one "
	  "computer" },
	{ "country", "CC",
	  "the country whose activation number is called (default: the "
	  "machine's, else the catalog's)" },
	END,
};
static const struct cli_sub_doc phone_subs[] = {
	{ NULL,
	  "[MACHINE] [--batch] [--iid IID] [--single-computer yes|no] "
	  "[--country CC]",
	  "activate by telephone: the operator dialogue (with MACHINE: its "
	  "installation ID, applied at the end)",
	  "actsim phone srv1", phone_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc slmgr_subs[] = {
	{ NULL, "MACHINE /dli | /dlv | /xpr | /ipk KEY | /dti | /atp CID | /ato",
	  "slmgr.vbs's answers under the Windows Server 2003 rules: /dli "
	  "license information, /dlv in detail, /xpr when it ends, /ipk "
	  "install another key, /dti installation ID, /atp activate with a "
	  "confirmation ID, /ato activate online",
	  "actsim slmgr srv1 /dli", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc admin_opts[] = {
	URL_OPTS,
	END,
};
static const struct cli_option_doc admin_block_opts[] = {
	{ "reason", "TEXT", "why, for the record (default: none)" },
	URL_OPTS,
	END,
};
static const struct cli_option_doc admin_faults_opts[] = {
	{ "route", "PATH",
	  "a route of the table (actsim server --routes) or a prefix "
	  "ending in '*' such as /v1/*; admin routes are refused; "
	  "required" },
	{ "kind", "KIND",
	  "error, latency, reset, timeout, truncate, slow, garbage, tls or "
	  "down; required" },
	{ "method", "M", "only requests with this method (default: any)" },
	{ "probability", "P",
	  "the share of matching requests hit, 0 to 1 (default 1)" },
	{ "seed", "N",
	  "another deterministic pattern of hits (default 0)" },
	{ "after", "N", "let the first N matching requests through (default 0)" },
	{ "count", "N",
	  "hit N requests, then the fault removes itself (default: no end; "
	  "required for tls)" },
	{ "status", "N", "error: the HTTP status (default 503)" },
	{ "code", "CODE", "error: the error code (default FAULT_INJECTED)" },
	{ "delay", "D",
	  "latency: the delay, such as 500ms or 2s; required for latency" },
	{ "jitter", "D", "latency: up to D more, seeded (default 0)" },
	{ "hold", "D", "timeout: how long the request is held (default 60s)" },
	{ "bytes", "N",
	  "truncate: body bytes sent (default 10); garbage: bytes sent "
	  "(default 256)" },
	{ "rate", "BYTES", "slow: bytes per second; required for slow" },
	{ "retry-after", "D", "down: the Retry-After (default 60s)" },
	URL_OPTS,
	END,
};
static const struct cli_option_doc admin_activations_opts[] = {
	{ "key", "KEY", "only this product key's activations" },
	{ "product-id", "PID", "only this product ID's activations" },
	URL_OPTS,
	END,
};
static const struct cli_option_doc admin_requests_opts[] = {
	{ "limit", "N", "at most N entries, newest last (default 100)" },
	URL_OPTS,
	END,
};
static const struct cli_option_doc admin_clock_opts[] = {
	{ "step", "DURATION",
	  "run: how far each tick advances the lab clock, such as 1d; "
	  "required" },
	{ "every", "DURATION", "run: real time between ticks, 1s to 1h "
			       "(default 1s)" },
	URL_OPTS,
	END,
};
static const struct cli_sub_doc admin_subs[] = {
	{ "block", "KEY [--reason TEXT]",
	  "block a product key at the clearinghouse",
	  "actsim admin block KEY --reason leaked", admin_block_opts },
	{ "unblock", "KEY", "unblock a product key", "actsim admin unblock KEY",
	  admin_opts },
	{ "faults",
	  "set --route PATH --kind KIND [--method M] [--probability P] "
	  "[--seed N] [--after N] [--count N] [--status N] [--code CODE] "
	  "[--delay D] [--jitter D] [--hold D] [--bytes N] [--rate BYTES] "
	  "[--retry-after D] | list | clear [ROUTE]",
	  "inject, list or clear faults on the server's routes "
	  "(deterministic under the lab seed)",
	  "actsim admin faults set --route /v1/activations --kind reset "
	  "--count 2",
	  admin_faults_opts },
	{ "reset", "",
	  "drop activations, blocks, registrations and the request log",
	  "actsim admin reset", admin_opts },
	{ "activations", "[--key KEY | --product-id PID]",
	  "the activations granted", "actsim admin activations --key KEY",
	  admin_activations_opts },
	{ "requests", "[--limit N]", "the server's request log",
	  "actsim admin requests --limit 20", admin_requests_opts },
	{ "clock",
	  "[show] | run --step DURATION [--every DURATION] | stop",
	  "the lab clock, and a demo mode that runs it forward",
	  "actsim admin clock run --step 1d --every 1s", admin_clock_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc register_opts[] = {
	{ "name", "N", "the contact's name, sent encrypted (default: none)" },
	{ "email", "E",
	  "the contact's e-mail address, sent encrypted (default: none)" },
	{ "organization", "O",
	  "the organization, sent encrypted (default: none)" },
	URL_OPTS,
	END,
};
static const struct cli_sub_doc register_subs[] = {
	{ NULL,
	  "PRODUCT_ID [--name N] [--email E] [--organization O] [--url URL] "
	  "[--insecure]",
	  "optional product registration with the clearinghouse",
	  "actsim register 69713-640-1234567-45001 --name 'Lab Admin'",
	  register_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc scenario_run_opts[] = {
	{ "format", "FMT",
	  "tap, junit, json, narrate or html (default tap; --json: json)" },
	{ "out", "FILE", "write the report to FILE (default: stdout)" },
	{ "jobs", "N", "run up to N files at once (default 1)" },
	{ "timeout", "DURATION",
	  "fail a file that runs longer, e.g. 30s, 5m (default 5m)" },
	{ "keep-lab", "DIR",
	  "keep the scenario's lab in DIR (default: a temporary one, "
	  "removed)" },
	{ "force", NULL, "let --keep-lab replace a lab already in DIR" },
	{ "database", "URI",
	  "give each lab a new schema in this PostgreSQL database "
	  "(default: $ACTSIM_DATABASE, else SQLite)" },
	END,
};
static const struct cli_sub_doc scenario_subs[] = {
	{ "run",
	  "FILE... [--format tap|junit|json|narrate|html] [--out FILE] "
	  "[--jobs N] [--timeout DURATION] [--keep-lab DIR [--force]] "
	  "[--database URI]",
	  "run scenario files as tests or a narrated demonstration",
	  "actsim scenario run fixtures/scenarios/grace-retail.scn",
	  scenario_run_opts },
	{ "check", "FILE...", "check scenario files without running them",
	  "actsim scenario check my.scn", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc setup_opts[] = {
	{ "from", "SKU/CHANNEL/PLATFORM/LANG/spN",
	  "the installed system (instead of a machine NAME)" },
	{ "to", "SKU/CHANNEL/PLATFORM/LANG", "the R2 media; required" },
	{ "key", "KEY", "the R2 product key to be entered" },
	{ "r2-key-installed", NULL,
	  "the R2 key is already installed (default: not)" },
	END,
};
static const struct cli_sub_doc setup_subs[] = {
	{ "r2",
	  "--from SKU/CHANNEL/PLATFORM/LANG/spN | NAME "
	  "--to SKU/CHANNEL/PLATFORM/LANG [--key KEY] [--r2-key-installed]",
	  "the Windows Server 2003 R2 upgrade advisor",
	  "actsim setup r2 --from standard/retail/x86/en/sp1 "
	  "--to standard/retail/x86/en",
	  setup_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_sub_doc hotfix_subs[] = {
	{ NULL, "NAME [/d] [/v] [/q] [/help | /? | /h]",
	  "the SP2 hotfix regression scan tool (log: NAME_log.txt); /d "
	  "unblocks SP2, /v logs more, /q is quiet",
	  "actsim hotfix-scan srv1 /v", no_options },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc plan_opts[] = {
	{ "to", "VERSION", "the Windows version to plan for: 2000, 2003, 2008; "
			   "required" },
	{ "exchange", "VERSION", "the Exchange version to plan for" },
	{ "apply", NULL,
	  "carry out the plan when it is supported (default: only show it)" },
	{ "force", NULL,
	  "carry it out even when it is not supported (default: refuse)" },
	END,
};
static const struct cli_sub_doc plan_subs[] = {
	{ NULL, "NAME --to 2000|2003|2008 [--exchange VERSION] "
		"[--apply | --force]",
	  "Exchange and Windows upgrade planning",
	  "actsim plan srv1 --to 2008 --exchange 2007", plan_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

static const struct cli_option_doc server_opts[] = {
	{ "listen", "ADDR:PORT", "where to listen (default 127.0.0.1:8443)" },
	{ "threads", "N", "worker threads (default: all cores)" },
	{ "cert", "FILE",
	  "the TLS certificate (default: one from the lab's CA)" },
	{ "key", "FILE", "the certificate's private key (with --cert)" },
	{ "max-connections", "N",
	  "connections open at once (default 1024)" },
	{ "timeout", "SECONDS",
	  "close idle or too slow connections after this (default 30)" },
	{ "request-log-max", "N",
	  "request-log rows kept, the oldest trimmed (default 100000)" },
	{ "write-queue-max", "N",
	  "writes waiting for the writer before 503 SERVER_BUSY "
	  "(default 4096)" },
	{ "routes", NULL, "print the route table and exit" },
	END,
};
static const struct cli_sub_doc server_subs[] = {
	{ NULL,
	  "[--listen ADDR:PORT] [--threads N] [--cert FILE --key FILE] "
	  "[--max-connections N] [--timeout SECONDS] "
	  "[--request-log-max N] [--write-queue-max N] | --routes",
	  "run the HTTPS clearinghouse (default 127.0.0.1:8443)",
	  "actsim server --listen 127.0.0.1:0", server_opts },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cli_command cli_commands[] = {
	{ "help", cmd_help,
	  "show the commands, or one command's usage", help_subs },
	{ "version", cmd_version,
	  "print the version", version_subs },
	{ "catalog", cmd_catalog,
	  "print the product catalog: channels, products, phone numbers", catalog_subs },
	{ "lab", cmd_lab,
	  "create a lab and its realm, show it, export its public part", lab_subs },
	{ "key", cmd_key,
	  "generate, check and decode product keys", key_subs },
	{ "clock", cmd_clock,
	  "show, set or advance the lab clock", clock_subs },
	{ "hw", cmd_hw,
	  "hardware hashes and tolerance voting", hw_subs },
	{ "machine", cmd_machine,
	  "simulated servers: install, log on, change hardware, activate", machine_subs },
	{ "iid", cmd_iid,
	  "decode an installation ID", iid_subs },
	{ "cid", cmd_cid,
	  "issue (lab clearinghouse) or verify a confirmation ID", cid_subs },
	{ "phone", cmd_phone,
	  "activate by telephone: the operator dialogue", phone_subs },
	{ "slmgr", cmd_slmgr,
	  "slmgr.vbs verbs for admins' habits (/dli, /dlv, /xpr, /ipk, ...)",
	  slmgr_subs },
	{ "admin", cmd_admin,
	  "the clearinghouse's admin routes, with the lab's token", admin_subs },
	{ "register", cmd_register,
	  "optional product registration with the clearinghouse", register_subs },
	{ "scenario", cmd_scenario,
	  "run scenario files as tests or a narrated demonstration", scenario_subs },
	{ "setup", cmd_setup,
	  "the Windows Server 2003 R2 upgrade advisor", setup_subs },
	{ "hotfix-scan", cmd_hotfix_scan,
	  "the SP2 hotfix regression scan tool (log: NAME_log.txt)", hotfix_subs },
	{ "plan", cmd_plan,
	  "Exchange and Windows upgrade planning", plan_subs },
	{ "server", cmd_server,
	  "run the HTTPS clearinghouse (default 127.0.0.1:8443)", server_subs },
	{ NULL, NULL, NULL, NULL },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

bool cli_has_subs(const struct cli_command *c)
{
	return c->subs[0].name != NULL;
}

const struct cli_sub_doc *cli_find_sub(const struct cli_command *c,
				       const char *name)
{
	for (const struct cli_sub_doc *s = c->subs; s->summary != NULL; s++)
		if (s->name != NULL && strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

/* Edit distance with adjacent transpositions ("lsit" is one edit from
 * "list"); names are short. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d[65][65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned v = d[i - 1][j - 1] +
				     (a[i - 1] != b[j - 1] ? 1u : 0u);

			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[la][lb];
}

const char *cli_nearest(const char *typed, const char *const *candidates,
			size_t n)
{
	size_t best = (size_t)-1, len = strlen(typed), limit;
	const char *found = NULL;

	/* a third of the word may be wrong, at least one letter */
	limit = len / 3 > 1 ? len / 3 : 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(typed, candidates[i]);

		/* a prefix long enough to be meant ("--exp" for
		 * "--expiring-within") */
		if (len >= 3 && strncmp(candidates[i], typed, len) == 0)
			d = 1;
		if (d <= limit && d < best) {
			best = d;
			found = candidates[i];
		}
	}
	return found;
}

/* Rewrites a usage error's message; keeps its code and hint. */
static void set_message(struct cli_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_message(struct cli_result *res, const char *fmt, ...)
{
	json_t *err = json_object_get(res->doc, "error");
	char buf[512];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_object_set_new(err, "message", json_string(buf));
}

static bool documented(const struct cli_option_doc *o, const char *name,
		       size_t len)
{
	for (; o != NULL && o->name != NULL; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return true;
	return false;
}

/* After a usage error: when the line holds a subcommand or an option the
 * table does not know, say so and suggest the nearest one. */
static void suggest(const struct cli_command *c, int argc, char **argv,
		    struct cli_result *res)
{
	const char *names[64];
	const struct cli_sub_doc *sub = NULL;
	size_t n = 0;

	if (cli_has_subs(c) && argc >= 2 && argv[1][0] != '-') {
		sub = cli_find_sub(c, argv[1]);
		if (sub == NULL) {
			const char *near;

			for (const struct cli_sub_doc *s = c->subs;
			     s->summary != NULL && n < 64; s++)
				names[n++] = s->name;
			near = cli_nearest(argv[1], names, n);
			if (near != NULL)
				set_message(res,
					    "unknown subcommand '%s %s'; did "
					    "you mean '%s'?",
					    c->name, argv[1], near);
			else
				set_message(res, "unknown subcommand '%s %s'",
					    c->name, argv[1]);
			return;
		}
	} else if (!cli_has_subs(c)) {
		sub = &c->subs[0];
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq;
		const char *cands[128];
		size_t len, nc = 0;
		char typed[80];

		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
			continue;
		eq = strchr(a + 2, '=');
		len = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (documented(cli_global_options, a + 2, len))
			continue;
		/* the options of this subcommand, or of any of them */
		for (const struct cli_sub_doc *s = c->subs; s->summary != NULL;
		     s++) {
			if (sub != NULL && s != sub)
				continue;
			for (const struct cli_option_doc *o = s->options;
			     o->name != NULL && nc < 128; o++)
				cands[nc++] = o->name;
		}
		for (size_t k = 0; k < nc; k++)
			if (strlen(cands[k]) == len &&
			    strncmp(cands[k], a + 2, len) == 0)
				goto next;
		/* a global option mistyped after the command ("--jsno") */
		for (const struct cli_option_doc *o = cli_global_options;
		     o->name != NULL && nc < 128; o++)
			cands[nc++] = o->name;
		snprintf(typed, sizeof typed, "%.*s", (int)(len < 70 ? len : 70),
			 a + 2);
		{
			const char *near = cli_nearest(typed, cands, nc);

			if (near != NULL)
				set_message(res,
					    "unknown option '--%s'; did you "
					    "mean '--%s'?",
					    typed, near);
			else
				set_message(res, "unknown option '--%s'",
					    typed);
		}
		return;
next:;
	}
	/* every option is known: one that takes a value may lack it */
	for (const struct cli_sub_doc *s = c->subs;
	     argc >= 2 && argv[argc - 1][0] == '-' && s->summary != NULL; s++) {
		if (sub != NULL && s != sub)
			continue;
		for (const struct cli_option_doc *o = s->options;
		     o->name != NULL; o++)
			if (o->arg != NULL &&
			    strcmp(argv[argc - 1] + 2, o->name) == 0 &&
			    strncmp(argv[argc - 1], "--", 2) == 0) {
				set_message(res, "option '--%s' needs a value "
						 "(%s)",
					    o->name, o->arg);
				return;
			}
	}
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

static int command_help(const struct cli_command *c,
			const struct cli_sub_doc *only,
			struct cli_result *res);

int cli_run(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res)
{
	const struct cli_command *c;
	const char *names[64];
	const char *near;
	size_t n = 0;

	memset(res, 0, sizeof *res);
	if (argc < 1) {
		cli_usage(res, "", "no command given");
		return res->status;
	}
	c = cli_find_command(argv[0]);
	if (c == NULL) {
		for (c = cli_commands; c->name != NULL && n < 64; c++)
			names[n++] = c->name;
		near = cli_nearest(argv[0], names, n);
		if (near != NULL)
			cli_usage(res, "",
				  "unknown command '%s'; did you mean '%s'?",
				  argv[0], near);
		else
			cli_usage(res, "", "unknown command '%s'", argv[0]);
		return res->status;
	}
	/* -h and --help anywhere before "--", on every command */
	if (c->fn != cmd_help && wants_help(argc, argv)) {
		res->status = command_help(
			c,
			cli_has_subs(c) && argc >= 2 ?
				cli_find_sub(c, argv[1]) :
				NULL,
			res);
		return res->status;
	}
	cli_getopt_reset();
	res->status = c->fn(ctx, argc, argv, res);
	if (res->status == CLI_USAGE && res->doc != NULL)
		suggest(c, argc, argv, res);
	return res->status;
}

/* ---- help ---- */

/* The length of the word at p: up to a space outside brackets, so that
 * an optional group ("[--sort name|deadline]") stays on one line. */
static size_t word(const char *p)
{
	size_t w = 0;
	int depth = 0;

	for (; p[w] != '\0' && (p[w] != ' ' || depth > 0); w++) {
		if (p[w] == '[')
			depth++;
		else if (p[w] == ']' && depth > 0)
			depth--;
	}
	return w;
}

/* Prints text from column `col` (already reached), wrapping at 79 and
 * indenting continuation lines by `indent`. A command line (`command`)
 * breaks only at spaces and goes on after " \\", so that it can still be
 * pasted into a shell. */
static void fill(FILE *out, const char *text, size_t col, size_t indent,
		 bool command)
{
	const char *p = text;

	while (*p != '\0') {
		size_t w = command ? strcspn(p, " ") : word(p);

		/* an option stays on the line of its value */
		if (command && p[0] == '-' && p[1] == '-' && p[w] == ' ' &&
		    p[w + 1] != '-' && p[w + 1] != '\0')
			w += 1 + strcspn(p + w + 1, " ");

		if (p != text && col > indent &&
		    col + 1 + w > (command ? 77u : 79u)) {
			fprintf(out, "%s\n%*s", command ? " \\" : "",
				(int)indent, "");
			col = indent;
		} else if (p != text) {
			fputc(' ', out);
			col++;
		}
		fprintf(out, "%.*s", (int)w, p);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

static void wrap(FILE *out, const char *text, size_t col, size_t indent)
{
	fill(out, text, col, indent, false);
}

static json_t *options_json(const struct cli_option_doc *o)
{
	json_t *list = json_array();

	for (; o->name != NULL; o++)
		json_array_append_new(list,
				      json_pack("{s:s,s:s?,s:s}", "name",
						o->name, "argument", o->arg,
						"help", o->help));
	return list;
}

/* The words of a subcommand's own third level, from its synopsis
 * ("set ... | list | clear [ROUTE]": set, list, clear); none when an
 * alternative starts otherwise. Returns how many, at most cap. */
static size_t third_words(const struct cli_sub_doc *s, char words[][16],
			  size_t cap)
{
	const char *p = s->synopsis;
	size_t n = 0;

	while (*p != '\0' && n < cap) {
		size_t len;

		while (*p == ' ' || *p == '[')
			p++;
		len = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		if (len == 0 || len >= 16 ||
		    (p[len] != ' ' && p[len] != ']' && p[len] != '\0'))
			return 0;
		snprintf(words[n++], 16, "%.*s", (int)len, p);
		p = strstr(p, " | ");
		if (p == NULL)
			break;
		p += 3;
	}
	return n > 1 ? n : 0;
}

static json_t *sub_json(const struct cli_command *c,
			const struct cli_sub_doc *s)
{
	char usage[640], words[8][16];
	size_t n = third_words(s, words, 8);
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_string(words[i]));
	snprintf(usage, sizeof usage, "actsim %s%s%s%s%s", c->name,
		 s->name ? " " : "", s->name ? s->name : "",
		 s->synopsis[0] ? " " : "", s->synopsis);
	return json_pack("{s:s?,s:s,s:s,s:o,s:o,s:s}", "name", s->name,
			 "usage", usage, "summary", s->summary, "words", list,
			 "options", options_json(s->options), "example",
			 s->example);
}

static void option_lines(const json_t *options, FILE *out)
{
	size_t i;
	json_t *o;

	json_array_foreach(options, i, o) {
		const char *arg =
			json_string_value(json_object_get(o, "argument"));
		char head[96];
		int len;

		len = snprintf(head, sizeof head, "  --%s%s%s",
			       json_string_value(json_object_get(o, "name")),
			       arg ? " " : "", arg ? arg : "");
		if (len > 24) {
			fprintf(out, "%s\n%*s", head, 26, "");
		} else {
			fprintf(out, "%-26s", head);
		}
		wrap(out, json_string_value(json_object_get(o, "help")), 26,
		     26);
	}
}

static void help_text(const json_t *doc, FILE *out)
{
	const json_t *cmds = json_object_get(doc, "commands");
	const json_t *subs = json_object_get(doc, "subcommands");
	size_t i;
	json_t *c;

	if (subs != NULL) {
		json_array_foreach(subs, i, c) {
			fputs(i == 0 ? "usage: " : "   or: ", out);
			wrap(out,
			     json_string_value(json_object_get(c, "usage")), 7,
			     11);
		}
		fprintf(out, "\n");
		wrap(out, json_string_value(json_object_get(doc, "summary")),
		     0, 0);
		json_array_foreach(subs, i, c) {
			const json_t *o = json_object_get(c, "options");

			if (json_array_size(subs) > 1) {
				int col = fprintf(
					out, "\n%s %s: ",
					json_string_value(
						json_object_get(doc, "command")),
					json_string_value(
						json_object_get(c, "name")));

				wrap(out,
				     json_string_value(
					     json_object_get(c, "summary")),
				     col > 1 ? (size_t)col - 1 : 0, 2);
			}
			if (json_array_size(o) > 0) {
				fprintf(out, "%soptions:\n",
					json_array_size(subs) > 1 ? "" : "\n");
				option_lines(o, out);
			}
			fprintf(out, "%sexample: ",
				json_array_size(subs) > 1 ? "" : "\n");
			fill(out,
			     json_string_value(json_object_get(c, "example")),
			     9, 13, true);
		}
		return;
	}
	fprintf(out, "%s\n\ncommands:\n", cli_global_usage);
	json_array_foreach(cmds, i, c)
		fprintf(out, "  %-11s %s\n",
			json_string_value(json_object_get(c, "name")),
			json_string_value(json_object_get(c, "summary")));
	fprintf(out, "\noptions:\n");
	option_lines(json_object_get(doc, "options"), out);
	fprintf(out, "\n'actsim COMMAND --help' or 'actsim help COMMAND "
		     "[SUBCOMMAND]' shows a command's\noptions and an "
		     "example; 'man actsim' has them all.\n");
}

/* The help of a command, or of one of its subcommands. */
static int command_help(const struct cli_command *c,
			const struct cli_sub_doc *only,
			struct cli_result *res)
{
	json_t *subs = json_array();

	for (const struct cli_sub_doc *s = c->subs; s->summary != NULL; s++)
		if (only == NULL || s == only)
			json_array_append_new(subs, sub_json(c, s));
	/* a command of one form: that form's summary says more */
	if (only == NULL && c->subs[0].summary != NULL &&
	    c->subs[1].summary == NULL)
		only = &c->subs[0];
	res->doc = json_pack("{s:s,s:s?,s:s,s:o}", "command", c->name,
			     "subcommand", only ? only->name : NULL, "summary",
			     only ? only->summary : c->summary, "subcommands",
			     subs);
	res->text = help_text;
	return CLI_OK;
}

int cmd_help(struct cli_ctx *ctx, int argc, char **argv,
	     struct cli_result *res)
{
	const struct cli_command *c;
	const struct cli_sub_doc *s = NULL;
	json_t *list;

	(void)ctx;
	res->text = help_text;
	/* a word of a subcommand's own ("help admin faults set") shows that
	 * subcommand's help */
	if (argc > 3) {
		const struct cli_command *hc = cli_find_command(argv[1]);
		const struct cli_sub_doc *hs =
			hc != NULL ? cli_find_sub(hc, argv[2]) : NULL;
		char words[8][16];
		const char *names[8], *near;
		size_t n = hs != NULL ? third_words(hs, words, 8) : 0;

		for (size_t i = 0; i < n; i++) {
			names[i] = words[i];
			if (argc == 4 && strcmp(argv[3], words[i]) == 0)
				goto known;
		}
		near = argc == 4 ? cli_nearest(argv[3], names, n) : NULL;
		if (near != NULL)
			return cli_usage(res, "help",
					 "unknown subcommand '%s %s %s'; did "
					 "you mean '%s'?",
					 argv[1], argv[2], argv[3], near);
		return cli_usage(res, "help", "too many arguments");
	}
known:
	if (argc >= 2 && strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "-h") != 0) {
		c = cli_find_command(argv[1]);
		if (c == NULL) {
			const char *names[64];
			size_t n = 0;
			const char *near;

			for (c = cli_commands; c->name != NULL && n < 64; c++)
				names[n++] = c->name;
			near = cli_nearest(argv[1], names, n);
			if (near != NULL)
				return cli_usage(res, "",
						 "unknown command '%s'; did "
						 "you mean '%s'?",
						 argv[1], near);
			return cli_usage(res, "", "unknown command '%s'",
					 argv[1]);
		}
		if (argc >= 3) {
			const char *names[64], *near;
			size_t n = 0;

			s = cli_find_sub(c, argv[2]);
			for (const struct cli_sub_doc *d = c->subs;
			     s == NULL && d->summary != NULL && n < 64; d++)
				if (d->name != NULL)
					names[n++] = d->name;
			near = s == NULL ? cli_nearest(argv[2], names, n) :
					   NULL;
			if (near != NULL)
				return cli_usage(res, c->name,
						 "unknown subcommand '%s %s'; "
						 "did you mean '%s'?",
						 c->name, argv[2], near);
			if (s == NULL)
				return cli_usage(res, c->name,
						 "unknown subcommand '%s %s'",
						 c->name, argv[2]);
		}
		return command_help(c, s, res);
	}
	if (argc == 2)
		return command_help(cli_find_command("help"), NULL, res);
	list = json_array();
	for (c = cli_commands; c->name != NULL; c++)
		json_array_append_new(list,
				      json_pack("{s:s,s:s}", "name", c->name,
						"summary", c->summary));
	res->doc = json_pack("{s:o,s:o}", "commands", list, "options",
			     options_json(cli_global_options));
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
