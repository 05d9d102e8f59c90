#include <stdio.h>
#include <string.h>

#include "actsim/keycheck.h"
#include "actsim/setup.h"
#include "../common/internal.h"

static json_t *section(const struct actsim_catalog *cat, const char *name)
{
	return (json_t *)actsim_catalog_member(cat, name);
}

static const char *msg(const struct actsim_catalog *cat, const char *key)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(section(cat, "r2_upgrade"), "messages"), key));

	return s != NULL ? s : "";
}

static bool in_list(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static json_t *advice(bool allowed, int option, bool prompt, bool clean,
		      const char *code, const char *message)
{
	return json_pack("{s:b,s:o,s:b,s:b,s:s,s:s,s:[],s:[]}", "allowed",
			 allowed, "option",
			 option ? json_integer(option) : json_null(),
			 "prompt_for_key", prompt, "clean_install_required",
			 clean, "code", code, "message", message, "steps",
			 "warnings");
}

json_t *actsim_setup_r2(const struct actsim_catalog *cat,
			const struct actsim_realm *realm,
			const struct actsim_r2_query *q)
{
	json_t *r2 = section(cat, "r2_upgrade"), *doc, *warnings;
	json_int_t sp_required =
		json_integer_value(json_object_get(r2, "sp_required"));
	bool same_channel = strcmp(q->from_channel, q->to_channel) == 0;
	bool same_sku = strcmp(q->from_sku, q->to_sku) == 0;
	char key[16];
	int option;
	size_t i;
	json_t *w;

	/* The order follows the seed: what makes any upgrade impossible
	 * first, then which of the three options is left. */
	if (strcmp(q->from_platform, "ia64") == 0)
		return advice(false, 0, false, false, "NO_ITANIUM_R2",
			      msg(cat, "no_itanium"));
	if ((json_int_t)q->from_sp < sp_required)
		return advice(false, 0, false, false, "SP1_REQUIRED",
			      msg(cat, "sp_required"));
	if (strcmp(q->from_platform, q->to_platform) != 0)
		return advice(false, 0, false, false, "PLATFORM_MISMATCH",
			      msg(cat, strcmp(q->to_platform, "x64") == 0 ?
					       "platform_x64" :
					       "platform_x86"));
	if (strcmp(q->from_language, q->to_language) != 0)
		return advice(false, 0, false, true, "LANGUAGE_MISMATCH",
			      msg(cat, "language"));
	if (strcmp(q->from_sku, "web") == 0 || strcmp(q->to_sku, "web") == 0)
		return advice(false, 0, false, false, "WEB_EDITION",
			      msg(cat, "web_edition"));
	if (!in_list(json_object_get(json_object_get(r2, "sku_matrix"),
				     q->from_sku),
		     q->to_sku))
		return advice(false, 0, false, false, "SKU_NOT_SUPPORTED",
			      msg(cat, "sku_not_supported"));
	if (q->key != NULL) {
		struct actsim_media media = { q->to_sku, q->to_channel,
					      q->to_platform, true };
		struct actsim_check_result r;

		if (actsim_key_check(realm, cat, q->key, &media, &r, NULL) !=
			    ACTSIM_OK ||
		    r.code == ACTSIM_CHECK_INVALID_KEY)
			return advice(false, 0, true, false, "INVALID_KEY",
				      msg(cat, "invalid_key"));
		if (r.code == ACTSIM_CHECK_EDITION_MISMATCH)
			return advice(false, 0, true, false,
				      "EDITION_MISMATCH",
				      msg(cat, "edition_mismatch"));
	}
	/* Option 1 only when channel, SKU and key all match; option 2 when
	 * the channel table allows the change; otherwise repair (3). */
	if (same_channel && same_sku)
		option = 1;
	else if (in_list(json_object_get(json_object_get(r2, "channel_matrix"),
					 q->from_channel),
			 q->to_channel))
		option = 2;
	else
		option = 3;
	snprintf(key, sizeof key, "option_%d", option);
	doc = advice(true, option, option != 1 || !q->r2_key_installed, false,
		     key, msg(cat, key));
	json_object_set_new(doc, "code", json_sprintf("OPTION_%d", option));
	snprintf(key, sizeof key, "%d", option);
	json_array_extend(json_object_get(doc, "steps"),
			  json_object_get(json_object_get(r2, "options"), key));
	warnings = json_object_get(doc, "warnings");
	json_array_foreach(json_object_get(r2, "warnings"), i, w)
		if (i == 0 || q->domain_controller)
			json_array_append(warnings, w);
	return doc;
}

/* ---- Service Pack 2 ---- */

static json_t *sp2(const struct actsim_catalog *cat)
{
	return section(cat, "service_pack_2");
}

static const char *reissued_name(const struct actsim_catalog *cat,
				 const char *kb, char *out, size_t cap)
{
	snprintf(out, cap, "hotfix:%s%s", kb,
		 json_string_value(json_object_get(sp2(cat),
						   "reissued_suffix")));
	return out;
}

/* The support-only hotfixes installed in their original form. */
static json_t *at_risk(const struct actsim_catalog *cat,
		       const struct actsim_machine *m)
{
	json_t *list = json_array(), *h;
	size_t i;

	json_array_foreach(json_object_get(sp2(cat), "support_only_hotfixes"),
			   i, h) {
		const char *kb = json_string_value(json_object_get(h, "kb"));
		char name[64], re[64];

		snprintf(name, sizeof name, "hotfix:%s", kb);
		if (actsim_machine_has_app(m, name) &&
		    !actsim_machine_has_app(m, reissued_name(cat, kb, re,
							     sizeof re)))
			json_array_append_new(
				list, json_pack("{s:s,s:O,s:s}", "kb", kb,
						"title",
						json_object_get(h, "title"),
						"reissued", re + 7));
	}
	return list;
}

json_t *actsim_setup_sp2(const struct actsim_catalog *cat,
			 struct actsim_machine *m, bool slipstream,
			 const char **code)
{
	json_t *risk, *migrated = json_array(), *warnings = json_array(), *h,
		*regressed;
	const char *ie = actsim_machine_app_version(m, "ie");
	size_t i;

	if (m->os != 2003 || m->sp >= 2) {
		*code = "NOT_APPLICABLE";
		json_decref(migrated);
		json_decref(warnings);
		return NULL;
	}
	if (m->sp2_blocked) {
		*code = "SP2_BLOCKED";
		json_decref(migrated);
		json_decref(warnings);
		return NULL;
	}
	risk = at_risk(cat, m);
	/* Reissued hotfixes migrate; originals lose their fix. */
	json_array_foreach(json_object_get(sp2(cat), "support_only_hotfixes"),
			   i, h) {
		const char *kb = json_string_value(json_object_get(h, "kb"));
		char re[64];

		if (actsim_machine_has_app(m, reissued_name(cat, kb, re,
							    sizeof re)))
			json_array_append_new(migrated, json_string(kb));
	}
	json_array_foreach(risk, i, h)
		if (m->nregressed < ACTSIM_MAX_APPS)
			snprintf(m->regressed[m->nregressed++],
				 sizeof m->regressed[0], "%s",
				 json_string_value(json_object_get(h, "kb")));
	if (json_array_size(risk) > 0)
		json_array_append(warnings,
				  json_object_get(sp2(cat), "regressed"));
	if (ie != NULL && strcmp(ie, "7") == 0) {
		json_array_append(warnings,
				  json_object_get(sp2(cat),
						  slipstream ? "slipstream_ie" :
							       "update_ie"));
		if (slipstream)
			actsim_machine_add_app(m, "ie:6");
	}
	m->sp = 2;
	regressed = json_array();
	json_array_foreach(risk, i, h)
		json_array_append(regressed, json_object_get(h, "kb"));
	json_decref(risk);
	return json_pack("{s:i,s:s?,s:b,s:o,s:o,s:o}", "sp", 2, "ie",
			 actsim_machine_app_version(m, "ie"), "slipstream",
			 slipstream, "regressed", regressed, "migrated",
			 migrated, "warnings", warnings);
}

json_t *actsim_setup_hotfix_scan(const struct actsim_catalog *cat,
				 struct actsim_machine *m, bool unblock)
{
	json_t *list;

	if (m->sp < 2) {
		list = at_risk(cat, m);
		/* Pre-SP2 the tool blocks SP2 when something would regress;
		 * /d lifts the block. */
		m->sp2_blocked = !unblock && json_array_size(list) > 0;
		return json_pack("{s:s,s:o,s:b}", "phase", "pre-sp2",
				 "hotfixes", list, "sp2_blocked",
				 m->sp2_blocked);
	}
	list = json_array();
	for (size_t i = 0; i < m->nregressed; i++) {
		json_t *h;
		size_t j;
		const char *title = "";

		json_array_foreach(json_object_get(sp2(cat),
						   "support_only_hotfixes"),
				   j, h)
			if (strcmp(json_string_value(json_object_get(h, "kb")),
				   m->regressed[i]) == 0)
				title = json_string_value(
					json_object_get(h, "title"));
		json_array_append_new(list,
				      json_pack("{s:s,s:s}", "kb",
						m->regressed[i], "title", title));
	}
	return json_pack("{s:s,s:o,s:b}", "phase", "post-sp2", "hotfixes",
			 list, "sp2_blocked", false);
}

json_t *actsim_setup_updates(const struct actsim_catalog *cat,
			     const struct actsim_machine *m, bool hide_sp2)
{
	json_t *list = json_array(), *u;
	bool sp2_offered = m->os == 2003 && m->sp < 2 && !hide_sp2;
	size_t i;

	if (sp2_offered)
		json_array_append_new(
			list, json_pack("{s:s,s:s}", "id", "SP2", "title",
					"Windows Server 2003 Service Pack 2"));
	json_array_foreach(json_object_get(sp2(cat), "updates"), i, u) {
		const char *kb = json_string_value(json_object_get(u, "kb"));
		bool superseded =
			json_is_true(json_object_get(u, "superseded_by_sp2"));
		char name[64];

		snprintf(name, sizeof name, "hotfix:%s", kb);
		if (m->os != 2003 || actsim_machine_has_app(m, name))
			continue;
		/* Superseded updates are not offered while SP2 is, nor
		 * once it is installed. */
		if (superseded && (sp2_offered || m->sp >= 2))
			continue;
		json_array_append_new(list,
				      json_pack("{s:s,s:O,s:b}", "id", kb,
						"title",
						json_object_get(u, "title"),
						"superseded_by_sp2",
						superseded));
	}
	return json_pack("{s:o,s:b}", "updates", list, "sp2_offered",
			 sp2_offered);
}

/* ---- Exchange and Windows upgrade planning ---- */

static void block(const struct actsim_catalog *cat, json_t *blockers,
		  const char *code)
{
	json_t *b = json_object_get(
		json_object_get(section(cat, "exchange"), "blockers"), code);
	char upper[64];
	size_t i;

	for (i = 0; code[i] && i < sizeof upper - 1; i++)
		upper[i] = (char)(code[i] >= 'a' && code[i] <= 'z' ?
					  code[i] - 'a' + 'A' :
					  code[i]);
	upper[i] = '\0';
	json_array_append_new(
		blockers, json_pack("{s:s,s:O,s:O}", "code", upper, "reason",
				    json_object_get(b, "reason"), "source",
				    json_object_get(b, "source")));
}

static bool runs_on(const struct actsim_catalog *cat, const char *exchange,
		    unsigned os)
{
	char v[8];

	snprintf(v, sizeof v, "%u", os);
	return in_list(json_object_get(json_object_get(section(cat,
							       "exchange"),
						       "runs_on"),
				       exchange),
		       v);
}

json_t *actsim_setup_plan(const struct actsim_catalog *cat,
			  const struct actsim_machine *m, unsigned target_os,
			  const char *exchange)
{
	json_t *ex = section(cat, "exchange");
	json_t *steps = json_array(), *blockers = json_array(),
	       *alternatives = json_array(), *warnings = json_array();
	const char *have = actsim_machine_app_version(m, "exchange");
	const char *want = exchange != NULL ? exchange : have;
	bool os_change = target_os != m->os;
	char line[256];

	json_array_append_new(steps, json_string("Back up all the relevant "
						 "data on the server."));
	if (want != NULL && !runs_on(cat, want, target_os)) {
		/* Exchange 2000 on 2003 (003), Exchange 2007 RTM on 2008
		 * (004). */
		if (strcmp(want, "2000") == 0)
			block(cat, blockers, "exchange2000_on_2003");
		else if (strcmp(want, "2007") == 0 && target_os == 2008)
			block(cat, blockers, "exchange2007_rtm_on_2008");
		else {
			snprintf(line, sizeof line,
				 "Exchange %s does not run on Windows Server "
				 "%u.",
				 want, target_os);
			json_array_append_new(
				blockers,
				json_pack("{s:s,s:s,s:s}", "code",
					  "EXCHANGE_UNSUPPORTED_OS", "reason",
					  line, "source", "003, 004"));
		}
	}
	if (os_change && target_os == 2008 && have != NULL &&
	    strncmp(have, "2007", 4) == 0) {
		block(cat, blockers, "exchange2007_inplace_2008");
		json_array_extend(alternatives,
				  json_object_get(ex, "migration_paths_2008"));
	}
	if (os_change && target_os == 2008 &&
	    actsim_machine_has_app(m, "powershell"))
		block(cat, blockers, "powershell");
	if (os_change && target_os == 2008 &&
	    actsim_machine_has_app(m, "cluster"))
		block(cat, blockers, "cluster_mixed_os");
	if (os_change && target_os == 2003 &&
	    actsim_machine_has_app(m, "adc:2000"))
		block(cat, blockers, "adc2000_on_2003");
	if (want != NULL && strcmp(want, "2003") == 0 && target_os == 2000)
		json_array_append(warnings,
				  json_object_get(json_object_get(
							  json_object_get(
								  ex,
								  "blockers"),
							  "exchange2003_needs_2003"),
						  "reason"));
	/* Inside out: Exchange first, then Windows (003). */
	if (have != NULL && strcmp(have, "2000") == 0 && exchange != NULL &&
	    strcmp(exchange, "2003") == 0 && target_os == 2003 &&
	    m->os == 2000) {
		json_array_clear(steps);
		json_array_extend(steps,
				  json_object_get(ex, "inside_out_steps"));
	} else {
		if (exchange != NULL && (have == NULL ||
					 strcmp(have, exchange) != 0)) {
			snprintf(line, sizeof line,
				 "Install Exchange Server %s.", exchange);
			if (!os_change)
				json_array_append_new(steps, json_string(line));
		}
		if (os_change) {
			snprintf(line, sizeof line,
				 "Upgrade the operating system to Windows "
				 "Server %u.",
				 target_os);
			json_array_append_new(steps, json_string(line));
			if (exchange != NULL &&
			    (have == NULL || strcmp(have, exchange) != 0)) {
				snprintf(line, sizeof line,
					 "Install Exchange Server %s.",
					 exchange);
				json_array_append_new(steps,
						      json_string(line));
			}
		}
	}
	if (have != NULL && strcmp(have, "2000") == 0 && target_os == 2003 &&
	    (exchange == NULL || strcmp(exchange, "2000") == 0))
		json_array_append_new(
			alternatives,
			json_string("Go inside out: upgrade Exchange 2000 to "
				    "Exchange 2003 in place first, then "
				    "Windows (plan --exchange 2003)."));
	return json_pack("{s:b,s:o,s:o,s:o,s:o}", "possible",
			 json_array_size(blockers) == 0, "steps", steps,
			 "blockers", blockers, "alternatives", alternatives,
			 "warnings", warnings);
}

void actsim_setup_apply(const struct actsim_catalog *cat,
			struct actsim_machine *m, unsigned target_os,
			const char *exchange, bool blocked)
{
	const char *have = actsim_machine_app_version(m, "exchange");
	char app[32];

	(void)cat;
	/* What seed 004 went through: past the PowerShell block, only the
	 * AD Topology service starts afterwards. */
	if (blocked && have != NULL)
		m->exchange_broken = true;
	if (target_os == 2008 && m->os != 2008) {
		actsim_machine_remove_app(m, "powershell");
		m->sp = 0;
	}
	m->os = target_os;
	if (exchange != NULL) {
		snprintf(app, sizeof app, "exchange:%s", exchange);
		actsim_machine_add_app(m, app);
	}
}
