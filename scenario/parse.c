/* Scenario files: the parser, the word splitter and the path evaluator.
 * include and for are expanded here, so the runner sees a flat list of
 * steps, each with the file and line it came from, and the points (named
 * tests, or one per expectation) are known before anything runs: a
 * report's plan counts them all. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "internal.h"
#include "../common/banned.h"


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

/* "exit", or segments of [A-Za-z0-9_-] with [N] or [-N] indexes, joined
 * by '.'. */
static bool valid_path(const char *p)
{
	if (strcmp(p, "exit") == 0)
		return true;
	if (*p == '\0' || *p == '.' || *p == '[')
		return false;
	while (*p != '\0') {
		if (*p == '[') {
			const char *q;

			if (*++p == '-')
				p++;
			q = p;
			while (isdigit((unsigned char)*p))
				p++;
			if (p == q || p - q > 9 || *p != ']')
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

static char *dup_range(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

size_t scenario_utf8_len(const unsigned char *s)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A line with each byte that is not UTF-8 replaced by U+FFFD, so that
 * every report, JSON and XML included, can carry it; malloc'd. */
static char *utf8_fix(const char *s, size_t n)
{
	char *out = malloc(3 * n + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t k = n - i >= 4 ? scenario_utf8_len(
						(const unsigned char *)s + i) :
					0;

		if (k == 0 && n - i < 4) {
			/* near the end: look only at what is there */
			unsigned char tail[5] = { 0 };

			memcpy(tail, s + i, n - i);
			k = scenario_utf8_len(tail);
		}
		if (k == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	return out;
}

/* One line of a file, trimmed, with its number. */
struct src_line {
	unsigned no;
	char *text;
};

/* A loop word in force: ${name} is replaced by value before parsing. */
struct loop_var {
	const char *name;
	const char *value;
	const struct loop_var *outer;
};

struct parser {
	struct scenario *sc;
	size_t scap, pcap;
	char (*names)[64]; /* variables set so far */
	size_t nnames;
	bool first;        /* no command yet: lab init may come */
	const char *chain[SCENARIO_MAX_DEPTH + 1]; /* files being included */
	size_t nchain;
	unsigned depth;    /* include and for nesting */
	char *err;
	size_t errcap;
};

/* Every ${NAME} must have been set on an earlier line. */
static int check_vars(struct parser *ps, const char *s, const char *file,
		      unsigned line)
{
	const char *p = s;

	while ((p = strstr(p, "${")) != NULL) {
		const char *end = strchr(p, '}');
		size_t n;
		bool known = false;

		if (end == NULL)
			return perr(ps->err, ps->errcap, file, line,
				    "'${' without '}'");
		n = (size_t)(end - p - 2);
		if (!valid_name(p + 2, n))
			return perr(ps->err, ps->errcap, file, line,
				    "'%.*s' is not a variable name", (int)n,
				    p + 2);
		for (size_t i = 0; i < ps->nnames; i++)
			if (strlen(ps->names[i]) == n &&
			    strncmp(ps->names[i], p + 2, n) == 0)
				known = true;
		if (!known)
			return perr(ps->err, ps->errcap, file, line,
				    "unknown variable '%.*s' (set it with "
				    "'set %.*s = PATH' or a 'for' line first)",
				    (int)n, p + 2, (int)n, p + 2);
		p = end + 1;
	}
	return 0;
}

static bool add_step(struct parser *ps, struct step *st)
{
	struct scenario *sc = ps->sc;

	if (sc->nsteps == ps->scap) {
		size_t ncap = ps->scap ? ps->scap * 2 : 32;
		struct step *grown = realloc(sc->steps, ncap * sizeof *grown);

		if (grown == NULL)
			return false;
		sc->steps = grown;
		ps->scap = ncap;
	}
	sc->steps[sc->nsteps++] = *st;
	return true;
}

static void step_free(struct step *st)
{
	free(st->text);
	free(st->path);
	free(st->value);
	free(st->name);
}

static const char *const ops[] = { "==", "!=", "<=", ">=", "<", ">", "~",
				   "exists", "missing" };

/* expect SUBJECT OP [VALUE]; s points after "expect". */
static int parse_expect(struct parser *ps, struct step *st, const char *s,
			const char *file, unsigned line)
{
	const char *p = s, *subj, *op, *close;
	size_t i, sn;
	bool presence;
	json_t *v;

	while (*p == ' ' || *p == '\t')
		p++;
	subj = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	sn = (size_t)(p - subj);
	if (sn > 7 && strncmp(subj, "length(", 7) == 0 &&
	    (close = memchr(subj, ')', sn)) != NULL && close == p - 1) {
		st->subject = SUBJECT_LENGTH;
		st->path = dup_range(subj + 7, sn - 8);
	} else {
		if (sn == 6 && strncmp(subj, "stdout", 6) == 0)
			st->subject = SUBJECT_STDOUT;
		else if (sn == 6 && strncmp(subj, "stderr", 6) == 0)
			st->subject = SUBJECT_STDERR;
		st->path = dup_range(subj, sn);
	}
	if (st->path == NULL ||
	    (st->subject <= SUBJECT_LENGTH && !valid_path(st->path)) ||
	    (st->subject == SUBJECT_LENGTH && strcmp(st->path, "exit") == 0))
		return perr(ps->err, ps->errcap, file, line,
			    "expect needs PATH OP VALUE; '%.*s' is not a "
			    "path",
			    (int)sn, subj);
	while (*p == ' ' || *p == '\t')
		p++;
	op = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if ((size_t)(p - op) == strlen(ops[i]) &&
		    strncmp(op, ops[i], strlen(ops[i])) == 0)
			break;
	if (i == sizeof ops / sizeof ops[0])
		return perr(ps->err, ps->errcap, file, line,
			    "unknown operator '%.*s' (== != < <= > >= ~ "
			    "exists missing)",
			    (int)(p - op), op);
	memcpy(st->op, ops[i], strlen(ops[i]) + 1);
	presence = strcmp(st->op, "exists") == 0 ||
		   strcmp(st->op, "missing") == 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (presence) {
		if (*p != '\0')
			return perr(ps->err, ps->errcap, file, line,
				    "'%s' takes no value", st->op);
		if (st->subject != SUBJECT_PATH ||
		    strcmp(st->path, "exit") == 0)
			return perr(ps->err, ps->errcap, file, line,
				    "'%s' needs a path into the result",
				    st->op);
		return 0;
	}
	if (*p == '\0')
		return perr(ps->err, ps->errcap, file, line,
			    "expect needs a VALUE (a JSON literal)");
	if (st->subject >= SUBJECT_STDOUT && strcmp(st->op, "~") != 0 &&
	    strcmp(st->op, "==") != 0 && strcmp(st->op, "!=") != 0)
		return perr(ps->err, ps->errcap, file, line,
			    "%s takes ~, == or !=", st->path);
	st->value = strdup(p);
	if (st->value == NULL)
		return perr(ps->err, ps->errcap, file, line, "out of memory");
	if (strstr(p, "${") != NULL)
		return 0;
	v = json_loads(p, JSON_DECODE_ANY, NULL);
	if (v == NULL)
		return perr(ps->err, ps->errcap, file, line,
			    "'%s' is not a JSON literal (strings need double "
			    "quotes)",
			    p);
	if ((strcmp(st->op, "~") == 0 || st->subject >= SUBJECT_STDOUT) &&
	    !json_is_string(v)) {
		json_decref(v);
		return perr(ps->err, ps->errcap, file, line,
			    "'%s' needs a string", strcmp(st->op, "~") == 0 ?
							   "~" : st->path);
	}
	if (strcmp(st->op, "~") == 0) {
		regex_t re;
		int bad = regcomp(&re, json_string_value(v),
				  REG_EXTENDED | REG_NOSUB);

		if (bad == 0)
			regfree(&re);
		json_decref(v);
		if (bad != 0)
			return perr(ps->err, ps->errcap, file, line,
				    "not a valid regular expression");
		return 0;
	}
	if (st->subject == SUBJECT_LENGTH && !json_is_integer(v)) {
		json_decref(v);
		return perr(ps->err, ps->errcap, file, line,
			    "length(...) compares with a whole number");
	}
	json_decref(v);
	return 0;
}

/* A command that would read the runner's standard input. */
static bool reads_stdin(int argc, char **argv)
{
	bool iid = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			return true;
		if (strcmp(argv[i], "--iid") == 0 ||
		    strncmp(argv[i], "--iid=", 6) == 0)
			iid = true;
	}
	return strcmp(argv[0], "phone") == 0 && !iid;
}

static int parse_line(struct parser *ps, char *s, const char *file,
		      unsigned line)
{
	struct scenario *sc = ps->sc;
	struct step st;
	char buf[SCENARIO_MAX_LINE + SCENARIO_MAX_ARGS];
	char *argv[SCENARIO_MAX_ARGS + 1];
	int argc;

	memset(&st, 0, sizeof st);
	st.line = line;
	st.src = file;
	argc = scenario_split(s, buf, sizeof buf, argv);
	if (argc < 0)
		return perr(ps->err, ps->errcap, file, line,
			    "unbalanced quotes or more than %d words",
			    SCENARIO_MAX_ARGS);
	if (strcmp(argv[0], "test") == 0) {
		if (argc != 2 || argv[1][0] == '\0')
			return perr(ps->err, ps->errcap, file, line,
				    "test needs a NAME: test \"what it "
				    "shows\"");
		st.kind = STEP_TEST;
		st.name = strdup(argv[1]);
	} else if (strcmp(argv[0], "expect") == 0) {
		if (sc->nsteps == 0 || ps->first)
			return perr(ps->err, ps->errcap, file, line,
				    "'expect' before any command");
		if (check_vars(ps, s, file, line) != 0 ||
		    parse_expect(ps, &st, s + 6, file, line) != 0) {
			step_free(&st);
			return -1;
		}
		if (st.subject >= SUBJECT_STDOUT)
			sc->wants_text = true;
		st.kind = STEP_EXPECT;
	} else if (strcmp(argv[0], "set") == 0) {
		if (argc != 4 || strcmp(argv[2], "=") != 0 ||
		    !valid_name(argv[1], strlen(argv[1])) ||
		    strlen(argv[1]) >= 64 || !valid_path(argv[3]))
			return perr(ps->err, ps->errcap, file, line,
				    "set needs 'set NAME = PATH'");
		if (ps->first)
			return perr(ps->err, ps->errcap, file, line,
				    "'set' before any command");
		if (ps->nnames == MAX_VARS)
			return perr(ps->err, ps->errcap, file, line,
				    "more than %d variables", MAX_VARS);
		st.kind = STEP_SET;
		st.name = strdup(argv[1]);
		st.path = strdup(argv[3]);
		snprintf(ps->names[ps->nnames++], 64, "%s", argv[1]);
	} else if (check_vars(ps, s, file, line) != 0) {
		return -1;
	} else if (strcmp(argv[0], "server") == 0) {
		if (argc != 2 || (strcmp(argv[1], "start") != 0 &&
				  strcmp(argv[1], "stop") != 0))
			return perr(ps->err, ps->errcap, file, line,
				    "in a scenario, 'server start' or 'server "
				    "stop'");
		st.kind = strcmp(argv[1], "start") == 0 ? STEP_SERVER_START :
							  STEP_SERVER_STOP;
	} else if (strcmp(argv[0], "lab") == 0 && argc >= 2 &&
		   strcmp(argv[1], "init") == 0) {
		unsigned long long seed = 0;

		if (!ps->first || ps->nchain > 1)
			return perr(ps->err, ps->errcap, file, line,
				    "'lab init' may only be the first line");
		if (!(argc == 2 ||
		      (argc == 4 && strcmp(argv[2], "--seed") == 0 &&
		       cli_parse_u64(argv[3], 0, UINT64_MAX, &seed))))
			return perr(ps->err, ps->errcap, file, line,
				    "the first line may be 'lab init [--seed "
				    "N]'");
		sc->seed = seed;
		ps->first = false;
		return 0;
	} else if (strcmp(argv[0], "scenario") == 0) {
		return perr(ps->err, ps->errcap, file, line,
			    "scenarios do not run scenarios");
	} else if (cli_find_command(argv[0]) == NULL) {
		return perr(ps->err, ps->errcap, file, line,
			    "unknown command '%s' (try 'actsim help')",
			    argv[0]);
	} else if (reads_stdin(argc, argv)) {
		return perr(ps->err, ps->errcap, file, line,
			    "a scenario never reads standard input: give "
			    "a file instead of '-', and 'phone --iid IID "
			    "--single-computer yes' instead of the "
			    "dialogue");
	} else {
		st.kind = STEP_COMMAND;
	}
	if (st.kind != STEP_TEST)
		ps->first = false;
	st.text = strdup(s);
	if (sc->nsteps >= SCENARIO_MAX_STEPS) {
		step_free(&st);
		return perr(ps->err, ps->errcap, file, line,
			    "more than %u lines once include and for are "
			    "expanded",
			    SCENARIO_MAX_STEPS);
	}
	if (st.text == NULL || !add_step(ps, &st)) {
		step_free(&st);
		return perr(ps->err, ps->errcap, file, line, "out of memory");
	}
	return 0;
}

/* ${NAME} of the loops in force replaced; false when too long. */
static bool loop_subst(const struct loop_var *lv, const char *in, char *out,
		       size_t cap)
{
	size_t o = 0;

	while (*in != '\0') {
		const char *end = in[0] == '$' && in[1] == '{' ?
					  strchr(in, '}') :
					  NULL;
		const struct loop_var *v = NULL;

		if (end != NULL)
			for (v = lv; v != NULL; v = v->outer)
				if (strlen(v->name) == (size_t)(end - in - 2) &&
				    strncmp(v->name, in + 2,
					    (size_t)(end - in - 2)) == 0)
					break;
		if (v != NULL) {
			size_t n = strlen(v->value);

			if (o + n >= cap)
				return false;
			memcpy(out + o, v->value, n);
			o += n;
			in = end + 1;
			continue;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return true;
}

static const char *first_word(const char *s, size_t *n)
{
	*n = strcspn(s, " \t");
	return s;
}

static bool is_word(const char *s, const char *w)
{
	size_t n;

	first_word(s, &n);
	return n == strlen(w) && strncmp(s, w, n) == 0;
}

static int parse_text(struct parser *ps, const char *file, const char *text,
		      size_t len);

static int do_include(struct parser *ps, const char *file, unsigned line,
		      const char *name)
{
	char path[PATH_MAX], real[PATH_MAX], chain[2048];
	const char *slash = strrchr(file, '/');
	struct scenario *sc = ps->sc;
	char *buf, *keep, **grown;
	size_t n, o = 0;
	FILE *f;
	int rc;

	if (name[0] == '/' || slash == NULL)
		snprintf(path, sizeof path, "%s", name);
	else
		snprintf(path, sizeof path, "%.*s/%s", (int)(slash - file),
			 file, name);
	if (strcmp(name, "-") == 0)
		return perr(ps->err, ps->errcap, file, line,
			    "a scenario never reads standard input");
	if (realpath(path, real) == NULL)
		return perr(ps->err, ps->errcap, file, line,
			    "cannot include '%s': %s", path, strerror(errno));
	for (size_t i = 0; i < ps->nchain; i++) {
		char other[PATH_MAX];

		if (realpath(ps->chain[i], other) == NULL ||
		    strcmp(other, real) != 0)
			continue;
		for (size_t j = i; j < ps->nchain && o < sizeof chain; j++) {
			int w = snprintf(chain + o, sizeof chain - o, "%s -> ",
					 ps->chain[j]);

			if (w < 0)
				break;
			o += (size_t)w;
		}
		if (o < sizeof chain &&
		    snprintf(chain + o, sizeof chain - o, "%s", path) < 0)
			chain[o] = '\0';
		return perr(ps->err, ps->errcap, file, line,
			    "include cycle: %s", chain);
	}
	if (ps->depth >= SCENARIO_MAX_DEPTH)
		return perr(ps->err, ps->errcap, file, line,
			    "include and for nested more than %d deep",
			    SCENARIO_MAX_DEPTH);
	f = fopen(path, "rb");
	if (f == NULL)
		return perr(ps->err, ps->errcap, file, line,
			    "cannot include '%s': %s", path, strerror(errno));
	buf = malloc(SCENARIO_MAX_BYTES + 1);
	keep = strdup(path);
	grown = realloc(sc->srcs, (sc->nsrcs + 1) * sizeof *grown);
	if (grown != NULL)
		sc->srcs = grown;
	if (buf == NULL || keep == NULL || grown == NULL) {
		fclose(f);
		free(buf);
		free(keep);
		return perr(ps->err, ps->errcap, file, line, "out of memory");
	}
	sc->srcs[sc->nsrcs++] = keep;
	n = fread(buf, 1, SCENARIO_MAX_BYTES + 1, f);
	fclose(f);
	ps->chain[ps->nchain++] = keep;
	ps->depth++;
	rc = parse_text(ps, keep, buf, n);
	ps->depth--;
	ps->nchain--;
	free(buf);
	return rc;
}

/* Lines [from, to) of one file, with the loops in force. */
static int parse_lines(struct parser *ps, const char *file,
		       const struct src_line *lines, size_t from, size_t to,
		       const struct loop_var *loops)
{
	for (size_t i = from; i < to; i++) {
		char s[SCENARIO_MAX_LINE + 1];
		unsigned line = lines[i].no;

		if (!loop_subst(loops, lines[i].text, s, sizeof s))
			return perr(ps->err, ps->errcap, file, line,
				    "line longer than %d bytes once loop "
				    "words are in",
				    SCENARIO_MAX_LINE);
		if (s[0] == '#') {
			struct step st;
			const char *c = s + 1;

			while (*c == '#' || *c == ' ' || *c == '\t')
				c++;
			if (*c == '\0')
				continue;
			memset(&st, 0, sizeof st);
			st.kind = STEP_COMMENT;
			st.src = file;
			st.line = line;
			st.name = strdup(c);
			st.text = strdup(s);
			if (st.name == NULL || st.text == NULL ||
			    ps->sc->nsteps >= SCENARIO_MAX_STEPS ||
			    !add_step(ps, &st)) {
				step_free(&st);
				return perr(ps->err, ps->errcap, file, line,
					    "out of memory or too many lines");
			}
			continue;
		}
		if (is_word(s, "for")) {
			char buf[SCENARIO_MAX_LINE + SCENARIO_MAX_ARGS];
			char *argv[SCENARIO_MAX_ARGS + 1];
			int argc = scenario_split(s, buf, sizeof buf, argv);
			size_t end, nest = 0;

			if (argc < 4 || strcmp(argv[2], "in") != 0 ||
			    !valid_name(argv[1], strlen(argv[1])))
				return perr(ps->err, ps->errcap, file, line,
					    "for needs 'for NAME in WORD...'");
			for (end = i + 1; end < to; end++) {
				if (lines[end].text[0] == '#')
					continue;
				if (is_word(lines[end].text, "for"))
					nest++;
				else if (is_word(lines[end].text, "end") &&
					 nest-- == 0)
					break;
			}
			if (end == to)
				return perr(ps->err, ps->errcap, file, line,
					    "'for' without 'end'");
			if (ps->depth >= SCENARIO_MAX_DEPTH)
				return perr(ps->err, ps->errcap, file, line,
					    "include and for nested more than "
					    "%d deep",
					    SCENARIO_MAX_DEPTH);
			ps->depth++;
			for (int w = 3; w < argc; w++) {
				struct loop_var lv = { argv[1], argv[w],
						       loops };

				if (parse_lines(ps, file, lines, i + 1, end,
						&lv) != 0)
					return -1;
			}
			ps->depth--;
			i = end;
			continue;
		}
		if (is_word(s, "end"))
			return perr(ps->err, ps->errcap, file, line,
				    "'end' without 'for'");
		if (is_word(s, "include")) {
			char buf[SCENARIO_MAX_LINE + SCENARIO_MAX_ARGS];
			char *argv[SCENARIO_MAX_ARGS + 1];

			if (scenario_split(s, buf, sizeof buf, argv) != 2)
				return perr(ps->err, ps->errcap, file, line,
					    "include needs one FILE");
			if (do_include(ps, file, line, argv[1]) != 0)
				return -1;
			continue;
		}
		if (parse_line(ps, s, file, line) != 0)
			return -1;
	}
	return 0;
}

static void free_lines(struct src_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

/* Splits into trimmed, non-blank lines, then parses them. */
static int parse_text(struct parser *ps, const char *file, const char *text,
		      size_t len)
{
	struct src_line *lines = NULL;
	size_t n = 0, cap = 0, pos = 0;
	unsigned line = 0;
	int rc;

	if (len > SCENARIO_MAX_BYTES)
		return perr(ps->err, ps->errcap, file, 0,
			    "larger than %u bytes", SCENARIO_MAX_BYTES);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t k = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *s = text + pos, *e = s + k;

		line++;
		pos += k + 1;
		if (k > SCENARIO_MAX_LINE) {
			free_lines(lines, n);
			return perr(ps->err, ps->errcap, file, line,
				    "line longer than %d bytes",
				    SCENARIO_MAX_LINE);
		}
		if (memchr(s, '\0', k) != NULL) {
			free_lines(lines, n);
			return perr(ps->err, ps->errcap, file, line,
				    "NUL byte");
		}
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
				 e[-1] == '\r'))
			e--;
		if (s == e)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct src_line *g = realloc(lines, ncap * sizeof *g);

			if (g == NULL) {
				free_lines(lines, n);
				return perr(ps->err, ps->errcap, file, line,
					    "out of memory");
			}
			lines = g;
			cap = ncap;
		}
		lines[n].no = line;
		lines[n].text = utf8_fix(s, (size_t)(e - s));
		if (lines[n++].text == NULL) {
			free_lines(lines, n);
			return perr(ps->err, ps->errcap, file, line,
				    "out of memory");
		}
	}
	rc = parse_lines(ps, file, lines, 0, n, NULL);
	free_lines(lines, n);
	return rc;
}

static bool add_point(struct parser *ps, const char *name, const char *src,
		      unsigned line)
{
	struct scenario *sc = ps->sc;

	if (sc->npoints == ps->pcap) {
		size_t ncap = ps->pcap ? ps->pcap * 2 : 32;
		struct scenario_point *g =
			realloc(sc->points, ncap * sizeof *g);

		if (g == NULL)
			return false;
		sc->points = g;
		ps->pcap = ncap;
	}
	sc->points[sc->npoints].name = strdup(name);
	sc->points[sc->npoints].src = src;
	sc->points[sc->npoints].line = line;
	return sc->points[sc->npoints++].name != NULL;
}

/* Which point each step counts towards. With test lines, the steps up to
 * the next test line (set-up before the first one: the first test).
 * Without, one point per expectation, the commands before it included;
 * commands after the last expectation make a point of their own so that
 * their failure is reported too. */
static int assign_points(struct parser *ps)
{
	struct scenario *sc = ps->sc;
	bool tests = false;
	size_t pending = 0;

	for (size_t i = 0; i < sc->nsteps; i++)
		tests |= sc->steps[i].kind == STEP_TEST;
	for (size_t i = 0; i < sc->nsteps; i++) {
		struct step *st = &sc->steps[i];
		bool opens = tests ? st->kind == STEP_TEST :
				     st->kind == STEP_EXPECT;

		if (opens) {
			if (!add_point(ps, tests ? st->name : st->text,
				       st->src, st->line))
				return perr(ps->err, ps->errcap, sc->file, 0,
					    "out of memory");
			st->point = sc->npoints - 1;
			for (; pending < i; pending++)
				sc->steps[pending].point = sc->npoints - 1;
			pending = i + 1;
		} else if (tests && sc->npoints > 0) {
			st->point = sc->npoints - 1;
			pending = i + 1;
		}
	}
	for (size_t i = pending; i < sc->nsteps; i++) {
		enum step_kind k = sc->steps[i].kind;

		if (k == STEP_COMMENT || k == STEP_TEST)
			continue;
		if (!add_point(ps, "the commands after the last expectation",
			       sc->steps[i].src, sc->steps[i].line))
			return perr(ps->err, ps->errcap, sc->file, 0,
				    "out of memory");
		break;
	}
	for (size_t i = pending; i < sc->nsteps; i++)
		sc->steps[i].point = sc->npoints > 0 ? sc->npoints - 1 : 0;
	return 0;
}

int scenario_parse(const char *file, const char *text, size_t len,
		   struct scenario *out, char *err, size_t cap)
{
	struct parser ps;
	char *slash;

	memset(out, 0, sizeof *out);
	memset(&ps, 0, sizeof ps);
	ps.sc = out;
	ps.first = true;
	ps.err = err;
	ps.errcap = cap;
	ps.names = calloc(MAX_VARS, sizeof *ps.names);
	out->file = strdup(file);
	out->dir = strdup(file);
	out->srcs = calloc(1, sizeof *out->srcs);
	if (out->file == NULL || out->dir == NULL || out->srcs == NULL ||
	    ps.names == NULL || (out->srcs[0] = strdup(file)) == NULL) {
		free(ps.names);
		scenario_release(out);
		return perr(err, cap, file, 0, "out of memory");
	}
	out->nsrcs = 1;
	slash = strrchr(out->dir, '/');
	if (slash != NULL)
		slash[slash == out->dir ? 1 : 0] = '\0';
	else
		memcpy(out->dir, ".", 2);
	ps.chain[ps.nchain++] = out->srcs[0];
	if (parse_text(&ps, out->srcs[0], text, len) != 0 ||
	    assign_points(&ps) != 0) {
		free(ps.names);
		scenario_release(out);
		return -1;
	}
	free(ps.names);
	return 0;
}

int scenario_load(const char *file, struct scenario *out, char *err,
		  size_t cap)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	if (strcmp(file, "-") == 0) {
		snprintf(err, cap, "%s: the scenario runner does not read "
				   "standard input; give a file",
			 file);
		return -1;
	}
	f = fopen(file, "rb");
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
	for (size_t i = 0; i < sc->nsteps; i++)
		step_free(&sc->steps[i]);
	for (size_t i = 0; i < sc->npoints; i++)
		free(sc->points[i].name);
	for (size_t i = 0; i < sc->nsrcs; i++)
		free(sc->srcs[i]);
	free(sc->srcs);
	free(sc->points);
	free(sc->steps);
	free(sc->file);
	free(sc->dir);
	memset(sc, 0, sizeof *sc);
}

json_t *scenario_path(json_t *doc, const char *path, char *missing,
		      size_t cap)
{
	const char *p = path;
	json_t *cur = doc;

	if (missing != NULL && cap > 0)
		missing[0] = '\0';
	while (cur != NULL && *p != '\0') {
		if (*p == '.') {
			p++;
		} else if (*p == '[') {
			long idx = strtol(p + 1, NULL, 10);
			size_t n = json_array_size(cur);
			const char *close = strchr(p, ']');
			size_t w = close ? (size_t)(close - p) + 1 : strlen(p);
			bool array = json_is_array(cur);

			if (idx < 0 && (size_t)-idx <= n)
				cur = json_array_get(cur, n - (size_t)-idx);
			else if (idx >= 0)
				cur = json_array_get(cur, (size_t)idx);
			else
				cur = NULL;
			if (cur == NULL && missing != NULL && array)
				snprintf(missing, cap,
					 "no element %.*s in the result (the "
					 "array has %zu)",
					 (int)w, p, n);
			else if (cur == NULL && missing != NULL)
				snprintf(missing, cap,
					 "'%.*s' is not an array in the result",
					 (int)(p - path), path);
			p += w;
		} else {
			size_t n = strcspn(p, ".[");
			char key[256];

			if (n >= sizeof key)
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			cur = json_object_get(cur, key);
			if (cur == NULL && missing != NULL)
				snprintf(missing, cap,
					 "no member '%s' in the result", key);
			p += n;
		}
	}
	return cur;
}
