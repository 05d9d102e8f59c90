/* Scenario files: the runner. Each file runs in a child process of its
 * own, in a lab of its own, with its standard input closed; commands run
 * in process in that child through cli_run on one open lab. The child
 * tells the parent what happens as lines of JSON on a pipe; the parent
 * runs up to --jobs children at once, kills one that outlives --timeout,
 * and hands the results to the report in file order. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cli/rand_lazy.h"

#include "actsim/time.h"
#include "scenario.h"
#include "internal.h"
#include "../cli/server_lazy.h"
#include "../common/banned.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the child: one file ---- */

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
/* lines: ^ and $ also match at line ends (for printed text). */
static bool compare(const json_t *actual, const char *op, const json_t *want,
		    bool lines, const char **why)
{
	*why = NULL;
	if (strcmp(op, "~") == 0) {
		regex_t re;
		bool ok;

		if (!json_is_string(actual)) {
			*why = "'~' needs a string result";
			return false;
		}
		if (regcomp(&re, json_string_value(want),
			    REG_EXTENDED | REG_NOSUB |
				    (lines ? REG_NEWLINE : 0)) != 0) {
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
	const char *database; /* NULL: SQLite */
	FILE *ev;          /* events to the parent */
	bool narrating;
	struct cli_ctx ctx;
	struct server *server;
	const struct server_plugin *plugin; /* set while server is */
	struct vars vars;
	json_t *last;      /* the previous command's document */
	int last_status;
	const char *last_command;
	char *out_text, *err_text; /* what it prints for a person */
	char command[SCENARIO_MAX_LINE * 2]; /* with variables replaced */
	int64_t start;     /* the lab clock at the start: day 0 */
	uint64_t keygen_sequence;
	bool stop;         /* a command failed unexpected: stop the file */
	/* the point in progress */
	size_t point;
	bool open;
	int64_t point_start;
	json_t *failure;   /* its first failure */
	json_t *more;      /* messages of the others */
	char *aside;       /* comment lines not yet told */
	char hostport[96]; /* the server's "127.0.0.1:PORT", once started */
	const char *temp_lab; /* the lab's folder when it is temporary */
};

static void emit(struct run *r, json_t *ev)
{
	if (ev == NULL)
		return;
	json_dumpf(ev, r->ev, JSON_COMPACT);
	fputc('\n', r->ev);
	fflush(r->ev);
	json_decref(ev);
}

/* Writes text with each needle replaced; NULL or empty needles skipped. */
static void write_masked(FILE *f, const char *text, const char *const *needle,
			 const char *const *with, size_t n)
{
	while (*text != '\0') {
		size_t k;

		for (k = 0; k < n; k++)
			if (needle[k] != NULL && needle[k][0] != '\0' &&
			    strncmp(text, needle[k], strlen(needle[k])) == 0)
				break;
		if (k < n) {
			fputs(with[k], f);
			text += strlen(needle[k]);
		} else {
			fputc(*text++, f);
		}
	}
}

/* A point's event with what differs from run to run through no fault of
 * the file written as a placeholder: the server's free port (PORT) and
 * a temporary lab's folder (LAB). The same file gives the same report. */
static void emit_point(struct run *r, json_t *ev)
{
	const char *needle[] = { r->hostport, r->temp_lab };
	const char *with[] = { "127.0.0.1:PORT", "LAB" };
	char *text;

	if (ev == NULL)
		return;
	text = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	if (text == NULL)
		return;
	write_masked(r->ev, text, needle, with, 2);
	fputc('\n', r->ev);
	fflush(r->ev);
	free(text);
}

static void narrate(struct run *r, const char *sentence)
{
	int64_t now = r->start;
	char when[ACTSIM_TIME_TEXT_BYTES];

	if (!r->narrating)
		return;
	if (actsim_lab_clock_get(r->ctx.shared_lab, &now) != ACTSIM_OK)
		now = r->start;
	actsim_time_format(when, now);
	emit(r, json_pack("{s:s,s:I,s:s,s:s}", "e", "say", "day",
			  (json_int_t)((now - r->start) / ACTSIM_DAY), "when",
			  when, "text", sentence));
}

/* Records a failure of the point in progress. actual NULL: missing. */
static void fail(struct run *r, const struct step *st, const char *message,
		 const char *expected, const json_t *actual, const char *note)
{
	char at[PATH_MAX + 32];

	snprintf(at, sizeof at, "%s:%u", st->src, st->line);
	if (r->failure != NULL) {
		char line[8192];

		snprintf(line, sizeof line, "%s (%s)", message, at);
		json_array_append_new(r->more, json_string(line));
		return;
	}
	r->failure = json_pack("{s:s,s:s,s:s?,s:s?,s:i,s:s?}", "message",
			       message, "at", at, "command", r->last_command,
			       "expected", expected, "exit", r->last_status,
			       "note", note);
	if (r->failure != NULL && actual != NULL)
		json_object_set(r->failure, "actual", (json_t *)actual);
}

static char *compact(const json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT |
				     JSON_PRESERVE_ORDER);
}

/* The YAML lines of a failure, for TAP and the JUnit failure text. */
static char *yaml_detail(json_t *f, json_t *more)
{
	char *buf = NULL, *act = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	json_t *a = json_object_get(f, "actual");
	const char *keys[] = { "message", "at", "command", "expected" };

	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = json_string_value(json_object_get(f, keys[i]));

		if (v == NULL)
			continue;
		fprintf(m, "  %s: ", keys[i]);
		report_yaml_str(m, v);
		fputc('\n', m);
	}
	/* JSON is YAML: the actual value goes in as it is. */
	if (a != NULL && (act = compact(a)) != NULL)
		fprintf(m, "  actual: %s\n", act);
	fprintf(m, "  exit: %lld\n",
		(long long)json_integer_value(json_object_get(f, "exit")));
	if (json_is_string(json_object_get(f, "note"))) {
		fputs("  note: ", m);
		report_yaml_str(m, json_string_value(json_object_get(f, "note")));
		fputc('\n', m);
	}
	if (json_array_size(more) > 0) {
		size_t i;
		json_t *v;

		fputs("  also:\n", m);
		json_array_foreach(more, i, v) {
			fputs("    - ", m);
			report_yaml_str(m, json_string_value(v));
			fputc('\n', m);
		}
	}
	free(act);
	fclose(m);
	return buf;
}

static void close_point(struct run *r)
{
	json_t *ev;

	if (!r->open)
		return;
	r->open = false;
	ev = json_pack("{s:s,s:I,s:s,s:I}", "e", "point", "i",
		       (json_int_t)r->point, "status",
		       r->failure != NULL ? "fail" : "pass", "ms",
		       (json_int_t)(now_ms() - r->point_start));
	if (ev != NULL && r->failure != NULL) {
		char *d = yaml_detail(r->failure, r->more);

		json_object_set(ev, "message",
				json_object_get(r->failure, "message"));
		json_object_set(ev, "at", json_object_get(r->failure, "at"));
		if (json_object_get(r->failure, "expected") != NULL)
			json_object_set(ev, "expected",
					json_object_get(r->failure,
							"expected"));
		if (json_object_get(r->failure, "actual") != NULL)
			json_object_set(ev, "actual",
					json_object_get(r->failure, "actual"));
		if (d != NULL)
			json_object_set_new(ev, "detail", json_string(d));
		free(d);
	}
	emit_point(r, ev);
	json_decref(r->failure);
	r->failure = NULL;
	json_array_clear(r->more);
}

static void open_point(struct run *r, size_t point)
{
	if (r->open && r->point == point)
		return;
	close_point(r);
	r->open = true;
	r->point = point;
	r->point_start = now_ms();
}

/* What the command prints for a person: the same result rendered
 * without --json. */
static void capture_text(struct run *r, struct cli_result *res)
{
	struct cli_ctx text = r->ctx;
	size_t n;
	FILE *o = open_memstream(&r->out_text, &n);
	FILE *e = open_memstream(&r->err_text, &n);

	text.json = false;
	if (o != NULL && e != NULL)
		cli_render(&text, res, o, e);
	if (o != NULL)
		fclose(o);
	if (e != NULL)
		fclose(e);
}

static const struct step *next_step(const struct scenario *sc, size_t i)
{
	while (++i < sc->nsteps && sc->steps[i].kind == STEP_COMMENT)
		;
	return i < sc->nsteps ? &sc->steps[i] : NULL;
}

static void run_command(struct run *r, const struct step *st,
			const struct step *next)
{
	char line[SCENARIO_MAX_LINE * 2], words[SCENARIO_MAX_LINE * 2 + 64];
	char *argv[SCENARIO_MAX_ARGS + 1], *written[SCENARIO_MAX_ARGS + 1];
	char msg[8192];
	struct cli_result res;
	json_t *doc;
	char *sentence;
	int argc;

	json_decref(r->last);
	r->last = NULL;
	free(r->out_text);
	free(r->err_text);
	r->out_text = r->err_text = NULL;
	r->last_command = st->text;
	if (!substitute(&r->vars, st->text, line, sizeof line) ||
	    (argc = scenario_split(line, words, sizeof words, argv)) <= 0) {
		r->last_status = 2;
		fail(r, st, "the line is too long once variables are "
			    "replaced",
		     NULL, NULL, NULL);
		r->stop = true;
		return;
	}
	memcpy(r->command, line, sizeof r->command);
	r->last_command = r->command;
	/* getopt reorders argv; narration wants the words as written. */
	memcpy(written, argv, sizeof written);
	cli_run(&r->ctx, argc, argv, &res);
	/* Before the document is built: a streamed result prints as text
	 * only while it is still a stream. */
	if (r->sc->wants_text)
		capture_text(r, &res);
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
	      next->subject == SUBJECT_PATH &&
	      strcmp(next->path, "exit") == 0)) {
		const char *why = json_string_value(json_object_get(
			json_object_get(r->last, "error"), "message"));
		json_t *code = json_integer(r->last_status);

		/* A message cut at the buffer's end is still a message. */
		if (snprintf(msg, sizeof msg,
			     "'%s' failed (exit %d%s%s) and no 'expect exit' "
			     "follows",
			     r->command, r->last_status, why ? ": " : "",
			     why ? why : "") < 0)
			msg[0] = '\0';
		fail(r, st, msg, "exit == 0", code, NULL);
		json_decref(code);
		r->stop = true;
	}
}

static void run_expect(struct run *r, const struct step *st)
{
	char value[SCENARIO_MAX_LINE * 2], expected[SCENARIO_MAX_LINE * 2 + 64];
	char missing[512] = "", msg[SCENARIO_MAX_LINE * 4];
	json_t *want = NULL, *actual = NULL, *own = NULL;
	const char *why = NULL;
	char *got;
	bool ok;

	if (st->value != NULL &&
	    !substitute(&r->vars, st->value, value, sizeof value)) {
		fail(r, st, "the value is too long once variables are replaced",
		     st->text, NULL, NULL);
		return;
	}
	if (st->subject == SUBJECT_LENGTH)
		snprintf(expected, sizeof expected, "length(%s) %s %s",
			 st->path, st->op, value);
	else if (st->value == NULL)
		snprintf(expected, sizeof expected, "%s %s", st->path, st->op);
	else
		snprintf(expected, sizeof expected, "%s %s %s", st->path,
			 st->op, value);
	if (st->value != NULL &&
	    (want = json_loads(value, JSON_DECODE_ANY, NULL)) == NULL) {
		snprintf(msg, sizeof msg,
			 "expected %s: the value is not a JSON literal",
			 expected);
		fail(r, st, msg, expected, NULL, NULL);
		return;
	}
	if (st->subject == SUBJECT_STDOUT || st->subject == SUBJECT_STDERR) {
		const char *t = st->subject == SUBJECT_STDOUT ? r->out_text :
								r->err_text;

		actual = own = json_string(t != NULL ? t : "");
		if (actual == NULL) /* not UTF-8 */
			actual = own = json_string("");
	} else if (strcmp(st->path, "exit") == 0) {
		actual = own = json_integer(r->last_status);
	} else {
		actual = scenario_path(r->last, st->path, missing,
				       sizeof missing);
		if (actual != NULL && st->subject == SUBJECT_LENGTH) {
			if (json_is_array(actual))
				own = json_integer(
					(json_int_t)json_array_size(actual));
			else if (json_is_object(actual))
				own = json_integer(
					(json_int_t)json_object_size(actual));
			else
				snprintf(missing, sizeof missing,
					 "'%s' is neither an array nor an "
					 "object",
					 st->path);
			actual = own;
		}
	}
	if (strcmp(st->op, "exists") == 0) {
		ok = actual != NULL;
		snprintf(msg, sizeof msg, "expected %s: %s", expected, missing);
	} else if (strcmp(st->op, "missing") == 0) {
		ok = actual == NULL;
		got = ok ? NULL : compact(actual);
		snprintf(msg, sizeof msg, "expected %s, got %s", expected,
			 got ? got : "?");
		free(got);
	} else if (actual == NULL) {
		ok = false;
		snprintf(msg, sizeof msg, "expected %s: %s", expected, missing);
	} else {
		ok = compare(actual, st->op, want,
			     st->subject >= SUBJECT_STDOUT, &why);
		got = compact(actual);
		snprintf(msg, sizeof msg, "expected %s, got %s%s%s%s",
			 expected, got ? got : "?", why ? " (" : "",
			 why ? why : "", why ? ")" : "");
		free(got);
	}
	if (!ok)
		fail(r, st, msg, expected, actual, NULL);
	json_decref(want);
	json_decref(own);
}

static void run_set(struct run *r, const struct step *st)
{
	char missing[512], msg[1024];
	json_t *v = scenario_path(r->last, st->path, missing, sizeof missing);
	char *text;

	if (v == NULL) {
		snprintf(msg, sizeof msg, "cannot set %s: %s", st->name,
			 missing);
		fail(r, st, msg, NULL, NULL, NULL);
		return;
	}
	if (json_is_string(v)) {
		var_set(&r->vars, st->name, json_string_value(v));
		return;
	}
	text = compact(v);
	var_set(&r->vars, st->name, text != NULL ? text : "");
	free(text);
}

static void run_server(struct run *r, const struct step *st, bool start)
{
	const struct server_plugin *p;
	struct server_opts o;
	char err[512] = "", sentence[640];
	int status = 3; /* environment, when the server part is missing */

	if (!start) {
		if (r->server != NULL)
			r->plugin->stop(r->server);
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
	r->last_command = st->text;
	p = server_lazy_load(err, sizeof err);
	r->server = p != NULL ? p->start(&o, err, sizeof err, &status) : NULL;
	if (r->server == NULL) {
		r->last_status = status;
		fail(r, st, err, NULL, NULL, NULL);
		r->stop = true;
		return;
	}
	r->plugin = p;
	snprintf(r->hostport, sizeof r->hostport, "%s",
		 strstr(p->url(r->server), "://") != NULL ?
			 strstr(p->url(r->server), "://") + 3 :
			 p->url(r->server));
	snprintf(sentence, sizeof sentence,
		 "The clearinghouse is listening on %s.", p->url(r->server));
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
	/* The parent has refused a kept lab that was there without
	 * --force. */
	o.force = true;
	o.database = r->database;
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

/* Consecutive comment lines are one aside. */
static void aside_add(struct run *r, const char *text)
{
	size_t n = r->aside != NULL ? strlen(r->aside) : 0;
	char *g = realloc(r->aside, n + strlen(text) + 2);

	if (g == NULL)
		return;
	if (n > 0)
		g[n++] = ' ';
	memcpy(g + n, text, strlen(text) + 1);
	r->aside = g;
}

static void aside_flush(struct run *r)
{
	if (r->aside == NULL)
		return;
	emit(r, json_pack("{s:s,s:s}", "e", "aside", "text", r->aside));
	free(r->aside);
	r->aside = NULL;
}

static void run_steps(struct run *r)
{
	const struct scenario *sc = r->sc;

	for (size_t i = 0; i < sc->nsteps && !r->stop; i++) {
		const struct step *st = &sc->steps[i];

		open_point(r, st->point);
		emit(r, json_pack("{s:s,s:I}", "e", "step", "i",
				  (json_int_t)i));
		if (st->kind != STEP_COMMENT)
			aside_flush(r);
		switch (st->kind) {
		case STEP_COMMAND:
			run_command(r, st, next_step(sc, i));
			break;
		case STEP_EXPECT:
			run_expect(r, st); /* a failure is reported; go on */
			break;
		case STEP_SET:
			run_set(r, st);
			break;
		case STEP_SERVER_START:
		case STEP_SERVER_STOP:
			run_server(r, st, st->kind == STEP_SERVER_START);
			break;
		case STEP_TEST:
			break;
		case STEP_COMMENT:
			if (r->narrating)
				aside_add(r, st->name);
			break;
		}
		if (r->stop) {
			close_point(r);
			emit(r, json_pack("{s:s,s:I}", "e", "stop", "i",
					  (json_int_t)i));
		}
	}
	aside_flush(r);
	close_point(r);
}

/* Runs one command of the runner's own (not a step of the file) and
 * returns its document, or NULL when it fails. */
static json_t *ask(struct run *r, int argc, char **argv)
{
	struct cli_result res;
	json_t *doc = NULL;

	cli_run(&r->ctx, argc, argv, &res);
	if (res.status == 0 && cli_result_doc(&res) != NULL)
		doc = json_incref(cli_result_doc(&res));
	cli_result_release(&res);
	return doc;
}

/* Every machine of the lab's grace timeline, sent to the parent before
 * the lab goes: {"e": "timeline", "machine", "timeline"}. */
static void send_timelines(struct run *r)
{
	char list[] = "machine", sub[] = "list", tl[] = "timeline";
	char *argv[4] = { list, sub, NULL, NULL };
	json_t *doc = ask(r, 2, argv), *m;
	size_t i;

	json_array_foreach(json_object_get(doc, "machines"), i, m) {
		const char *name =
			json_string_value(json_object_get(m, "name"));
		char *copy = name != NULL ? strdup(name) : NULL;
		json_t *one;

		if (copy == NULL)
			continue;
		argv[0] = list;
		argv[1] = tl;
		argv[2] = copy;
		one = ask(r, 3, argv);
		if (json_object_get(one, "timeline") != NULL)
			emit(r, json_pack("{s:s,s:s,s:O}", "e", "timeline",
					  "machine", name, "timeline",
					  json_object_get(one, "timeline")));
		json_decref(one);
		free(copy);
	}
	json_decref(doc);
}

/* The child's work: runs the file in dir (temporary: temp) and writes
 * its events to fd. */
static void run_child(const struct scenario *sc, const char *dir, bool temp,
		      const char *database, bool narrating, bool timelines,
		      int fd)
{
	struct run r;
	char err[1024];

	memset(&r, 0, sizeof r);
	r.sc = sc;
	r.database = database;
	r.narrating = narrating;
	r.temp_lab = temp ? dir : NULL;
	r.ev = fdopen(fd, "w");
	r.more = json_array();
	if (r.ev == NULL || r.more == NULL)
		return;
	r.ctx.lab_dir = dir;
	r.ctx.json = true;
	r.ctx.keygen_sequence = &r.keygen_sequence;
	r.ctx.output_dir = dir;
	r.ctx.threads = 2;
	r.ctx.dialogue = fopen("/dev/null", "w");
	if (!make_lab(&r, dir, err, sizeof err)) {
		if (sc->npoints > 0) {
			const struct step first = { .src = sc->file,
						    .line = 1 };

			open_point(&r, 0);
			r.last_command = "lab init";
			r.last_status = 3;
			fail(&r, &first, err, NULL, NULL, NULL);
			close_point(&r);
		}
		emit(&r, json_pack("{s:s,s:I}", "e", "stop", "i",
				   (json_int_t)0));
	} else if (chdir(sc->dir) != 0) {
		/* Relative paths in the file resolve against its folder. */
		emit(&r, json_pack("{s:s,s:I}", "e", "stop", "i",
				   (json_int_t)0));
	} else {
		run_steps(&r);
		if (timelines)
			send_timelines(&r);
	}
	emit(&r, json_pack("{s:s}", "e", "done"));
	if (r.server != NULL)
		r.plugin->stop(r.server);
	json_decref(r.last);
	json_decref(r.failure);
	json_decref(r.more);
	free(r.out_text);
	free(r.err_text);
	free(r.aside);
	for (size_t i = 0; i < r.vars.n; i++)
		free(r.vars.value[i]);
	actsim_catalog_free(r.ctx.shared_catalog);
	/* A temporary lab's folder goes with the run; in PostgreSQL its
	 * schema must go too. */
	if (temp && r.ctx.shared_lab != NULL)
		actsim_lab_drop(r.ctx.shared_lab);
	actsim_lab_close(r.ctx.shared_lab);
	if (r.ctx.dialogue != NULL)
		fclose(r.ctx.dialogue);
	fclose(r.ev);
}

/* ---- the parent: several files, reported in order ---- */

struct job {
	const struct scenario_job *in;
	pid_t pid;
	int fd;              /* the child's events; -1 when read to the end */
	char *buf;           /* a partial line */
	size_t len, cap;
	json_t *queue;       /* events held until the file is reported */
	bool started, reaped, shown, done;
	int wstatus;
	bool timed_out;
	struct report_suite suite;
	size_t reported;     /* points reported so far */
	long last_step;      /* the step running, or -1 */
	long stop_step;      /* where the child stopped, or -1 */
	int64_t t0, deadline;
	char tmp[PATH_MAX];  /* the lab when none is kept */
};

static const struct step *step_at(const struct job *j, long i)
{
	const struct scenario *sc = j->in->sc;

	if (sc == NULL || sc->nsteps == 0)
		return NULL;
	if (i < 0)
		i = 0;
	if ((size_t)i >= sc->nsteps)
		i = (long)sc->nsteps - 1;
	return &sc->steps[i];
}

static void show_point(struct report *rep, struct job *j, json_t *ev)
{
	const struct scenario *sc = j->in->sc;
	size_t i = (size_t)json_integer_value(json_object_get(ev, "i"));
	const char *status = json_string_value(json_object_get(ev, "status"));
	struct report_point p;

	if (sc == NULL || i >= sc->npoints || i < j->reported)
		return;
	memset(&p, 0, sizeof p);
	p.index = i;
	p.name = sc->points[i].name;
	p.src = sc->points[i].src;
	p.line = sc->points[i].line;
	p.status = status != NULL && strcmp(status, "pass") == 0 ? POINT_PASS :
		   status != NULL && strcmp(status, "skip") == 0 ? POINT_SKIP :
								  POINT_FAIL;
	p.message = json_string_value(json_object_get(ev, "message"));
	p.detail = json_string_value(json_object_get(ev, "detail"));
	p.at = json_string_value(json_object_get(ev, "at"));
	p.expected = json_string_value(json_object_get(ev, "expected"));
	p.actual = json_object_get(ev, "actual");
	p.seconds = (double)json_integer_value(json_object_get(ev, "ms")) /
		    1000.0;
	report_point(rep, &j->suite, &p);
	j->reported = i + 1;
}

static void show(struct report *rep, struct job *j, json_t *ev)
{
	const char *e = json_string_value(json_object_get(ev, "e"));

	if (e == NULL)
		return;
	if (strcmp(e, "point") == 0)
		show_point(rep, j, ev);
	else if (strcmp(e, "aside") == 0)
		report_aside(rep, json_string_value(json_object_get(ev, "text")));
	else if (strcmp(e, "say") == 0)
		report_narrate(rep,
			       json_integer_value(json_object_get(ev, "day")),
			       json_string_value(json_object_get(ev, "when")),
			       json_string_value(json_object_get(ev, "text")));
	else if (strcmp(e, "timeline") == 0)
		report_timeline(rep,
				json_string_value(json_object_get(ev, "machine")),
				json_object_get(ev, "timeline"));
}

/* One event from a child: noted, and shown when its file is the one
 * being reported, else held. */
static void receive(struct report *rep, struct job *j, const char *line)
{
	json_t *ev = json_loads(line, 0, NULL);
	const char *e = json_string_value(json_object_get(ev, "e"));

	if (e == NULL) {
		json_decref(ev);
		return;
	}
	if (strcmp(e, "step") == 0) {
		j->last_step = (long)json_integer_value(json_object_get(ev, "i"));
		json_decref(ev);
		return;
	}
	if (strcmp(e, "stop") == 0)
		j->stop_step = (long)json_integer_value(json_object_get(ev, "i"));
	if (j->shown)
		show(rep, j, ev);
	else
		json_array_append(j->queue, ev);
	json_decref(ev);
}

static void read_child(struct report *rep, struct job *j)
{
	char chunk[65536];
	ssize_t n = read(j->fd, chunk, sizeof chunk);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(j->fd);
		j->fd = -1;
		return;
	}
	if (j->len + (size_t)n + 1 > j->cap) {
		size_t ncap = (j->len + (size_t)n + 1) * 2;
		char *g = realloc(j->buf, ncap);

		if (g == NULL)
			return;
		j->buf = g;
		j->cap = ncap;
	}
	memcpy(j->buf + j->len, chunk, (size_t)n);
	j->len += (size_t)n;
	for (;;) {
		char *nl = memchr(j->buf, '\n', j->len);
		size_t k;

		if (nl == NULL)
			break;
		*nl = '\0';
		receive(rep, j, j->buf);
		k = (size_t)(nl - j->buf) + 1;
		memmove(j->buf, nl + 1, j->len - k);
		j->len -= k;
	}
}

static void utc_now(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
}

static bool start_job(struct job *j, bool narrating, bool timelines,
		      int64_t timeout_ms)
{
	const struct scenario *sc = j->in->sc;
	const char *dir = j->in->keep_dir;
	int fds[2];

	j->started = true;
	j->t0 = now_ms();
	j->deadline = timeout_ms > 0 ? j->t0 + timeout_ms : INT64_MAX;
	utc_now(j->suite.timestamp);
	if (dir == NULL) {
		const char *base = getenv("TMPDIR");

		snprintf(j->tmp, sizeof j->tmp, "%s/actsim-scenario-XXXXXX",
			 base != NULL && *base == '/' ? base : "/tmp");
		if (mkdtemp(j->tmp) == NULL) {
			j->tmp[0] = '\0';
			return false;
		}
		dir = j->tmp;
	}
	if (pipe(fds) != 0)
		return false;
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (j->pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* A scenario never reads the runner's input, and nothing
		 * it prints can get into the report. */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		close(fds[0]);
		run_child(sc, dir, j->tmp[0] != '\0', j->in->database,
			  narrating, timelines, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	j->fd = fds[0];
	return true;
}

/* "5m", "30s", "1500ms": a duration as it would be written. */
static const char *duration_text(int64_t ms, char *out, size_t cap)
{
	if (ms % 3600000 == 0)
		snprintf(out, cap, "%lldh", (long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(out, cap, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(out, cap, "%llds", (long long)(ms / 1000));
	else
		snprintf(out, cap, "%lldms", (long long)ms);
	return out;
}

/* Points the child did not report: the one running when it stopped
 * fails (timed out, or the runner died), the rest are skipped. */
static void finish_job(struct report *rep, struct job *j, int64_t timeout_ms)
{
	const struct scenario *sc = j->in->sc;
	bool abnormal = j->timed_out || !WIFEXITED(j->wstatus) ||
			WEXITSTATUS(j->wstatus) != 0 || j->pid <= 0;
	const struct step *at = step_at(j, j->stop_step >= 0 ? j->stop_step :
							       j->last_step);
	char msg[PATH_MAX + 128], when[32];

	for (size_t i = j->reported; sc != NULL && i < sc->npoints; i++) {
		struct report_point p;

		memset(&p, 0, sizeof p);
		p.index = i;
		p.name = sc->points[i].name;
		p.src = sc->points[i].src;
		p.line = sc->points[i].line;
		if (abnormal && j->stop_step < 0) {
			if (j->timed_out)
				snprintf(msg, sizeof msg,
					 "timed out after %s at %s:%u",
					 duration_text(timeout_ms, when,
						       sizeof when),
					 at ? at->src : sc->file,
					 at ? at->line : 0);
			else if (j->pid <= 0)
				snprintf(msg, sizeof msg,
					 "cannot start the file's runner: %s",
					 strerror(errno));
			else
				snprintf(msg, sizeof msg,
					 "the runner stopped (%s %d) at %s:%u",
					 WIFSIGNALED(j->wstatus) ? "signal" :
								  "exit",
					 WIFSIGNALED(j->wstatus) ?
						 WTERMSIG(j->wstatus) :
						 WEXITSTATUS(j->wstatus),
					 at ? at->src : sc->file,
					 at ? at->line : 0);
			p.status = POINT_FAIL;
			p.at = msg + strlen(msg) - strlen(strrchr(msg, ' ') + 1);
			j->stop_step = j->last_step >= 0 ? j->last_step : 0;
		} else {
			if (at == NULL || strcmp(at->src, sc->file) == 0)
				snprintf(msg, sizeof msg,
					 "after failure at line %u",
					 at ? at->line : 0);
			else
				snprintf(msg, sizeof msg,
					 "after failure at %s:%u", at->src,
					 at->line);
			p.status = POINT_SKIP;
		}
		p.message = msg;
		report_point(rep, &j->suite, &p);
	}
	j->suite.seconds = (double)(now_ms() - j->t0) / 1000.0;
	report_suite_end(rep, &j->suite);
}

static void reap(struct job *j)
{
	if (j->pid > 0 && !j->reaped) {
		while (waitpid(j->pid, &j->wstatus, 0) < 0 && errno == EINTR)
			;
		j->reaped = true;
	}
	if (j->tmp[0] != '\0') {
		nftw(j->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		j->tmp[0] = '\0';
	}
}

int scenario_run_all(const struct scenario_job *list, size_t n,
		     unsigned jobs, int64_t timeout_ms, struct report *rep)
{
	struct job *js = calloc(n ? n : 1, sizeof *js);
	struct pollfd *pfd = calloc(n ? n : 1, sizeof *pfd);
	size_t *who = calloc(n ? n : 1, sizeof *who);
	size_t total = 0, head = 0, next = 0, running = 0;
	bool bad = false;

	if (js == NULL || pfd == NULL || who == NULL) {
		free(js);
		free(pfd);
		free(who);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		js[i].in = &list[i];
		js[i].fd = -1;
		js[i].last_step = js[i].stop_step = -1;
		js[i].queue = json_array();
		js[i].suite.file = list[i].file;
		if (list[i].sc != NULL) {
			js[i].suite.points = list[i].sc->points;
			js[i].suite.npoints = list[i].sc->npoints;
			total += list[i].sc->npoints;
		} else {
			js[i].suite.parse_error = list[i].parse_error;
			bad = true;
		}
	}
	if (jobs == 0)
		jobs = 1;
	/* A file that does not parse: nothing runs; the report says which
	 * and why. */
	if (bad) {
		report_begin(rep, 0, false);
		for (size_t i = 0; i < n; i++) {
			if (list[i].sc != NULL)
				continue;
			utc_now(js[i].suite.timestamp);
			report_suite_begin(rep, &js[i].suite);
			report_suite_end(rep, &js[i].suite);
		}
		head = n;
	} else {
		report_begin(rep, total, true);
	}
	while (head < n) {
		size_t np = 0;
		int64_t now = now_ms(), wait = INT64_MAX;

		while (running < jobs && next < n) {
			struct job *j = &js[next++];

			if (start_job(j, report_narrating(rep),
				      report_drawing(rep), timeout_ms))
				running++;
			else
				j->done = true;
		}
		if (!js[head].shown) {
			size_t k;
			json_t *ev;

			js[head].shown = true;
			report_suite_begin(rep, &js[head].suite);
			json_array_foreach(js[head].queue, k, ev)
				show(rep, &js[head], ev);
			json_array_clear(js[head].queue);
		}
		if (js[head].done) {
			reap(&js[head]);
			finish_job(rep, &js[head], timeout_ms);
			head++;
			continue;
		}
		for (size_t i = head; i < next; i++) {
			struct job *j = &js[i];

			if (j->done)
				continue;
			if (now >= j->deadline) {
				kill(j->pid, SIGKILL);
				j->timed_out = true;
				if (j->fd >= 0)
					close(j->fd);
				j->fd = -1;
			}
			if (j->fd < 0) {
				reap(j);
				j->done = true;
				running--;
				continue;
			}
			if (j->deadline - now < wait)
				wait = j->deadline - now;
			pfd[np].fd = j->fd;
			pfd[np].events = POLLIN;
			who[np++] = i;
		}
		if (np == 0)
			continue;
		if (poll(pfd, np, wait == INT64_MAX ? -1 :
				  (int)(wait > 60000 ? 60000 : wait + 1)) <= 0)
			continue;
		for (size_t k = 0; k < np; k++)
			if (pfd[k].revents != 0)
				read_child(rep, &js[who[k]]);
	}
	for (size_t i = 0; i < n; i++) {
		json_decref(js[i].queue);
		free(js[i].buf);
		if (js[i].fd >= 0)
			close(js[i].fd);
	}
	free(js);
	free(pfd);
	free(who);
	return rep->failed + rep->errors > 0 ? 1 : 0;
}
