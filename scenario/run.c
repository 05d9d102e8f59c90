/* Scenario files: the in-process runner. Every command runs through
 * cli_run on one open lab. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "actsim/time.h"
#include "scenario.h"
#include "internal.h"
#include "../server/server.h"
#include "../common/banned.h"

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
