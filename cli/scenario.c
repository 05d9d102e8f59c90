/* Scenario files: the parser and the in-process runner. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "actsim/time.h"
#include "scenario.h"
#include "../server/server.h"
#include "../common/banned.h"

#define MAX_VARS 128

/* ---- parsing ---- */

static int perr(char *err, size_t cap, const char *file, unsigned line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int perr(char *err, size_t cap, const char *file, unsigned line,
		const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, cap, "%s:%u: ", file, line);

	if (n >= 0 && (size_t)n < cap) {
		va_start(ap, fmt);
		vsnprintf(err + n, cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int scenario_split(const char *line, char *buf, size_t cap, char **argv)
{
	size_t o = 0;
	int argc = 0;
	const char *p = line;

	for (;;) {
		char quote = 0;
		bool word = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (argc == SCENARIO_MAX_ARGS)
			return -1;
		argv[argc] = buf + o;
		while (*p != '\0' && (quote || (*p != ' ' && *p != '\t'))) {
			char c = *p++;

			if (quote == 0 && (c == '"' || c == '\'')) {
				quote = c;
				word = true;
				continue;
			}
			if (quote != 0 && c == quote) {
				quote = 0;
				continue;
			}
			if (c == '\\' && quote != '\'' && *p != '\0')
				c = *p++;
			if (o + 2 >= cap)
				return -1;
			buf[o++] = c;
			word = true;
		}
		if (quote != 0)
			return -1;
		(void)word;
		buf[o++] = '\0';
		argc++;
	}
	argv[argc] = NULL;
	return argc;
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* "exit", or segments of [A-Za-z0-9_-] with [N] indexes, joined by '.'. */
static bool valid_path(const char *p)
{
	if (strcmp(p, "exit") == 0)
		return true;
	if (*p == '\0' || *p == '.')
		return false;
	while (*p != '\0') {
		if (*p == '[') {
			const char *q = ++p;

			while (isdigit((unsigned char)*p))
				p++;
			if (p == q || *p != ']')
				return false;
			p++;
		} else if (isalnum((unsigned char)*p) || *p == '_' ||
			   *p == '-') {
			p++;
		} else if (*p == '.') {
			p++;
			if (*p == '\0' || *p == '.' || *p == '[')
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* Every ${NAME} must have been set on an earlier line. */
static int check_vars(const char *s, char names[][64], size_t nnames,
		      const char *file, unsigned line, char *err, size_t cap)
{
	const char *p = s;

	while ((p = strstr(p, "${")) != NULL) {
		const char *end = strchr(p, '}');
		size_t n;
		bool known = false;

		if (end == NULL)
			return perr(err, cap, file, line, "'${' without '}'");
		n = (size_t)(end - p - 2);
		if (!valid_name(p + 2, n))
			return perr(err, cap, file, line,
				    "'%.*s' is not a variable name", (int)n,
				    p + 2);
		for (size_t i = 0; i < nnames; i++)
			if (strlen(names[i]) == n &&
			    strncmp(names[i], p + 2, n) == 0)
				known = true;
		if (!known)
			return perr(err, cap, file, line,
				    "unknown variable '%.*s' (set it with "
				    "'set %.*s = PATH' first)",
				    (int)n, p + 2, (int)n, p + 2);
		p = end + 1;
	}
	return 0;
}

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static bool add_step(struct scenario *sc, size_t *cap, struct step *st)
{
	if (sc->nsteps == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct step *grown = realloc(sc->steps, ncap * sizeof *grown);

		if (grown == NULL)
			return false;
		sc->steps = grown;
		*cap = ncap;
	}
	sc->steps[sc->nsteps++] = *st;
	return true;
}

static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">", "~" };

static int parse_line(struct scenario *sc, size_t *cap, char *s,
		      unsigned line, bool first, char names[][64],
		      size_t *nnames, char *err, size_t errcap)
{
	const char *file = sc->file;
	struct step st;
	char buf[SCENARIO_MAX_LINE + SCENARIO_MAX_ARGS];
	char *argv[SCENARIO_MAX_ARGS + 1];
	int argc;

	memset(&st, 0, sizeof st);
	st.line = line;
	if (check_vars(s, names, *nnames, file, line, err, errcap) != 0)
		return -1;
	argc = scenario_split(s, buf, sizeof buf, argv);
	if (argc < 0)
		return perr(err, errcap, file, line,
			    "unbalanced quotes or more than %d words",
			    SCENARIO_MAX_ARGS);
	if (strcmp(argv[0], "expect") == 0) {
		char *p = s + 6, *path, *op;
		size_t i;

		if (sc->nsteps == 0)
			return perr(err, errcap, file, line,
				    "'expect' before any command");
		while (*p == ' ' || *p == '\t')
			p++;
		path = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		st.path = dup_range(path, (size_t)(p - path));
		while (*p == ' ' || *p == '\t')
			p++;
		op = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
			if ((size_t)(p - op) == strlen(ops[i]) &&
			    strncmp(op, ops[i], strlen(ops[i])) == 0)
				break;
		if (st.path == NULL || !valid_path(st.path)) {
			free(st.path);
			return perr(err, errcap, file, line,
				    "expect needs PATH OP VALUE; '%.*s' is not "
				    "a path",
				    (int)(p - path), path);
		}
		if (i == sizeof ops / sizeof ops[0]) {
			free(st.path);
			return perr(err, errcap, file, line,
				    "unknown operator '%.*s' (== != < <= > >= "
				    "~)",
				    (int)(p - op), op);
		}
		memcpy(st.op, ops[i], strlen(ops[i]) + 1);
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0') {
			free(st.path);
			return perr(err, errcap, file, line,
				    "expect needs a VALUE (a JSON literal)");
		}
		st.value = strdup(p);
		if (strstr(p, "${") == NULL) {
			json_t *v = json_loads(p, JSON_DECODE_ANY, NULL);

			if (v == NULL) {
				free(st.path);
				free(st.value);
				return perr(err, errcap, file, line,
					    "'%s' is not a JSON literal "
					    "(strings need double quotes)",
					    p);
			}
			if (strcmp(st.op, "~") == 0 && !json_is_string(v)) {
				json_decref(v);
				free(st.path);
				free(st.value);
				return perr(err, errcap, file, line,
					    "'~' needs a string (a regular "
					    "expression)");
			}
			json_decref(v);
		}
		st.kind = STEP_EXPECT;
	} else if (strcmp(argv[0], "set") == 0) {
		if (argc != 4 || strcmp(argv[2], "=") != 0 ||
		    !valid_name(argv[1], strlen(argv[1])) ||
		    strlen(argv[1]) >= 64 || !valid_path(argv[3]))
			return perr(err, errcap, file, line,
				    "set needs 'set NAME = PATH'");
		if (sc->nsteps == 0)
			return perr(err, errcap, file, line,
				    "'set' before any command");
		if (*nnames == MAX_VARS)
			return perr(err, errcap, file, line,
				    "more than %d variables", MAX_VARS);
		st.kind = STEP_SET;
		st.name = strdup(argv[1]);
		st.path = strdup(argv[3]);
		snprintf(names[(*nnames)++], 64, "%s", argv[1]);
	} else if (strcmp(argv[0], "server") == 0) {
		if (argc != 2 || (strcmp(argv[1], "start") != 0 &&
				  strcmp(argv[1], "stop") != 0))
			return perr(err, errcap, file, line,
				    "in a scenario, 'server start' or 'server "
				    "stop'");
		st.kind = strcmp(argv[1], "start") == 0 ? STEP_SERVER_START :
							  STEP_SERVER_STOP;
	} else if (strcmp(argv[0], "lab") == 0 && argc >= 2 &&
		   strcmp(argv[1], "init") == 0) {
		unsigned long long seed = 0;

		if (!first)
			return perr(err, errcap, file, line,
				    "'lab init' may only be the first line");
		if (!(argc == 2 ||
		      (argc == 4 && strcmp(argv[2], "--seed") == 0 &&
		       cli_parse_u64(argv[3], 0, UINT64_MAX, &seed))))
			return perr(err, errcap, file, line,
				    "the first line may be 'lab init [--seed "
				    "N]'");
		sc->seed = seed;
		return 0;
	} else if (strcmp(argv[0], "scenario") == 0) {
		return perr(err, errcap, file, line,
			    "scenarios do not run scenarios");
	} else if (cli_find_command(argv[0]) == NULL) {
		return perr(err, errcap, file, line,
			    "unknown command '%s' (try 'actsim help')",
			    argv[0]);
	} else {
		st.kind = STEP_COMMAND;
	}
	st.text = strdup(s);
	if (st.text == NULL || !add_step(sc, cap, &st)) {
		free(st.text);
		free(st.path);
		free(st.value);
		free(st.name);
		return perr(err, errcap, file, line, "out of memory");
	}
	return 0;
}

int scenario_parse(const char *file, const char *text, size_t len,
		   struct scenario *out, char *err, size_t cap)
{
	char (*names)[64] = calloc(MAX_VARS, sizeof *names);
	size_t nnames = 0, scap = 0, pos = 0;
	unsigned line = 0;
	bool first = true;
	char *slash;

	memset(out, 0, sizeof *out);
	out->file = strdup(file);
	out->dir = strdup(file);
	if (out->file == NULL || out->dir == NULL || names == NULL) {
		free(names);
		scenario_release(out);
		return perr(err, cap, file, 0, "out of memory");
	}
	slash = strrchr(out->dir, '/');
	if (slash != NULL)
		slash[slash == out->dir ? 1 : 0] = '\0';
	else
		memcpy(out->dir, ".", 2);
	if (len > SCENARIO_MAX_BYTES) {
		free(names);
		scenario_release(out);
		return perr(err, cap, file, 0, "larger than %u bytes",
			    SCENARIO_MAX_BYTES);
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char buf[SCENARIO_MAX_LINE + 1], *s, *e;

		line++;
		if (n > SCENARIO_MAX_LINE) {
			free(names);
			scenario_release(out);
			return perr(err, cap, file, line,
				    "line longer than %d bytes",
				    SCENARIO_MAX_LINE);
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + 1;
		if (memchr(buf, '\0', n) != NULL) {
			free(names);
			scenario_release(out);
			return perr(err, cap, file, line, "NUL byte");
		}
		s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
				 e[-1] == '\r'))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (parse_line(out, &scap, s, line, first, names, &nnames, err,
			       cap) != 0) {
			free(names);
			scenario_release(out);
			return -1;
		}
		first = false;
	}
	free(names);
	return 0;
}

int scenario_load(const char *file, struct scenario *out, char *err,
		  size_t cap)
{
	FILE *f = fopen(file, "rb");
	char *buf;
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	if (f == NULL) {
		snprintf(err, cap, "%s: cannot open: %s", file,
			 strerror(errno));
		return -1;
	}
	buf = malloc(SCENARIO_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, cap, "%s: out of memory", file);
		return -1;
	}
	n = fread(buf, 1, SCENARIO_MAX_BYTES + 1, f);
	fclose(f);
	rc = scenario_parse(file, buf, n, out, err, cap);
	free(buf);
	return rc;
}

void scenario_release(struct scenario *sc)
{
	for (size_t i = 0; i < sc->nsteps; i++) {
		free(sc->steps[i].text);
		free(sc->steps[i].path);
		free(sc->steps[i].value);
		free(sc->steps[i].name);
	}
	free(sc->steps);
	free(sc->file);
	free(sc->dir);
	memset(sc, 0, sizeof *sc);
}

json_t *scenario_path(json_t *doc, const char *path)
{
	const char *p = path;
	json_t *cur = doc;

	while (cur != NULL && *p != '\0') {
		if (*p == '.') {
			p++;
		} else if (*p == '[') {
			size_t idx = strtoul(p + 1, NULL, 10);

			cur = json_array_get(cur, idx);
			p = strchr(p, ']');
			p = p ? p + 1 : "";
		} else {
			size_t n = strcspn(p, ".[");
			char key[256];

			if (n >= sizeof key)
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			cur = json_object_get(cur, key);
			p += n;
		}
	}
	return cur;
}

/* ---- running ---- */

struct vars {
	char name[MAX_VARS][64];
	char *value[MAX_VARS];
	size_t n;
};

static const char *var_get(const struct vars *v, const char *name, size_t n)
{
	for (size_t i = v->n; i-- > 0;)
		if (strlen(v->name[i]) == n && strncmp(v->name[i], name, n) == 0)
			return v->value[i];
	return NULL;
}

static void var_set(struct vars *v, const char *name, const char *value)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->name[i], name) == 0) {
			free(v->value[i]);
			v->value[i] = strdup(value);
			return;
		}
	if (v->n < MAX_VARS) {
		snprintf(v->name[v->n], sizeof v->name[0], "%s", name);
		v->value[v->n++] = strdup(value);
	}
}

/* ${NAME} replaced; false when the result would not fit. */
static bool substitute(const struct vars *v, const char *in, char *out,
		       size_t cap)
{
	size_t o = 0;

	while (*in != '\0') {
		const char *val;
		size_t n;

		if (in[0] == '$' && in[1] == '{' && strchr(in, '}') != NULL) {
			n = (size_t)(strchr(in, '}') - in - 2);
			val = var_get(v, in + 2, n);
			if (val == NULL)
				val = "";
			if (o + strlen(val) >= cap)
				return false;
			memcpy(out + o, val, strlen(val));
			o += strlen(val);
			in += n + 3;
			continue;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return true;
}

static bool numeric(const json_t *v)
{
	return json_is_integer(v) || json_is_real(v);
}

/* Compares; *why says what went wrong when it is not a plain mismatch. */
static bool compare(const json_t *actual, const char *op, const json_t *want,
		    const char **why)
{
	*why = NULL;
	if (actual == NULL) {
		*why = "the path leads nowhere in the result";
		return false;
	}
	if (strcmp(op, "~") == 0) {
		regex_t re;
		bool ok;

		if (!json_is_string(actual)) {
			*why = "'~' needs a string result";
			return false;
		}
		if (regcomp(&re, json_string_value(want),
			    REG_EXTENDED | REG_NOSUB) != 0) {
			*why = "not a valid regular expression";
			return false;
		}
		ok = regexec(&re, json_string_value(actual), 0, NULL, 0) == 0;
		regfree(&re);
		return ok;
	}
	if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
		bool eq = json_equal((json_t *)actual, (json_t *)want) ||
			  (numeric(actual) && numeric(want) &&
			   json_number_value(actual) == json_number_value(want));

		return op[0] == '=' ? eq : !eq;
	}
	if (!numeric(actual) || !numeric(want)) {
		*why = "ordering needs numbers";
		return false;
	}
	{
		double a = json_number_value(actual), b = json_number_value(want);

		if (strcmp(op, "<") == 0)
			return a < b;
		if (strcmp(op, "<=") == 0)
			return a <= b;
		if (strcmp(op, ">") == 0)
			return a > b;
		return a >= b;
	}
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct run {
	const struct scenario *sc;
	struct report *rep;
	struct cli_ctx ctx;
	struct server *server;
	struct vars vars;
	json_t *last;      /* the previous command's document */
	int last_status;
	const char *last_command;
	char command[SCENARIO_MAX_LINE * 2]; /* with variables replaced */
	int64_t start;     /* the lab clock at the start: day 0 */
	uint64_t keygen_sequence;
	bool failed;       /* anything failed */
	bool stop;         /* a command failed unexpected: stop the file */
};

static void narrate(struct run *r, const char *sentence)
{
	int64_t now = r->start;
	char when[ACTSIM_TIME_TEXT_BYTES];

	if (!report_narrating(r->rep))
		return;
	if (actsim_lab_clock_get(r->ctx.shared_lab, &now) != ACTSIM_OK)
		now = r->start;
	actsim_time_format(when, now);
	report_narrate(r->rep, (now - r->start) / ACTSIM_DAY, when, sentence);
}

static void run_command(struct run *r, const struct step *st,
			const struct step *next)
{
	char line[SCENARIO_MAX_LINE * 2], words[SCENARIO_MAX_LINE * 2 + 64];
	char *argv[SCENARIO_MAX_ARGS + 1], *written[SCENARIO_MAX_ARGS + 1];
	struct cli_result res;
	json_t *doc;
	char *sentence;
	int argc;

	json_decref(r->last);
	r->last = NULL;
	r->last_command = st->text;
	if (!substitute(&r->vars, st->text, line, sizeof line) ||
	    (argc = scenario_split(line, words, sizeof words, argv)) <= 0) {
		r->last_command = st->text;
		report_point(r->rep, r->sc->file, st->line, false, st->text,
			     NULL, NULL, 2, "the line is too long once "
					    "variables are replaced");
		r->failed = r->stop = true;
		return;
	}
	memcpy(r->command, line, sizeof r->command);
	r->last_command = r->command;
	/* getopt reorders argv; narration wants the words as written. */
	memcpy(written, argv, sizeof written);
	cli_run(&r->ctx, argc, argv, &res);
	doc = cli_result_doc(&res);
	r->last = doc != NULL ? json_incref(doc) : json_object();
	r->last_status = res.status;
	sentence = scenario_narrate(argc, written, r->last, res.status);
	if (sentence != NULL)
		narrate(r, sentence);
	free(sentence);
	cli_result_release(&res);
	/* A failing command must be expected to fail. */
	if (r->last_status != 0 &&
	    !(next != NULL && next->kind == STEP_EXPECT &&
	      strcmp(next->path, "exit") == 0)) {
		report_point(r->rep, r->sc->file, st->line, false,
			     r->last_command, "exit == 0", r->last,
			     r->last_status,
			     "the command failed and no 'expect exit' "
			     "follows");
		r->failed = r->stop = true;
	}
}

static void run_expect(struct run *r, const struct step *st)
{
	char value[SCENARIO_MAX_LINE * 2], expected[SCENARIO_MAX_LINE * 2 + 64];
	json_t *want, *actual, *status = NULL;
	const char *why = NULL;
	bool ok;

	if (!substitute(&r->vars, st->value, value, sizeof value)) {
		report_point(r->rep, r->sc->file, st->line, false,
			     r->last_command, st->text, NULL, r->last_status,
			     "the value is too long");
		r->failed = true;
		return;
	}
	snprintf(expected, sizeof expected, "%s %s %s", st->path, st->op,
		 value);
	want = json_loads(value, JSON_DECODE_ANY, NULL);
	if (want == NULL) {
		report_point(r->rep, r->sc->file, st->line, false,
			     r->last_command, expected, NULL, r->last_status,
			     "the value is not a JSON literal");
		r->failed = true;
		return;
	}
	if (strcmp(st->path, "exit") == 0) {
		status = json_integer(r->last_status);
		actual = status;
	} else {
		actual = scenario_path(r->last, st->path);
		/* a member that is not there equals null */
		if (actual == NULL && (strcmp(st->op, "==") == 0 ||
				       strcmp(st->op, "!=") == 0))
			actual = status = json_null();
	}
	ok = compare(actual, st->op, want, &why);
	report_point(r->rep, r->sc->file, st->line, ok, r->last_command,
		     expected, actual, r->last_status, why);
	if (!ok)
		r->failed = true;
	json_decref(want);
	json_decref(status);
}

static void run_set(struct run *r, const struct step *st)
{
	json_t *v = scenario_path(r->last, st->path);
	char *text;

	if (v == NULL) {
		report_point(r->rep, r->sc->file, st->line, false,
			     r->last_command, st->text, NULL, r->last_status,
			     "the path leads nowhere in the result");
		r->failed = true;
		return;
	}
	if (json_is_string(v)) {
		var_set(&r->vars, st->name, json_string_value(v));
		return;
	}
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	var_set(&r->vars, st->name, text != NULL ? text : "");
	free(text);
}

static void run_server(struct run *r, const struct step *st, bool start)
{
	struct server_opts o;
	char err[512] = "", sentence[640];
	int status;

	if (!start) {
		server_stop(r->server);
		r->server = NULL;
		narrate(r, "The clearinghouse stops.");
		return;
	}
	if (r->server != NULL)
		return;
	memset(&o, 0, sizeof o);
	o.lab_dir = r->ctx.lab_dir;
	o.listen = "127.0.0.1:0";
	o.threads = 2;
	r->server = server_start(&o, err, sizeof err, &status);
	if (r->server == NULL) {
		report_point(r->rep, r->sc->file, st->line, false, st->text,
			     NULL, NULL, status, err);
		r->failed = r->stop = true;
		return;
	}
	snprintf(sentence, sizeof sentence,
		 "The clearinghouse is listening on %s.", server_url(r->server));
	narrate(r, sentence);
}

static bool make_lab(struct run *r, const char *dir, char *err, size_t cap)
{
	struct actsim_lab_init_opts o;
	struct actsim_lab *lab = NULL;
	actsim_err e;

	memset(&o, 0, sizeof o);
	if (actsim_realm_seed_from_number(o.seed, r->sc->seed) != ACTSIM_OK ||
	    RAND_bytes(o.admin_token, sizeof o.admin_token) != 1) {
		snprintf(err, cap, "cannot make the lab's seed");
		return false;
	}
	o.force = true;
	e = actsim_lab_create(&lab, dir, &o);
	if (e != ACTSIM_OK)
		snprintf(err, cap, "%s", actsim_lab_errmsg(lab));
	actsim_lab_close(lab);
	if (e != ACTSIM_OK)
		return false;
	e = actsim_lab_open(&r->ctx.shared_lab, dir, true);
	if (e == ACTSIM_OK)
		e = actsim_lab_catalog(r->ctx.shared_lab, &r->ctx.shared_catalog);
	if (e == ACTSIM_OK)
		e = actsim_lab_clock_get(r->ctx.shared_lab, &r->start);
	if (e != ACTSIM_OK) {
		snprintf(err, cap, "%s", actsim_lab_errmsg(r->ctx.shared_lab));
		return false;
	}
	return true;
}

int scenario_run(const struct scenario *sc, const char *keep_dir,
		 struct report *rep)
{
	struct run r;
	char tmp[PATH_MAX], err[1024];
	const char *dir;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(&r, 0, sizeof r);
	r.sc = sc;
	r.rep = rep;
	report_file(rep, sc->file);
	if (keep_dir != NULL) {
		dir = keep_dir;
	} else {
		const char *base = getenv("TMPDIR");

		snprintf(tmp, sizeof tmp, "%s/actsim-scenario-XXXXXX",
			 base != NULL && *base == '/' ? base : "/tmp");
		dir = mkdtemp(tmp);
	}
	r.ctx.lab_dir = dir;
	r.ctx.json = true;
	r.ctx.keygen_sequence = &r.keygen_sequence;
	r.ctx.output_dir = dir;
	r.ctx.threads = 2;
	r.ctx.dialogue = fopen("/dev/null", "w");
	if (dir == NULL || cwd < 0 || !make_lab(&r, dir, err, sizeof err)) {
		report_point(rep, sc->file, 1, false, "lab init", NULL, NULL, 3,
			     dir == NULL ? "cannot make a temporary lab" : err);
		r.failed = true;
		goto out;
	}
	/* Relative paths in the file resolve against its folder. */
	if (chdir(sc->dir) != 0) {
		report_point(rep, sc->file, 1, false, "cd", NULL, NULL, 3,
			     strerror(errno));
		r.failed = true;
		goto out;
	}
	for (size_t i = 0; i < sc->nsteps && !r.stop; i++) {
		const struct step *st = &sc->steps[i];
		const struct step *next = i + 1 < sc->nsteps ?
						  &sc->steps[i + 1] :
						  NULL;

		switch (st->kind) {
		case STEP_COMMAND:
			run_command(&r, st, next);
			break;
		case STEP_EXPECT:
			run_expect(&r, st); /* a failure is reported; go on */
			break;
		case STEP_SET:
			run_set(&r, st);
			break;
		case STEP_SERVER_START:
		case STEP_SERVER_STOP:
			run_server(&r, st, st->kind == STEP_SERVER_START);
			break;
		}
	}
out:
	if (cwd >= 0) {
		if (fchdir(cwd) != 0)
			r.failed = true;
		close(cwd);
	}
	server_stop(r.server);
	json_decref(r.last);
	for (size_t i = 0; i < r.vars.n; i++)
		free(r.vars.value[i]);
	actsim_catalog_free(r.ctx.shared_catalog);
	actsim_lab_close(r.ctx.shared_lab);
	if (r.ctx.dialogue != NULL)
		fclose(r.ctx.dialogue);
	if (keep_dir == NULL && dir != NULL)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return r.failed ? 1 : 0;
}
