/* actsim phone: the telephone road. A customer service representative
 * asks for the installation ID group by group, types it into the
 * clearinghouse and reads the confirmation ID back in groups A to G
 * (seed 001). Interactive on a terminal; --batch reads the answers from
 * stdin; --iid and --single-computer are the flag form for scripts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actsim/clearinghouse.h"
#include "actsim/ids.h"
#include "actsim/machine.h"
#include "cli.h"
#include "../common/banned.h"

#define LINE_CAP 256
#define ATTEMPTS 5

struct call {
	FILE *in, *talk;
	bool batch;
};

/* One line of the caller's answer, trimmed; false at end of input. */
static bool hear(struct call *c, const char *prompt, char *out, size_t cap)
{
	size_t n;

	fputs(prompt, c->talk);
	fflush(c->talk);
	if (fgets(out, (int)cap, c->in) == NULL)
		return false;
	n = strlen(out);
	if (n == cap - 1 && out[n - 1] != '\n') {
		int ch;

		while ((ch = fgetc(c->in)) != EOF && ch != '\n')
			;
		out[0] = '\0'; /* too long: heard as garbage */
		n = 0;
	}
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' ||
			 out[n - 1] == ' '))
		out[--n] = '\0';
	if (c->batch)
		fprintf(c->talk, "%s\n", out);
	return true;
}

/* An answer to a yes/no question, in any case, "y" and "n" too: 1 yes,
 * 0 no, -1 anything else. */
static int yes_no(const char *line)
{
	line += strspn(line, " \t");
	if (strcasecmp(line, "yes") == 0 || strcasecmp(line, "y") == 0)
		return 1;
	if (strcasecmp(line, "no") == 0 || strcasecmp(line, "n") == 0)
		return 0;
	return -1;
}

/* A group of six digits whose check digit holds. */
static bool group_ok(const char *g)
{
	char buf[16];
	size_t n = 0;

	for (; *g && n < sizeof buf - 1; g++)
		if (*g != ' ' && *g != '-')
			buf[n++] = *g;
	buf[n] = '\0';
	if (n != 6 || strspn(buf, "0123456789") != 6)
		return false;
	return (unsigned)(buf[5] - '0') ==
	       ((unsigned)(buf[0] - '0') + 2 * (unsigned)(buf[1] - '0') +
		(unsigned)(buf[2] - '0') + 2 * (unsigned)(buf[3] - '0') +
		(unsigned)(buf[4] - '0')) %
		       7;
}

/* A whole installation ID in one answer (groups separated by spaces or
 * dashes, or none): copied to iid in groups when every check digit
 * holds. */
static bool whole_iid(const char *line, char *iid, size_t cap)
{
	char digits[ACTSIM_IID_GROUPS * 6 + 1], group[7];
	size_t n = 0, o = 0;

	for (const char *p = line; *p; p++) {
		if (*p == ' ' || *p == '-')
			continue;
		if (*p < '0' || *p > '9' || n == sizeof digits - 1)
			return false;
		digits[n++] = *p;
	}
	if (n != ACTSIM_IID_GROUPS * 6 || cap < ACTSIM_IID_GROUPS * 7)
		return false;
	for (size_t g = 0; g < ACTSIM_IID_GROUPS; g++) {
		memcpy(group, digits + 6 * g, 6);
		group[6] = '\0';
		if (!group_ok(group))
			return false;
		if (o > 0)
			iid[o++] = '-';
		memcpy(iid + o, group, 6);
		o += 6;
	}
	iid[o] = '\0';
	return true;
}

/* Collects the nine groups, asking again for any group that is wrong. */
static int read_iid(struct call *c, char *iid, size_t cap,
		    struct cli_result *res)
{
	char line[LINE_CAP], prompt[64];
	size_t o = 0;

	fprintf(c->talk,
		"Operator: Please read me the installation ID shown on your "
		"screen, one group of six digits at a time.\n");
	for (unsigned g = 1; g <= ACTSIM_IID_GROUPS; g++) {
		int tries = 0;

		for (;;) {
			snprintf(prompt, sizeof prompt, "Group %u: ", g);
			if (!hear(c, prompt, line, sizeof line))
				return cli_usage(res, "phone",
						 "the call ended before the "
						 "installation ID was read");
			/* the whole ID read at once, as people paste it */
			if (g == 1 && whole_iid(line, iid, cap))
				return 0;
			if (group_ok(line))
				break;
			if (++tries == ATTEMPTS)
				return cli_usage(res, "phone",
						 "group %u was wrong %d times",
						 g, ATTEMPTS);
			fprintf(c->talk,
				"Operator: I'm sorry, group %u does not look "
				"right. Please read group %u again.\n",
				g, g);
		}
		if (o + 8 > cap)
			return cli_usage(res, "phone", "internal buffer");
		if (o > 0)
			iid[o++] = '-';
		for (const char *p = line; *p; p++)
			if (*p != ' ' && *p != '-')
				iid[o++] = *p;
	}
	iid[o] = '\0';
	return 0;
}

struct desk {
	struct actsim_lab *lab;
	struct actsim_catalog *cat;
};

/* One decision by the clearinghouse, in its own transaction. */
static int decide(struct desk *d, const struct actsim_iid *iid, bool transfer,
		  struct actsim_clearing_result *r, struct cli_result *res)
{
	int64_t now;
	actsim_err e;
	int rc = cli_begin(d->lab, true, res);

	if (rc != 0)
		return rc;
	e = actsim_lab_clock_get(d->lab, &now);
	if (e == ACTSIM_OK)
		e = actsim_clearinghouse_activate(d->lab, d->cat, iid, "phone",
						  transfer, now, r);
	if (e == ACTSIM_E_INVALID_IID)
		rc = cli_lib_error(res, e,
				   "the operator cannot find this installation "
				   "ID: it is not one of this lab's");
	else if (e != ACTSIM_OK)
		rc = cli_lib_error(res, e, actsim_lab_errmsg(d->lab));
	return cli_finish(d->lab, rc, res);
}

/* The machine's current installation ID, in its own transaction. */
static int machine_iid(struct desk *d, const char *name,
		       struct actsim_machine *m, char *out, size_t cap,
		       struct cli_result *res)
{
	struct actsim_iid iid;
	char text[ACTSIM_IID_TEXT_BYTES];
	actsim_err e;
	int rc = cli_begin(d->lab, false, res);

	if (rc != 0)
		return rc;
	e = actsim_machine_load(d->lab, name, m);
	if (e == ACTSIM_OK)
		e = actsim_machine_iid(d->lab, m, &iid);
	if (e != ACTSIM_OK) {
		rc = cli_lib_error(res, e,
				   e == ACTSIM_E_NOT_FOUND ?
					   actsim_lab_errmsg(d->lab) :
					   NULL);
	} else {
		actsim_iid_format(text, &iid);
		snprintf(out, cap, "%s", text);
	}
	return cli_finish(d->lab, rc, res);
}

/* Records the confirmation ID on the machine, as its activation screen
 * would; the machine is read again in the writing transaction. */
static int apply_cid(struct desk *d, const char *name, const char *cid,
		     const char *kind, struct cli_result *res)
{
	struct actsim_machine m;
	int64_t now;
	actsim_err e;
	int rc = cli_begin(d->lab, true, res);

	if (rc != 0)
		return rc;
	e = actsim_lab_clock_get(d->lab, &now);
	if (e == ACTSIM_OK)
		e = actsim_machine_load(d->lab, name, &m);
	if (e == ACTSIM_OK) {
		actsim_machine_activated(&m, cid, kind, now);
		e = actsim_machine_save(d->lab, &m);
	}
	if (e != ACTSIM_OK)
		rc = cli_lib_error(res, e, actsim_lab_errmsg(d->lab));
	return cli_finish(d->lab, rc, res);
}

static void phone_text(const json_t *doc, FILE *out)
{
	(void)doc;
	(void)out; /* the dialogue has said it all */
}

int cmd_phone(struct cli_ctx *ctx, int argc, char **argv,
	      struct cli_result *res)
{
	static const struct option opts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iid", required_argument, NULL, 'i' },
		{ "single-computer", required_argument, NULL, 's' },
		{ "country", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct call call = { stdin,
			     ctx->dialogue ? ctx->dialogue :
			     ctx->json	   ? stderr :
					     stdout,
			     false };
	const char *iid_arg = NULL, *single = NULL, *country = NULL,
		   *machine = NULL;
	struct actsim_machine m;
	char iid_text[ACTSIM_IID_TEXT_BYTES + 64], line[LINE_CAP];
	struct desk desk = { NULL, NULL };
	struct actsim_clearing_result r;
	struct actsim_id_diag diag;
	struct actsim_iid iid;
	const char *phone;
	json_t *groups;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			call.batch = true;
			break;
		case 'i':
			iid_arg = optarg;
			break;
		case 's':
			if (yes_no(optarg) < 0)
				return cli_usage(res, "phone",
						 "--single-computer is yes or "
						 "no, not '%s'",
						 optarg);
			single = yes_no(optarg) == 1 ? "yes" : "no";
			break;
		case 'c':
			country = cli_country_code(optarg);
			break;
		default:
			return cli_usage(res, "phone",
					 "phone: unknown or incomplete option "
					 "'%s'",
					 argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage(res, "phone", "phone: unexpected argument '%s'",
				 argv[optind + 1]);
	if (argc - optind == 1)
		machine = argv[optind];
	if (machine != NULL && iid_arg != NULL)
		return cli_usage(res, "phone",
				 "phone MACHINE brings its own installation "
				 "ID: no --iid");
	if (single != NULL && iid_arg == NULL)
		return cli_usage(res, "phone",
				 "--single-computer goes with --iid");
	/* The flag form answers the one question in advance. */
	rc = cli_open_lab(ctx, true, &desk.lab, res);
	if (rc == 0)
		rc = cli_load_catalog(ctx, desk.lab, &desk.cat, res);
	if (rc != 0)
		goto out;
	if (machine != NULL) {
		rc = machine_iid(&desk, machine, &m, iid_text, sizeof iid_text,
				 res);
		if (rc != 0)
			goto out;
		iid_arg = iid_text;
		if (country == NULL)
			country = m.country;
	}
	if (country == NULL)
		country = actsim_catalog_activation(desk.cat)->default_country;
	phone = actsim_catalog_phone(desk.cat, country);
	if (phone == NULL) {
		rc = cli_usage(res, "phone",
			       "unknown country '%s' (see 'actsim catalog')",
			       country);
		goto out;
	}
	fprintf(call.talk,
		"Product activation by telephone (%s: %s).\nOperator: Thank "
		"you for calling. No personal information is needed.\n",
		country, phone);
	if (machine != NULL) {
		fprintf(call.talk, "Installation ID of %s: %s\n", machine,
			iid_text);
	} else if (iid_arg != NULL) {
		snprintf(iid_text, sizeof iid_text, "%s", iid_arg);
	} else {
		rc = read_iid(&call, iid_text, sizeof iid_text, res);
		if (rc != 0)
			goto out;
	}
	if (actsim_iid_parse(&iid, iid_text, &diag) == ACTSIM_E_MALFORMED_ID) {
		rc = cli_malformed_id(res, "installation", &diag);
		goto out;
	}
	rc = decide(&desk, &iid, false, &r, res);
	if (rc != 0)
		goto out;
	if (r.decision.code == ACTSIM_DECISION_TOO_MANY) {
		fprintf(call.talk,
			"Operator: This product key has already been activated "
			"on the maximum number of computers.\n");
		if (single == NULL) {
			/* only yes or no answers the question */
			int answer;

			for (;;) {
				if (!hear(&call,
					  "Operator: Is this product installed "
					  "on more than one computer? "
					  "(yes/no): ",
					  line, sizeof line)) {
					/* no answer: the key is not
					 * released */
					fprintf(call.talk,
						"\nOperator: I did not hear "
						"an answer.\n");
					answer = 1;
					break;
				}
				answer = yes_no(line);
				if (answer >= 0)
					break;
				fprintf(call.talk,
					"Operator: Please answer yes or "
					"no.\n");
			}
			single = answer == 0 ? "yes" : "no";
		} else {
			fprintf(call.talk,
				"Operator: Is this product installed on more "
				"than one computer? %s\n",
				strcmp(single, "yes") == 0 ? "no" : "yes");
		}
		/* "--single-computer yes" means installed on one computer. */
		if (strcmp(single, "yes") == 0) {
			rc = decide(&desk, &iid, true, &r, res);
			if (rc != 0)
				goto out;
		}
	}
	if (r.decision.code != ACTSIM_DECISION_GRANTED) {
		fprintf(call.talk, "Operator: I'm sorry. %s\n",
			r.decision.message);
		rc = cli_refusal(res, &r.decision);
		goto out;
	}
	fprintf(call.talk, "Operator: Please write down your confirmation "
			   "ID.\n");
	groups = json_object();
	for (int g = 0; g < ACTSIM_CID_GROUPS; g++) {
		char label[2] = { (char)('A' + g), '\0' };
		char digits[7];

		memcpy(digits, r.confirmation_id + 7 * g, 6);
		digits[6] = '\0';
		fprintf(call.talk, "  %s: %s\n", label, digits);
		json_object_set_new(groups, label, json_string(digits));
	}
	fprintf(call.talk, "Operator: Type these groups into the activation "
			   "screen. Thank you for calling.\n");
	res->doc = json_pack("{s:s,s:o,s:s,s:s,s:I}", "confirmation_id",
			     r.confirmation_id, "groups", groups, "kind",
			     strcmp(r.decision.reason, "transfer") == 0 ?
				     "transfer" :
				     "phone",
			     "product_id", r.product_id, "activation_id",
			     (json_int_t)r.activation_id);
	res->text = phone_text;
	rc = CLI_OK;
	if (machine != NULL) {
		/* the caller types the groups in: the machine is activated */
		rc = apply_cid(&desk, machine, r.confirmation_id,
			       json_string_value(json_object_get(res->doc,
								 "kind")),
			       res);
		if (rc == 0) {
			json_object_set_new(res->doc, "machine",
					    json_string(machine));
			fprintf(call.talk, "%s is activated.\n", machine);
		}
	}
out:
	cli_free_catalog(ctx, desk.cat);
	cli_close_lab(ctx, desk.lab);
	return rc;
}
