/* Scenario files: the parser, the word splitter and the path evaluator. */
#include <ctype.h>
#include <errno.h>
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
