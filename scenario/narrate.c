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

char *scenario_narrate(int argc, char **argv, json_t *doc, int status)
{
	char buf[1024], days[64];
	const char *cmd = argv[0];
	const char *sub = argc > 1 ? argv[1] : "";
	const char *name = "";
	const char *err = error_message(doc);

	/* the first word after the subcommand that is not an option */
	for (int i = 2; i < argc; i++)
		if (argv[i][0] != '-') {
			name = argv[i];
			break;
		}

	days_phrase(days, sizeof days, doc);
	if (strcmp(cmd, "clock") == 0 && strcmp(sub, "show") != 0) {
		snprintf(buf, sizeof buf, "The clock is set to %s.",
			 str(doc, "now"));
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

		snprintf(buf, sizeof buf, "A %s %s %s key: %s.", str(k, "sku"),
			 str(k, "channel"), str(k, "platform"), str(k, "key"));
	} else if (strcmp(cmd, "phone") == 0) {
		snprintf(buf, sizeof buf,
			 "By telephone, the operator reads back confirmation "
			 "ID %s in groups A to G (%s).",
			 str(doc, "confirmation_id"), str(doc, "kind"));
	} else if (strcmp(cmd, "cid") == 0 && strcmp(sub, "issue") == 0) {
		snprintf(buf, sizeof buf,
			 "The clearinghouse issues confirmation ID %s.",
			 str(doc, "confirmation_id"));
	} else {
		snprintf(buf, sizeof buf, "actsim %s %s %s: %s", cmd, sub,
			 name, status == 0 ? "done" : "failed");
	}
	return strdup(buf);
}
