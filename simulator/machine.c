#include <stdio.h>
#include <string.h>

#include "actsim/keycheck.h"
#include "actsim/machine.h"
#include "actsim/time.h"
#include "../common/internal.h"

#define RECORD_VERSION 1

static actsim_err fail(char *err, size_t cap, actsim_err e, const char *fmt,
		       const char *arg)
{
	if (err != NULL && cap > 0)
		snprintf(err, cap, fmt, arg);
	return e;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ACTSIM_MACHINE_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") == n;
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src != NULL ? src : "");
}

/* Install-time digits of the product ID: from the name and the time, so
 * the same scenario gives the same product IDs. */
static actsim_err install_digits(const char *name, int64_t now, unsigned *out)
{
	uint8_t in[ACTSIM_MACHINE_NAME_MAX + 9], d[ACTSIM_HASH_BYTES];
	size_t n = strlen(name);
	actsim_err e;

	memcpy(in, name, n);
	in[n] = 0;
	actsim_put_be64(in + n + 1, (uint64_t)now);
	e = actsim_hash_tagged(d, "actsim/install/v1", in, n + 9);
	if (e == ACTSIM_OK)
		*out = (unsigned)(actsim_get_be64(d) % 1000);
	return e;
}

/* System-locked pre-installation: an OEM key on hardware whose BIOS
 * carries the catalog's marker comes activated. */
static bool slp_preactivated(const struct actsim_channel_rules *ch,
			     const struct actsim_activation_rules *rules,
			     const struct actsim_machine *m)
{
	return ch != NULL && ch->policy == ACTSIM_POLICY_BIND_FIRST &&
	       m->hardware.has_bios &&
	       strstr(m->hardware.bios, rules->oem_bios_marker) != NULL;
}

actsim_err actsim_machine_create(struct actsim_lab *lab,
				 const struct actsim_catalog *cat,
				 const struct actsim_machine_spec *spec,
				 struct actsim_machine *out, char *err,
				 size_t cap)
{
	const struct actsim_activation_rules *rules =
		actsim_catalog_activation(cat);
	const struct actsim_channel_rules *ch;
	struct actsim_check_result r;
	struct actsim_machine m;
	struct actsim_pid pid;
	const char *lang = spec->language ? spec->language : "en";
	const char *country = spec->country ? spec->country :
					      rules->default_country;
	int64_t now;
	actsim_err e;
	json_t *rec;

	if (!valid_name(spec->name))
		return fail(err, cap, ACTSIM_E_INVALID_ARG,
			    "invalid machine name '%s' (1 to 63 letters, "
			    "digits, '-', '_' or '.')",
			    spec->name);
	if (!actsim_catalog_has(cat, ACTSIM_CATALOG_LANGUAGE, lang))
		return fail(err, cap, ACTSIM_E_INVALID_ARG,
			    "unknown language '%s' (see 'actsim catalog')",
			    lang);
	if (!actsim_catalog_has(cat, ACTSIM_CATALOG_COUNTRY, country))
		return fail(err, cap, ACTSIM_E_INVALID_ARG,
			    "unknown country '%s' (see 'actsim catalog')",
			    country);
	e = actsim_key_check(actsim_lab_realm(lab), cat, spec->key, NULL, &r,
			     NULL);
	if (e != ACTSIM_OK)
		return fail(err, cap, e, "malformed product key '%s'",
			    spec->key);
	if (r.code != ACTSIM_CHECK_OK)
		return fail(err, cap, ACTSIM_E_BAD_SIGNATURE, "%s", r.message);
	ch = actsim_catalog_channel(cat, r.config->channel);
	e = actsim_lab_clock_get(lab, &now);
	if (e != ACTSIM_OK)
		return e;

	memset(&m, 0, sizeof m);
	copy(m.name, sizeof m.name, spec->name);
	actsim_pkey_format(m.key, &r.fields);
	copy(m.sku, sizeof m.sku, r.config->sku);
	copy(m.channel, sizeof m.channel, r.config->channel);
	copy(m.platform, sizeof m.platform, r.config->platform);
	m.r2 = r.config->r2;
	copy(m.language, sizeof m.language, lang);
	copy(m.country, sizeof m.country, country);
	m.channel_id = r.fields.channel_id;
	e = actsim_key_identity(&r.fields, &m.key_id, &m.sequence);
	if (e == ACTSIM_OK)
		e = install_digits(m.name, now, &m.install);
	if (e == ACTSIM_OK)
		e = actsim_hw_hash(spec->hardware, &m.hardware_hash);
	if (e != ACTSIM_OK)
		return e;
	actsim_pid_make(&pid, r.config, m.channel_id, m.sequence, m.install);
	actsim_pid_format(m.product_id, &pid);
	m.installed_at = now;
	m.hardware = *spec->hardware;
	m.os = spec->os ? spec->os : 2003;
	m.sp = spec->sp >= 0 ? (unsigned)spec->sp : 1;
	m.r2 = m.r2 || spec->r2;
	if (m.os != 2000 && m.os != 2003 && m.os != 2008) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "unknown OS %u (2000, 2003 or 2008)",
				 m.os);
		return ACTSIM_E_INVALID_ARG;
	}
	if (m.r2 && (m.os != 2003 || m.sp < 1))
		return fail(err, cap, ACTSIM_E_INVALID_ARG, "%s",
			    "R2 needs Windows Server 2003 with SP1 or later");
	for (const char *const *a = spec->apps; a != NULL && *a != NULL; a++) {
		if (!actsim_app_valid(*a))
			return fail(err, cap, ACTSIM_E_INVALID_ARG,
				    "unknown application '%s' (see 'actsim "
				    "help machine')",
				    *a);
		if (!actsim_machine_add_app(&m, *a))
			return fail(err, cap, ACTSIM_E_INVALID_ARG,
				    "too many applications at '%s'", *a);
	}
	if (slp_preactivated(ch, rules, &m))
		actsim_machine_activated(&m, "", "oem_bios", now);

	rec = actsim_machine_to_json(&m);
	if (rec == NULL)
		return ACTSIM_E_NOMEM;
	e = actsim_lab_machine_put(lab, m.name, rec, true);
	json_decref(rec);
	if (e != ACTSIM_OK)
		return fail(err, cap, e, "%s", actsim_lab_errmsg(lab));
	*out = m;
	return ACTSIM_OK;
}

actsim_err actsim_machine_change_key(struct actsim_lab *lab,
				     const struct actsim_catalog *cat,
				     struct actsim_machine *m, const char *key,
				     struct actsim_check_result *check)
{
	struct actsim_media media = { m->sku, m->channel, m->platform, m->r2 };
	struct actsim_pid pid;
	uint64_t key_id;
	uint32_t sequence;
	actsim_err e;

	char text[ACTSIM_PKEY_TEXT_BYTES];
	int64_t now;

	e = actsim_key_check(actsim_lab_realm(lab), cat, key, &media, check,
			     NULL);
	if (e != ACTSIM_OK || check->code != ACTSIM_CHECK_OK)
		return e;
	e = actsim_key_identity(&check->fields, &key_id, &sequence);
	if (e == ACTSIM_OK)
		e = actsim_lab_clock_get(lab, &now);
	if (e != ACTSIM_OK)
		return e;
	actsim_pkey_format(text, &check->fields);
	/* the key already installed: nothing changes */
	if (strcmp(text, m->key) == 0)
		return ACTSIM_OK;
	memcpy(m->key, text, sizeof m->key);
	m->channel_id = check->fields.channel_id;
	m->key_id = key_id;
	m->sequence = sequence;
	actsim_pid_make(&pid, check->config, m->channel_id, m->sequence,
			m->install);
	actsim_pid_format(m->product_id, &pid);
	/* a new key is a new license: activate again, same grace clock */
	m->activated = false;
	m->activated_at = 0;
	m->baseline_hash = 0;
	m->activation_kind[0] = '\0';
	m->confirmation_id[0] = '\0';
	m->out_of_tolerance = false;
	m->out_of_tolerance_at = 0;
	if (slp_preactivated(actsim_catalog_channel(cat, m->channel),
			     actsim_catalog_activation(cat), m))
		actsim_machine_activated(m, "", "oem_bios", now);
	return ACTSIM_OK;
}

/* Appends to the history, dropping the oldest event when it is full. */
static struct actsim_machine_event *
history_add(struct actsim_machine *m, enum actsim_machine_event_kind kind,
	    int64_t now)
{
	struct actsim_machine_event *ev;

	if (m->nhistory == ACTSIM_MACHINE_HISTORY) {
		memmove(&m->history[0], &m->history[1],
			(ACTSIM_MACHINE_HISTORY - 1) * sizeof m->history[0]);
		m->nhistory--;
	}
	ev = &m->history[m->nhistory++];
	memset(ev, 0, sizeof *ev);
	ev->kind = kind;
	ev->at = now;
	return ev;
}

void actsim_machine_activated(struct actsim_machine *m, const char *cid,
			      const char *kind, int64_t now)
{
	copy(history_add(m, ACTSIM_EVENT_ACTIVATED, now)->detail,
	     sizeof m->history[0].detail, kind);
	m->activated = true;
	m->activated_at = now;
	m->baseline_hash = m->hardware_hash;
	copy(m->activation_kind, sizeof m->activation_kind, kind);
	copy(m->confirmation_id, sizeof m->confirmation_id, cid);
	m->out_of_tolerance = false;
	m->out_of_tolerance_at = 0;
}

actsim_err actsim_machine_set_hardware(struct actsim_machine *m,
				       const struct actsim_hw_profile *p,
				       int64_t now)
{
	struct actsim_hw_vote v;
	uint64_t h;
	actsim_err e = actsim_hw_hash(p, &h);

	if (e != ACTSIM_OK)
		return e;
	m->hardware = *p;
	m->hardware_hash = h;
	if (!m->activated)
		return ACTSIM_OK;
	actsim_hw_compare(m->baseline_hash, h, &v);
	{
		struct actsim_machine_event *ev =
			history_add(m, ACTSIM_EVENT_HARDWARE, now);

		ev->votes = v.votes;
		ev->within_tolerance = v.within_tolerance;
	}
	if (!v.within_tolerance && !m->out_of_tolerance) {
		m->out_of_tolerance = true;
		m->out_of_tolerance_at = now;
	} else if (v.within_tolerance) {
		m->out_of_tolerance = false;
		m->out_of_tolerance_at = 0;
	}
	return ACTSIM_OK;
}

void actsim_machine_license(const struct actsim_catalog *cat,
			    const struct actsim_machine *m, int64_t now,
			    struct actsim_license_state *out)
{
	static const struct actsim_channel_rules unknown = {
		"unknown", "unknown", 30, 0, ACTSIM_POLICY_LIMIT, 0, 1
	};
	struct actsim_license l;

	l.channel = actsim_catalog_channel(cat, m->channel);
	if (l.channel == NULL)
		l.channel = &unknown;
	l.rules = actsim_catalog_activation(cat);
	l.installed_at = m->installed_at;
	l.activated = m->activated;
	l.activated_at = m->activated_at;
	l.out_of_tolerance = m->out_of_tolerance;
	l.out_of_tolerance_at = m->out_of_tolerance_at;
	actsim_license_eval(&l, now, out);
}

actsim_err actsim_machine_iid(struct actsim_lab *lab,
			      const struct actsim_machine *m,
			      struct actsim_iid *out)
{
	struct actsim_iid_plain p;

	p.version = ACTSIM_IID_VERSION;
	p.hardware_hash = m->hardware_hash;
	p.channel_id = m->channel_id;
	p.sequence = m->sequence;
	p.install = m->install;
	p.key_id = m->key_id;
	return actsim_iid_encrypt(actsim_lab_realm(lab), &p, out);
}

/* ---- the stored record ---- */

static json_t *time_or_null(bool set, int64_t t)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	if (!set)
		return json_null();
	actsim_time_format(buf, t);
	return json_string(buf);
}

static json_t *hash_json(uint64_t h)
{
	char buf[ACTSIM_HW_HASH_HEX];

	actsim_hw_hash_format(buf, h);
	return json_string(buf);
}

static json_t *history_json(const struct actsim_machine *m)
{
	json_t *list = json_array();

	for (size_t i = 0; i < m->nhistory; i++) {
		const struct actsim_machine_event *ev = &m->history[i];
		json_t *o = json_pack(
			"{s:s,s:o}", "kind",
			ev->kind == ACTSIM_EVENT_ACTIVATED ? "activated" :
							     "hardware",
			"at", time_or_null(true, ev->at));

		if (ev->kind == ACTSIM_EVENT_ACTIVATED) {
			json_object_set_new(o, "detail",
					    json_string(ev->detail));
		} else {
			json_object_set_new(o, "votes",
					    json_integer(ev->votes));
			json_object_set_new(o, "within_tolerance",
					    json_boolean(ev->within_tolerance));
		}
		json_array_append_new(list, o);
	}
	return list;
}

json_t *actsim_machine_to_json(const struct actsim_machine *m)
{
	json_t *rec = json_pack(
		"{s:i,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:i,s:I,s:i,s:I,"
		"s:o,s:o,s:o,s:i,s:b,s:o,s:o,s:s?,s:s?,s:b,s:o}",
		"version", RECORD_VERSION, "name", m->name, "key", m->key,
		"sku", m->sku, "channel", m->channel, "platform", m->platform,
		"r2", m->r2, "language", m->language, "country", m->country,
		"product_id", m->product_id, "channel_id", m->channel_id,
		"sequence", (json_int_t)m->sequence, "install", m->install,
		"key_id", (json_int_t)m->key_id, "installed_at",
		time_or_null(true, m->installed_at), "hardware",
		actsim_hw_profile_to_json(&m->hardware), "hardware_hash",
		hash_json(m->hardware_hash), "replacements", m->replacements,
		"activated", m->activated, "activated_at",
		time_or_null(m->activated, m->activated_at), "baseline_hash",
		m->activated ? hash_json(m->baseline_hash) : json_null(),
		"activation_kind", m->activated ? m->activation_kind : NULL,
		"confirmation_id",
		m->activated && m->confirmation_id[0] ? m->confirmation_id :
							NULL,
		"out_of_tolerance", m->out_of_tolerance,
		"out_of_tolerance_at",
		time_or_null(m->out_of_tolerance, m->out_of_tolerance_at));
	json_t *apps = json_array(), *regressed = json_array();

	if (rec == NULL)
		return NULL;
	for (size_t i = 0; i < m->napps; i++)
		json_array_append_new(apps, json_string(m->apps[i]));
	for (size_t i = 0; i < m->nregressed; i++)
		json_array_append_new(regressed, json_string(m->regressed[i]));
	json_object_set_new(rec, "os", json_integer(m->os));
	json_object_set_new(rec, "sp", json_integer(m->sp));
	json_object_set_new(rec, "apps", apps);
	json_object_set_new(rec, "sp2_blocked", json_boolean(m->sp2_blocked));
	json_object_set_new(rec, "regressed_hotfixes", regressed);
	json_object_set_new(rec, "exchange_broken",
			    json_boolean(m->exchange_broken));
	json_object_set_new(rec, "history", history_json(m));
	return rec;
}

static bool get_str(json_t *rec, const char *k, char *dst, size_t cap)
{
	const char *s = json_string_value(json_object_get(rec, k));

	if (s == NULL || strlen(s) >= cap)
		return false;
	memcpy(dst, s, strlen(s) + 1);
	return true;
}

static bool get_time(json_t *rec, const char *k, bool *set, int64_t *t)
{
	json_t *v = json_object_get(rec, k);

	*set = !json_is_null(v) && v != NULL;
	if (!*set)
		return true;
	return json_is_string(v) &&
	       actsim_time_parse(json_string_value(v), t) == ACTSIM_OK;
}

static bool get_hash(json_t *rec, const char *k, uint64_t *h)
{
	const char *s = json_string_value(json_object_get(rec, k));

	return s != NULL && actsim_hw_hash_parse(s, h) == ACTSIM_OK;
}

/* Records written before the history existed have none: their timeline
 * shows what the record itself says. Unreadable entries are skipped. */
static void history_from_json(json_t *list, struct actsim_machine *m)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o) {
		const char *kind = json_string_value(json_object_get(o, "kind"));
		struct actsim_machine_event ev;
		bool set;

		memset(&ev, 0, sizeof ev);
		if (kind == NULL || !get_time(o, "at", &set, &ev.at) || !set ||
		    m->nhistory == ACTSIM_MACHINE_HISTORY)
			continue;
		if (strcmp(kind, "activated") == 0) {
			ev.kind = ACTSIM_EVENT_ACTIVATED;
			if (!get_str(o, "detail", ev.detail, sizeof ev.detail))
				continue;
		} else if (strcmp(kind, "hardware") == 0) {
			ev.kind = ACTSIM_EVENT_HARDWARE;
			ev.votes = (unsigned)json_integer_value(
				json_object_get(o, "votes"));
			ev.within_tolerance = json_is_true(
				json_object_get(o, "within_tolerance"));
		} else {
			continue;
		}
		m->history[m->nhistory++] = ev;
	}
}

static const char *const summary_fields[] = {
	"version",	 "name",	  "sku",
	"channel",	 "platform",	  "r2",
	"installed_at",	 "hardware_hash", "activated_at",
	"baseline_hash", "out_of_tolerance_at", NULL
};

const char *const *actsim_machine_summary_fields(void)
{
	return summary_fields;
}

actsim_err actsim_machine_summary_from_json(json_t *rec,
					    struct actsim_machine *m)
{
	bool set, ok;

	memset(m, 0, sizeof m[0]);
	ok = json_integer_value(json_object_get(rec, "version")) ==
		     RECORD_VERSION &&
	     get_str(rec, "name", m->name, sizeof m->name) &&
	     get_str(rec, "sku", m->sku, sizeof m->sku) &&
	     get_str(rec, "channel", m->channel, sizeof m->channel) &&
	     get_str(rec, "platform", m->platform, sizeof m->platform) &&
	     get_time(rec, "installed_at", &set, &m->installed_at) && set &&
	     get_hash(rec, "hardware_hash", &m->hardware_hash) &&
	     get_time(rec, "activated_at", &m->activated, &m->activated_at) &&
	     get_time(rec, "out_of_tolerance_at", &m->out_of_tolerance,
		      &m->out_of_tolerance_at) &&
	     (!m->activated ||
	      get_hash(rec, "baseline_hash", &m->baseline_hash));
	if (!ok)
		return ACTSIM_E_DB;
	m->r2 = json_is_true(json_object_get(rec, "r2"));
	return ACTSIM_OK;
}

actsim_err actsim_machine_from_json(json_t *rec, struct actsim_machine *m)
{
	bool ok;

	if (actsim_machine_summary_from_json(rec, m) != ACTSIM_OK)
		return ACTSIM_E_DB;
	ok = get_str(rec, "key", m->key, sizeof m->key) &&
	     get_str(rec, "language", m->language, sizeof m->language) &&
	     get_str(rec, "country", m->country, sizeof m->country) &&
	     get_str(rec, "product_id", m->product_id, sizeof m->product_id) &&
	     actsim_hw_profile_from_json(&m->hardware,
					 json_object_get(rec, "hardware"), NULL,
					 0) == ACTSIM_OK;
	if (!ok)
		return ACTSIM_E_DB;
	m->channel_id =
		(uint16_t)json_integer_value(json_object_get(rec, "channel_id"));
	m->sequence =
		(uint32_t)json_integer_value(json_object_get(rec, "sequence"));
	m->install =
		(unsigned)json_integer_value(json_object_get(rec, "install"));
	m->key_id = (uint64_t)json_integer_value(json_object_get(rec, "key_id"));
	m->replacements = (unsigned)json_integer_value(
		json_object_get(rec, "replacements"));
	/* software state; records without it are plain 2003 SP1 servers */
	m->os = json_is_integer(json_object_get(rec, "os")) ?
			(unsigned)json_integer_value(json_object_get(rec, "os")) :
			2003;
	m->sp = json_is_integer(json_object_get(rec, "sp")) ?
			(unsigned)json_integer_value(json_object_get(rec, "sp")) :
			1;
	{
		size_t i;
		json_t *a;

		json_array_foreach(json_object_get(rec, "apps"), i, a)
			if (json_is_string(a))
				actsim_machine_add_app(m, json_string_value(a));
		json_array_foreach(json_object_get(rec, "regressed_hotfixes"),
				   i, a)
			if (json_is_string(a) &&
			    m->nregressed < ACTSIM_MAX_APPS)
				snprintf(m->regressed[m->nregressed++],
					 sizeof m->regressed[0], "%s",
					 json_string_value(a));
	}
	history_from_json(json_object_get(rec, "history"), m);
	m->sp2_blocked = json_is_true(json_object_get(rec, "sp2_blocked"));
	m->exchange_broken =
		json_is_true(json_object_get(rec, "exchange_broken"));
	if (m->activated) {
		if (!get_str(rec, "activation_kind", m->activation_kind,
			     sizeof m->activation_kind))
			return ACTSIM_E_DB;
		get_str(rec, "confirmation_id", m->confirmation_id,
			sizeof m->confirmation_id);
	}
	return ACTSIM_OK;
}

actsim_err actsim_machine_load(struct actsim_lab *lab, const char *name,
			       struct actsim_machine *out)
{
	json_t *rec;
	actsim_err e = actsim_lab_machine_get(lab, name, &rec);

	if (e != ACTSIM_OK)
		return e;
	e = actsim_machine_from_json(rec, out);
	json_decref(rec);
	return e;
}

actsim_err actsim_machine_save(struct actsim_lab *lab,
			       const struct actsim_machine *m)
{
	json_t *rec = actsim_machine_to_json(m);
	actsim_err e;

	if (rec == NULL)
		return ACTSIM_E_NOMEM;
	e = actsim_lab_machine_put(lab, m->name, rec, false);
	json_decref(rec);
	return e;
}

/* ---- software ---- */

bool actsim_app_valid(const char *app)
{
	static const char *const exact[] = {
		"exchange:2000", "exchange:2003", "exchange:2007",
		"exchange:2007sp1", "powershell", "ie:6", "ie:7", "cluster",
		"domain-controller", "adc:2000", NULL
	};
	size_t n = strlen(app);

	if (n == 0 || n > ACTSIM_APP_MAX)
		return false;
	for (const char *const *e = exact; *e != NULL; e++)
		if (strcmp(app, *e) == 0)
			return true;
	if (strncmp(app, "driver:", 7) == 0)
		return n > 7 && strspn(app + 7, "abcdefghijklmnopqrstuvwxyz"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						"0123456789-_.") == n - 7;
	if (strncmp(app, "hotfix:KB", 9) == 0) {
		size_t d = strspn(app + 9, "0123456789");

		return d >= 5 && d <= 8 &&
		       (app[9 + d] == '\0' || strcmp(app + 9 + d, "-v2") == 0);
	}
	return false;
}

bool actsim_machine_has_app(const struct actsim_machine *m, const char *app)
{
	for (size_t i = 0; i < m->napps; i++)
		if (strcmp(m->apps[i], app) == 0)
			return true;
	return false;
}

const char *actsim_machine_app_version(const struct actsim_machine *m,
				       const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < m->napps; i++)
		if (strncmp(m->apps[i], name, n) == 0 && m->apps[i][n] == ':')
			return m->apps[i] + n + 1;
	return NULL;
}

bool actsim_machine_add_app(struct actsim_machine *m, const char *app)
{
	const char *colon = strchr(app, ':');

	if (actsim_machine_has_app(m, app))
		return true;
	/* one version of a versioned product: exchange, ie, adc */
	if (colon != NULL && strncmp(app, "driver:", 7) != 0 &&
	    strncmp(app, "hotfix:", 7) != 0) {
		char name[ACTSIM_APP_MAX + 1];
		const char *old;

		snprintf(name, sizeof name, "%.*s", (int)(colon - app), app);
		old = actsim_machine_app_version(m, name);
		if (old != NULL) {
			char full[ACTSIM_APP_MAX + 2];

			snprintf(full, sizeof full, "%s:%s", name, old);
			actsim_machine_remove_app(m, full);
		}
	}
	if (m->napps == ACTSIM_MAX_APPS)
		return false;
	snprintf(m->apps[m->napps++], sizeof m->apps[0], "%s", app);
	return true;
}

void actsim_machine_remove_app(struct actsim_machine *m, const char *app)
{
	for (size_t i = 0; i < m->napps; i++)
		if (strcmp(m->apps[i], app) == 0) {
			memmove(&m->apps[i], &m->apps[i + 1],
				(m->napps - i - 1) * sizeof m->apps[0]);
			m->napps--;
			return;
		}
}
