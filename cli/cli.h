/* The actsim command line: every command computes a result document (a
 * jansson object) and an exit status; rendering it as text or JSON is a
 * separate step (cli/output.c). Commands keep no state in globals, so the
 * scenario runner and the server can call them in process. */
#ifndef ACTSIM_CLI_H
#define ACTSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/err.h"
#include "actsim/lab.h"

enum cli_exit {
	CLI_OK = 0,
	CLI_NEGATIVE = 1, /* invalid key, refused, failed expectation */
	CLI_USAGE = 2,    /* usage or malformed input */
	CLI_ENV = 3       /* no lab, I/O, server unreachable */
};

struct cli_ctx {
	const char *lab_dir;      /* resolved lab directory */
	const char *catalog_path; /* --catalog, or NULL */
	bool json;                /* --json */
	FILE *progress;           /* progress bars go here, or NULL */
	FILE *dialogue;           /* phone dialogue; NULL: stdout/stderr */
	unsigned threads;         /* worker threads for long work */
	/* Set by the scenario runner: one open lab (private part loaded) and
	 * catalog that every command borrows instead of opening its own. */
	struct actsim_lab *shared_lab;
	struct actsim_catalog *shared_catalog;
	/* Set by the scenario runner: `key gen` without --seed counts from
	 * here instead of drawing random bytes, so a file gives the same keys
	 * every time. NULL: random. */
	uint64_t *keygen_sequence;
	/* Where commands write files meant for "the current folder" (the
	 * hotfix scan tool's log); NULL: the current folder. Scenarios use
	 * their lab, so a test run leaves nothing behind. */
	const char *output_dir;
};

/* $ACTSIM_DATABASE when set and not empty: the PostgreSQL URI new labs
 * use when `--database` is not given. NULL: SQLite. */
const char *cli_default_database(void);

typedef void (*cli_text_fn)(const json_t *doc, FILE *out);

/* A large result (a million keys) is not held as a jansson document: the
 * command leaves its data with a writer that streams it as JSON or text,
 * and a builder that makes the document only when someone asks for it
 * (cli_result_doc). Both render from the same per-item function. */
struct cli_stream {
	void *data;
	void (*write)(void *data, FILE *out, bool json);
	json_t *(*build)(void *data);
	void (*free)(void *data);
};

struct cli_result {
	json_t *doc;      /* result, or {"error":{...}}; NULL when streamed */
	int status;       /* exit status */
	cli_text_fn text; /* renders doc as text; NULL: generic */
	bool force_json;  /* the command's own --format json */
	struct cli_stream stream; /* set instead of doc for large results */
};

/* The result document, built from a stream on first use; borrowed. */
json_t *cli_result_doc(struct cli_result *res);

typedef int (*cli_fn)(struct cli_ctx *ctx, int argc, char **argv,
		      struct cli_result *res);

/* One option as help, the man page and the completions describe it. */
struct cli_option_doc {
	const char *name; /* long name without the dashes */
	const char *arg;  /* its argument ("FILE"), NULL for a flag */
	const char *help; /* what it does, and its default */
};

/* One subcommand (name NULL: the command takes none). */
struct cli_sub_doc {
	const char *name;
	const char *synopsis; /* what follows "actsim COMMAND [SUB]" */
	const char *summary;
	const char *example;  /* a whole command line */
	const struct cli_option_doc *options; /* name NULL ends it */
};

struct cli_command {
	const char *name;
	cli_fn fn;
	const char *summary; /* one line for the command list */
	const struct cli_sub_doc *subs; /* summary NULL ends it */
};

/* The command table (cli/commands.c), the global options and the global
 * usage line. */
extern const char cli_global_usage[];
extern const struct cli_command cli_commands[];
extern const struct cli_option_doc cli_global_options[];
const struct cli_command *cli_find_command(const char *name);
/* The named subcommand of c, or NULL. */
const struct cli_sub_doc *cli_find_sub(const struct cli_command *c,
				       const char *name);
/* Whether c has named subcommands (`machine list`) rather than taking
 * arguments directly (`phone`). */
bool cli_has_subs(const struct cli_command *c);
/* The nearest of NULL-terminated candidates to `typed` when it is close
 * enough to be a typing mistake, else NULL. */
const char *cli_nearest(const char *typed, const char *const *candidates,
			size_t n);

/* Runs one command line (argv[0] is the command name) into res. */
int cli_run(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res);

/* Sets res to an error document and returns status. `code` is the stable
 * JSON code. Returns the error object so callers can add fields. */
json_t *cli_error(struct cli_result *res, int status, const char *code,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sets res to {"error": error} (the reference is stolen) and status. */
void cli_set_error(struct cli_result *res, int status, json_t *error);

/* A usage error for `command` (exit 2, code USAGE); the text form ends
 * with "try 'actsim help <command>'". */
int cli_usage(struct cli_result *res, const char *command, const char *fmt,
	      ...) __attribute__((format(printf, 3, 4)));

/* Maps a library error to its exit status and JSON code. */
int cli_exit_for(actsim_err e);
const char *cli_code_for(actsim_err e);

/* An error from the library with a detail message. */
int cli_lib_error(struct cli_result *res, actsim_err e, const char *detail);

/* Opens the context's lab; on failure fills res and returns non-zero. */
int cli_open_lab(struct cli_ctx *ctx, bool with_private,
		 struct actsim_lab **lab, struct cli_result *res);

/* Gives back a lab from cli_open_lab (closes it unless it is the shared
 * one, which is only rolled back to no open transaction). */
void cli_close_lab(struct cli_ctx *ctx, struct actsim_lab *lab);
/* Gives back a catalog from cli_load_catalog. */
void cli_free_catalog(struct cli_ctx *ctx, struct actsim_catalog *cat);

/* The catalog for a command: --catalog, else the lab's (when lab is not
 * NULL), else the built-in one. */
int cli_load_catalog(struct cli_ctx *ctx, struct actsim_lab *lab,
		     struct actsim_catalog **out, struct cli_result *res);

/* Parses a decimal unsigned number in [min, max]; false when it is not. */
bool cli_parse_u64(const char *s, unsigned long long min,
		   unsigned long long max, unsigned long long *out);

/* Parses a duration such as "250ms", "10s" or "2m" into milliseconds in
 * [min, max]; false when it is not one. */
bool cli_parse_ms(const char *s, unsigned long long min,
		  unsigned long long max, unsigned long long *out);

/* A country code as the catalog writes it ("us" -> "US"), in place;
 * returns it. */
char *cli_country_code(char *code);

/* A span of seconds as the duration options write it, largest units
 * first: "27d12h", "1d", "90s" ("0s" for none). */
void cli_span_text(int64_t secs, char *out, size_t cap);

/* Closes a file the command wrote: flushed, without a stream error,
 * synced to disk when it is a regular file, and closed. false when any
 * step failed (the file is closed all the same). */
bool cli_close_written(FILE *f);

/* Prints the document (JSON or text) and returns the exit status. */
int cli_render(const struct cli_ctx *ctx, const struct cli_result *res,
	       FILE *out, FILE *err);
void cli_result_release(struct cli_result *res);

/* Text rendering shared by commands: one "name  value" line per member
 * named (missing members skipped, null shown as "-"). */
void cli_print_fields(const json_t *doc, const char *const *names, size_t n,
		      FILE *out);

/* Reads a whole file (or stdin for "-") of at most cap bytes into a
 * NUL-terminated malloc'd buffer; on failure fills res (exit 3, or 2 when
 * over cap) and returns non-zero. */
int cli_read_file(const char *path, size_t cap, char **out, size_t *len,
		  struct cli_result *res);

/* Starts a transaction on an open lab; on failure fills res. */
int cli_begin(struct actsim_lab *lab, bool write, struct cli_result *res);
/* Commits when status is 0 or 1 and nothing failed, else rolls back;
 * returns the final status (a failed commit becomes an error). */
int cli_finish(struct actsim_lab *lab, int status, struct cli_result *res);

/* A malformed installation or confirmation ID as an error document with
 * "group" when one group is to blame. `what` is "installation" or
 * "confirmation". */
struct actsim_id_diag;
int cli_malformed_id(struct cli_result *res, const char *what,
		     const struct actsim_id_diag *d);

/* Loads a hardware profile file ("-": stdin), or fills res. */
struct actsim_hw_profile;
struct actsim_hw_vote;
struct actsim_decision;
int cli_load_profile(const char *path, struct actsim_hw_profile *out,
		     struct cli_result *res);
/* {"volume_serial": N, ...} for a hardware hash. */
json_t *cli_hw_fields(uint64_t hash);
/* {"votes","needed","within_tolerance","changed"} */
json_t *cli_hw_vote(const struct actsim_hw_vote *v);
/* A refused activation as an error document (exit 1). */
int cli_refusal(struct cli_result *res, const struct actsim_decision *d);

/* What a machine-level command has open: the lab (private part), the
 * catalog, one transaction and the lab clock's time. */
struct cli_session {
	struct cli_ctx *ctx;
	struct actsim_lab *lab;
	struct actsim_catalog *cat;
	int64_t now;
};

struct actsim_machine;
/* Opens a session (write: BEGIN IMMEDIATE); on failure fills res. */
int cli_session_open(struct cli_ctx *ctx, struct cli_session *s, bool write,
		     struct cli_result *res);
/* Commits (status 0 or 1) or rolls back, gives everything back, returns
 * the final status. */
/* The same, opening the realm's private part only when with_private
 * (installation IDs, signing); commands that need neither start
 * faster. */
int cli_session_open_ex(struct cli_ctx *ctx, struct cli_session *s,
			bool write, bool with_private, struct cli_result *res);
int cli_session_close(struct cli_session *s, int rc, struct cli_result *res);
int cli_session_load(struct cli_session *s, const char *name,
		     struct actsim_machine *m, struct cli_result *res);
int cli_session_save(struct cli_session *s, const struct actsim_machine *m,
		     struct cli_result *res);

/* Resets getopt so each command parses from scratch. */
void cli_getopt_reset(void);

int cmd_help(struct cli_ctx *ctx, int argc, char **argv,
	     struct cli_result *res);
int cmd_version(struct cli_ctx *ctx, int argc, char **argv,
		struct cli_result *res);
int cmd_catalog(struct cli_ctx *ctx, int argc, char **argv,
		struct cli_result *res);
int cmd_lab(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res);
int cmd_key(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res);
int cmd_clock(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res);
int cmd_hw(struct cli_ctx *ctx, int argc, char **argv,
	   struct cli_result *res);
int cmd_iid(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res);
int cmd_cid(struct cli_ctx *ctx, int argc, char **argv,
	    struct cli_result *res);
int cmd_machine(struct cli_ctx *ctx, int argc, char **argv,
		struct cli_result *res);
int cmd_server(struct cli_ctx *ctx, int argc, char **argv,
	       struct cli_result *res);
int cmd_phone(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res);
int cmd_admin(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res);
int cmd_scenario(struct cli_ctx *ctx, int argc, char **argv,
		 struct cli_result *res);
int cmd_register(struct cli_ctx *ctx, int argc, char **argv,
		 struct cli_result *res);
int cmd_setup(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res);
int cmd_hotfix_scan(struct cli_ctx *ctx, int argc, char **argv,
		    struct cli_result *res);
int cmd_slmgr(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res);
int cmd_plan(struct cli_ctx *ctx, int argc, char **argv,
	     struct cli_result *res);
int cli_machine_servicing(struct cli_ctx *ctx, int argc, char **argv,
			  struct cli_result *res);
int cli_machine_updates(struct cli_ctx *ctx, int argc, char **argv,
			struct cli_result *res);

/* Writes a timeline (actsim_machine_timeline) to path as a standalone
 * SVG file; on failure fills res (exit 3) and returns non-zero. */
int cli_write_timeline_svg(const json_t *timeline, const char *path,
			   struct cli_result *res);

#endif
