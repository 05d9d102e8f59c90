/* actsim clock show | set TIME|now [--backwards] | advance DURATION: the
 * lab clock. */
#include <getopt.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "actsim/time.h"
#include "cli.h"
#include "../common/banned.h"

static void clock_text(const json_t *doc, FILE *out)
{
	const char *note = json_string_value(json_object_get(doc, "note"));

	fprintf(out, "%s\n", json_string_value(json_object_get(doc, "now")));
	if (note != NULL)
		fprintf(out, "%s\n", note);
}

/* What going back does, in words (the state machine keeps no history:
 * every window is counted again from the stored times). */
static json_t *backwards_note(int64_t from, int64_t to)
{
	char buf[512], was[ACTSIM_TIME_TEXT_BYTES], by[64];

	cli_span_text(from - to, by, sizeof by);
	actsim_time_format(was, from);
	snprintf(buf, sizeof buf,
		 "the clock went back %s from %s: deadlines keep their dates, "
		 "so running grace periods show more days left again; "
		 "installations, activations and hardware changes recorded "
		 "after the new time stay recorded",
		 by, was);
	return json_string(buf);
}

int cmd_clock(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res)
{
	struct actsim_lab *lab;
	char text[ACTSIM_TIME_TEXT_BYTES];
	int64_t now, t = 0, backwards_from = INT64_MIN;
	int rc, c;
	bool write, backwards = false;
	actsim_err e;

	if (argc < 2 || (strcmp(argv[1], "show") != 0 &&
			 strcmp(argv[1], "set") != 0 &&
			 strcmp(argv[1], "advance") != 0))
		return cli_usage(res, "clock",
				 "clock needs show, set TIME or advance "
				 "DURATION");
	write = strcmp(argv[1], "show") != 0;
	if (strcmp(argv[1], "set") == 0) {
		static const struct option opts[] = {
			{ "backwards", no_argument, NULL, 'b' },
			{ NULL, 0, NULL, 0 },
		};

		argc--;
		argv++;
		while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
			if (c != 'b')
				return cli_usage(res, "clock",
						 "clock set: unknown or "
						 "incomplete option '%s'",
						 argv[optind - 1]);
			backwards = true;
		}
		/* back to "set TIME" */
		argv += optind - 2;
		argc -= optind - 2;
		argv[1] = (char *)"set";
	}
	if (argc != (write ? 3 : 2))
		return cli_usage(res, "clock", "clock %s takes %s", argv[1],
				 write ? "one argument" : "no arguments");
	if (strcmp(argv[1], "set") == 0) {
		/* The only place actsim reads the real clock. */
		if (strcmp(argv[2], "now") == 0)
			t = (int64_t)time(NULL);
		else if (actsim_time_parse(argv[2], &t) != ACTSIM_OK &&
			 strspn(argv[2], "0123456789") == 4 &&
			 strncmp(argv[2], "1970", 4) < 0)
			return cli_usage(res, "clock",
					 "'%s' is before 1970-01-01T00:00:00Z, "
					 "where the lab clock starts",
					 argv[2]);
		else if (actsim_time_parse(argv[2], &t) != ACTSIM_OK)
			return cli_usage(res, "clock",
					 "'%s' is not an RFC 3339 time such as "
					 "2026-01-01T00:00:00Z",
					 argv[2]);
		if (t > ACTSIM_CLOCK_MAX)
			return cli_usage(res, "clock",
					 "the clock cannot pass "
					 ACTSIM_CLOCK_MAX_TEXT
					 " (deadlines after it would not fit)");
	} else if (strcmp(argv[1], "advance") == 0 &&
		   actsim_duration_parse(argv[2], &t) != ACTSIM_OK) {
		return cli_usage(res, "clock",
				 "'%s' is not a duration such as 90m, 4h, "
				 "29d or 1d12h",
				 argv[2]);
	}
	rc = cli_open_lab(ctx, false, &lab, res);
	if (rc != 0)
		return rc;
	rc = cli_begin(lab, write, res);
	if (rc == 0) {
		e = actsim_lab_clock_get(lab, &now);
		if (e == ACTSIM_OK && strcmp(argv[1], "advance") == 0) {
			if (t > ACTSIM_CLOCK_MAX - now) {
				rc = cli_usage(res, "clock",
					       "the clock cannot pass "
					       ACTSIM_CLOCK_MAX_TEXT
					       " (deadlines after it would "
					       "not fit)");
			} else {
				now += t;
			}
		} else if (e == ACTSIM_OK && write) {
			if (t < now && !backwards) {
				actsim_time_format(text, now);
				rc = cli_usage(res, "clock",
					       "'%s' is before the lab's time "
					       "%s; add --backwards to go "
					       "back (deadlines keep their "
					       "dates)",
					       argv[2], text);
			}
			if (t < now)
				backwards_from = now;
			now = t;
		}
		if (e == ACTSIM_OK && rc == 0 && write)
			e = actsim_lab_clock_set(lab, now);
		if (e != ACTSIM_OK)
			rc = cli_lib_error(res, e, actsim_lab_errmsg(lab));
		if (rc == 0) {
			actsim_time_format(text, now);
			res->doc = json_pack("{s:s}", "now", text);
			if (backwards_from != INT64_MIN)
				json_object_set_new(
					res->doc, "note",
					backwards_note(backwards_from, now));
			res->text = clock_text;
		}
		rc = cli_finish(lab, rc, res);
	}
	cli_close_lab(ctx, lab);
	return rc;
}
