/* Narration: one plain sentence per command's result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "../common/banned.h"

static const char *str(json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));

	return s != NULL ? s : "?";
}

static const char *error_message(json_t *doc)
{
	return json_string_value(
		json_object_get(json_object_get(doc, "error"), "message"));
}

static void days_phrase(char *out, size_t cap, json_t *doc)
{
	json_t *d = json_object_get(doc, "days_left");

	if (json_is_integer(d))
		snprintf(out, cap, ", %lld day%s left",
			 json_integer_value(d),
			 json_integer_value(d) == 1 ? "" : "s");
	else
		out[0] = '\0';
}

/* The value of --NAME (as "--NAME V" or "--NAME=V"), or NULL. */
static const char *opt_value(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], name) == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	}
	return NULL;
}

/* "29d" -> "29 days", "1h" -> "an hour"; anything else as written. */
static void duration_words(const char *d, char *out, size_t cap)
{
	static const struct {
		char unit;
		const char *one, *many;
	} units[] = { { 'w', "a week", "weeks" },    { 'd', "a day", "days" },
		      { 'h', "an hour", "hours" },   { 'm', "a minute",
						       "minutes" },
		      { 's', "a second", "seconds" } };
	size_t n = strspn(d, "0123456789");

	if (n > 0 && n < 12 && d[n] != '\0' && d[n + 1] == '\0')
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (d[n] == units[i].unit) {
				if (n == 1 && d[0] == '1')
					snprintf(out, cap, "%s", units[i].one);
				else
					snprintf(out, cap, "%.*s %s", (int)n,
						 d, units[i].many);
				return;
			}
	snprintf(out, cap, "%s", d);
}

char *scenario_narrate(int argc, char **argv, json_t *doc, int status)
{
	char buf[1024], days[64];
	const char *cmd = argv[0];
	const char *sub = argc > 1 ? argv[1] : "";
	const char *name = "";
	const char *err = error_message(doc);

	/* the word after the subcommand, when it is not an option */
	if (argc > 2 && argv[2][0] != '-')
		name = argv[2];

	days_phrase(days, sizeof days, doc);
	if (strcmp(cmd, "clock") == 0 && strcmp(sub, "advance") == 0 &&
	    err == NULL) {
		char words[64];

		duration_words(argc > 2 ? argv[2] : "?", words, sizeof words);
		snprintf(buf, sizeof buf, "The clock moves forward %s, to %s.",
			 words, str(doc, "now"));
	} else if (strcmp(cmd, "clock") == 0 && strcmp(sub, "set") == 0 &&
		   err == NULL) {
		snprintf(buf, sizeof buf, "The clock is set to %s.",
			 str(doc, "now"));
	} else if (strcmp(cmd, "admin") == 0 && strcmp(sub, "faults") == 0 &&
		   argc > 2 && strcmp(argv[2], "set") == 0 && err == NULL) {
		const char *p = opt_value(argc, argv, "--probability");

		snprintf(buf, sizeof buf,
			 "The clearinghouse is told to fail %s: fault '%s'"
			 "%s%s%s.",
			 opt_value(argc, argv, "--route") ?
				 opt_value(argc, argv, "--route") :
				 "?",
			 opt_value(argc, argv, "--kind") ?
				 opt_value(argc, argv, "--kind") :
				 "?",
			 p ? ", probability " : "", p ? p : "", "");
	} else if (strcmp(cmd, "admin") == 0 && strcmp(sub, "faults") == 0 &&
		   argc > 2 && strcmp(argv[2], "clear") == 0 && err == NULL) {
		snprintf(buf, sizeof buf,
			 "The clearinghouse stops injecting faults.");
	} else if (err != NULL) {
		snprintf(buf, sizeof buf, "%s %s %s: %s", cmd, sub, name, err);
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "logon") == 0) {
		json_t *rem = json_object_get(doc, "reminder");
		bool remote = json_is_true(json_object_get(doc, "remote"));

		if (json_is_true(json_object_get(doc, "allowed")))
			snprintf(buf, sizeof buf, "%s allowed%s%s (%s)",
				 remote ? "remote administration" : "logon",
				 json_is_string(rem) ? ", reminder: " : "",
				 json_is_string(rem) ? json_string_value(rem) :
						       "",
				 name);
		else
			snprintf(buf, sizeof buf,
				 "logon denied: %s Services are %s (%s)",
				 str(doc, "message"), str(doc, "services"),
				 name);
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "create") == 0) {
		snprintf(buf, sizeof buf,
			 "%s is installed: %s %s %s%s; license %s%s.",
			 str(doc, "name"), str(doc, "sku"),
			 str(doc, "channel"), str(doc, "platform"),
			 json_is_true(json_object_get(doc, "r2")) ? " R2" : "",
			 str(doc, "license_status"), days);
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "show") == 0) {
		snprintf(buf, sizeof buf, "%s: license %s%s, services %s.",
			 str(doc, "name"), str(doc, "license_status"), days,
			 str(doc, "services"));
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "hw") == 0) {
		snprintf(buf, sizeof buf,
			 "%s's hardware changes: %lld of 12 votes match the "
			 "activation baseline (%lld needed); license %s%s.",
			 str(doc, "name"),
			 json_integer_value(json_object_get(doc, "votes")),
			 json_integer_value(json_object_get(doc, "needed")),
			 str(doc, "license_status"), days);
	} else if (strcmp(cmd, "machine") == 0 &&
		   strcmp(sub, "activate") == 0) {
		snprintf(buf, sizeof buf, "%s is activated (%s).", name,
			 str(doc, "kind"));
	} else if (strcmp(cmd, "key") == 0 && strcmp(sub, "check") == 0) {
		snprintf(buf, sizeof buf, "Setup checks the key: \"%s\"",
			 str(doc, "message"));
	} else if (strcmp(cmd, "key") == 0 && strcmp(sub, "gen") == 0) {
		json_t *k = json_array_get(json_object_get(doc, "keys"), 0);

		const char *sku = str(k, "sku");

		snprintf(buf, sizeof buf, "%s %s %s %s key: %s.",
			 strchr("aeiou", sku[0]) != NULL && sku[0] ? "An" : "A",
			 sku, str(k, "channel"), str(k, "platform"),
			 str(k, "key"));
	} else if (strcmp(cmd, "phone") == 0) {
		snprintf(buf, sizeof buf,
			 "By telephone, the operator reads back confirmation "
			 "ID %s in groups A to G (%s).",
			 str(doc, "confirmation_id"), str(doc, "kind"));
	} else if (strcmp(cmd, "cid") == 0 && strcmp(sub, "issue") == 0) {
		snprintf(buf, sizeof buf,
			 "The clearinghouse issues confirmation ID %s.",
			 str(doc, "confirmation_id"));
	} else if (strcmp(cmd, "cid") == 0 && strcmp(sub, "verify") == 0) {
		snprintf(buf, sizeof buf,
			 "The confirmation ID is %s for the installation ID.",
			 json_is_true(json_object_get(doc, "valid")) ? "valid" :
								      "not valid");
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "iid") == 0) {
		snprintf(buf, sizeof buf, "%s's installation ID is %s.", name,
			 str(doc, "installation_id"));
	} else if (strcmp(cmd, "machine") == 0 && strcmp(sub, "updates") == 0) {
		json_t *u = json_object_get(doc, "updates");

		snprintf(buf, sizeof buf,
			 "Windows Update offers %s %zu update%s%s%s.", name,
			 json_array_size(u), json_array_size(u) == 1 ? "" : "s",
			 json_array_size(u) > 0 ? ", first " : "",
			 json_array_size(u) > 0 ?
				 str(json_array_get(u, 0), "id") :
				 "");
	} else if (strcmp(cmd, "machine") == 0 &&
		   strcmp(sub, "servicing") == 0) {
		snprintf(buf, sizeof buf,
			 "%s is serviced: Service Pack %lld, Internet Explorer "
			 "%s.",
			 name, json_integer_value(json_object_get(doc, "sp")),
			 str(doc, "ie"));
	} else if (strcmp(cmd, "hotfix-scan") == 0) {
		json_t *h = json_object_get(doc, "hotfixes");

		snprintf(buf, sizeof buf,
			 "The Hotfix Scan Tool on %s (%s): %zu hotfix%s that "
			 "may regress; Service Pack 2 %s.",
			 sub, str(doc, "phase"), json_array_size(h),
			 json_array_size(h) == 1 ? "" : "es",
			 json_is_true(json_object_get(doc, "sp2_blocked")) ?
				 "blocked" :
				 "not blocked");
	} else if ((strcmp(cmd, "setup") == 0 || strcmp(cmd, "plan") == 0) &&
		   json_is_string(json_object_get(doc, "message"))) {
		snprintf(buf, sizeof buf, "%s: %s",
			 cmd[0] == 's' ? "R2 Setup" : "The upgrade plan",
			 str(doc, "message"));
	} else if (strcmp(cmd, "plan") == 0) {
		json_t *b = json_array_get(json_object_get(doc, "blockers"), 0);

		if (json_is_string(json_object_get(doc, "consequence")))
			snprintf(buf, sizeof buf,
				 "%s is upgraded anyway: %s", sub,
				 str(doc, "consequence"));
		else if (json_is_true(json_object_get(doc, "applied")))
			snprintf(buf, sizeof buf,
				 "%s is upgraded in %zu steps.", sub,
				 json_array_size(json_object_get(doc, "steps")));
		else if (json_is_true(json_object_get(doc, "possible")))
			snprintf(buf, sizeof buf,
				 "The upgrade plan for %s has %zu steps.", sub,
				 json_array_size(json_object_get(doc, "steps")));
		else
			snprintf(buf, sizeof buf,
				 "The upgrade of %s is blocked (%s).", sub,
				 b != NULL ? str(b, "code") : "?");
	} else if (strcmp(cmd, "admin") == 0 && (strcmp(sub, "block") == 0 ||
						 strcmp(sub, "unblock") == 0)) {
		snprintf(buf, sizeof buf, "The clearinghouse %ss key %s.", sub,
			 name);
	} else if (strcmp(cmd, "admin") == 0 &&
		   strcmp(sub, "activations") == 0) {
		size_t n = json_array_size(json_object_get(doc, "activations"));

		snprintf(buf, sizeof buf,
			 "The clearinghouse has %zu activation%s on record.", n,
			 n == 1 ? "" : "s");
	} else if (strcmp(cmd, "register") == 0) {
		snprintf(buf, sizeof buf,
			 "Product ID %s is registered (registration %lld).",
			 sub, json_integer_value(
				      json_object_get(doc, "registration_id")));
	} else {
		snprintf(buf, sizeof buf, "actsim %s %s %s: %s", cmd, sub,
			 name, status == 0 ? "done" : "failed");
	}
	return strdup(buf);
}
