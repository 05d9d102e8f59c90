#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actsim/catalog.h"
#include "actsim/pkey.h"
#include "actsim/time.h"
#include "../common/internal.h"
#include "catalog_builtin.h"

#define BUILTIN_NAME "builtin:ws2003.json"
#define CATALOG_VERSION 1

/* A catalog read from text is parsed and checked whole when loaded. The
 * built-in one (catalog_builtin.h) was checked when actsim was built
 * (tests/test_catalog.c): each member of its document is parsed on first
 * use, and its key configurations come from a table on first use, so
 * that a command pays for the parts it reads. Those caches fill behind
 * `lock`; the catalog stays logically const. */
struct actsim_catalog {
	char *name;
	json_t *doc; /* built-in: NULL until actsim_catalog_document() */
	const struct catalog_member *members; /* built-in; NULL otherwise */
	json_t **parts;                       /* built-in: parsed members */
	pthread_mutex_t lock;
	bool lock_ready;
	atomic_bool configs_ready;
	struct actsim_keyconfig *configs;
	size_t nconfigs;
	int16_t by_channel_id[ACTSIM_CHANNEL_ID_MAX + 1];
	struct actsim_channel_rules *channels;
	size_t nchannels;
	struct actsim_activation_rules activation;
};

struct vctx {
	const char *name;
	char *err;
	size_t cap;
};

static actsim_err verr(struct vctx *v, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static actsim_err verr(struct vctx *v, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (v->err == NULL || v->cap == 0)
		return ACTSIM_E_CATALOG;
	n = snprintf(v->err, v->cap, "catalog '%s': %s: ", v->name, path);
	if (n >= 0 && (size_t)n < v->cap) {
		va_start(ap, fmt);
		vsnprintf(v->err + n, v->cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ACTSIM_E_CATALOG;
}

/* True when member `key` of obj is the string s; false for non-strings. */
static bool member_is(json_t *obj, const char *key, const char *s)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v != NULL && strcmp(v, s) == 0;
}

/* Member `name` of the document (NULL when absent); the built-in
 * catalog's is parsed now if need be. The caller holds c->lock when the
 * catalog is built in and in use by others. */
static json_t *member_locked(struct actsim_catalog *c, const char *name)
{
	if (c->members == NULL)
		return json_object_get(c->doc, name);
	for (size_t i = 0; c->members[i].name != NULL; i++) {
		if (strcmp(c->members[i].name, name) != 0)
			continue;
		if (c->parts[i] == NULL)
			c->parts[i] = json_loads(c->members[i].json,
						 JSON_DECODE_ANY, NULL);
		return c->parts[i];
	}
	return NULL;
}

static json_t *member(const struct actsim_catalog *cc, const char *name)
{
	struct actsim_catalog *c = (struct actsim_catalog *)(uintptr_t)cc;
	json_t *m;

	if (c->members == NULL)
		return json_object_get(c->doc, name);
	pthread_mutex_lock(&c->lock);
	m = member_locked(c, name);
	pthread_mutex_unlock(&c->lock);
	return m;
}

static json_t *find_by_id(json_t *arr, const char *id)
{
	size_t i;
	json_t *el;

	json_array_foreach(arr, i, el)
		if (member_is(el, "id", id))
			return el;
	return NULL;
}

static bool in_string_array(json_t *arr, const char *s)
{
	size_t i;
	json_t *el;

	json_array_foreach(arr, i, el) {
		const char *v = json_string_value(el);

		if (v != NULL && strcmp(v, s) == 0)
			return true;
	}
	return false;
}

/* Checks a member and names it in the error: "$.skus[2].id". */
static actsim_err need_string(struct vctx *v, json_t *obj, const char *path,
			      const char *key, const char **out)
{
	json_t *m = json_object_get(obj, key);

	if (!json_is_string(m) || json_string_length(m) == 0 ||
	    json_string_length(m) > 64)
		return verr(v, path, "'%s' must be a string of 1 to 64 "
				     "characters", key);
	*out = json_string_value(m);
	return ACTSIM_OK;
}

static actsim_err need_array(struct vctx *v, json_t *obj, const char *path,
			     const char *key, json_t **out)
{
	json_t *m = json_object_get(obj, key);

	if (!json_is_array(m) || json_array_size(m) == 0)
		return verr(v, path, "'%s' must be a non-empty array", key);
	*out = m;
	return ACTSIM_OK;
}

/* platforms, channels, languages, skus: arrays of {id, name, ...} with
 * unique ids. */
static actsim_err check_id_list(struct vctx *v, json_t *doc, const char *key)
{
	json_t *arr = NULL, *el;
	size_t i;
	char path[96];
	const char *id, *name;
	actsim_err e;

	e = need_array(v, doc, "$", key, &arr);
	if (e != ACTSIM_OK)
		return e;
	json_array_foreach(arr, i, el) {
		snprintf(path, sizeof path, "$.%s[%zu]", key, i);
		if (!json_is_object(el))
			return verr(v, path, "must be an object");
		if ((e = need_string(v, el, path, "id", &id)) != ACTSIM_OK ||
		    (e = need_string(v, el, path, "name", &name)) != ACTSIM_OK)
			return e;
		if (find_by_id(arr, id) != el)
			return verr(v, path, "duplicate id '%s'", id);
	}
	return ACTSIM_OK;
}

static actsim_err check_platform_list(struct vctx *v, json_t *platforms,
				      json_t *list, const char *path,
				      bool may_be_empty)
{
	json_t *el;
	size_t i;
	char p[128];

	if (!json_is_array(list) || (!may_be_empty && json_array_size(list) == 0))
		return verr(v, path, "must be %sarray of platform ids",
			    may_be_empty ? "an " : "a non-empty ");
	json_array_foreach(list, i, el) {
		snprintf(p, sizeof p, "%s[%zu]", path, i);
		if (!json_is_string(el))
			return verr(v, p, "must be a platform id string");
		if (find_by_id(platforms, json_string_value(el)) == NULL)
			return verr(v, p, "unknown platform '%s'",
				    json_string_value(el));
	}
	return ACTSIM_OK;
}

static actsim_err check_skus(struct vctx *v, json_t *doc)
{
	json_t *skus = json_object_get(doc, "skus");
	json_t *platforms = json_object_get(doc, "platforms");
	json_t *el;
	size_t i;
	char path[96], p[128];
	actsim_err e;

	json_array_foreach(skus, i, el) {
		json_t *r2 = json_object_get(el, "r2_platforms");
		json_t *pl;
		size_t j;

		snprintf(path, sizeof path, "$.skus[%zu]", i);
		snprintf(p, sizeof p, "%s.platforms", path);
		e = check_platform_list(v, platforms,
					json_object_get(el, "platforms"), p,
					false);
		if (e != ACTSIM_OK)
			return e;
		snprintf(p, sizeof p, "%s.r2_platforms", path);
		e = check_platform_list(v, platforms, r2, p, true);
		if (e != ACTSIM_OK)
			return e;
		json_array_foreach(r2, j, pl)
			if (!in_string_array(json_object_get(el, "platforms"),
					     json_string_value(pl)))
				return verr(v, p,
					    "'%s' is not among the SKU's "
					    "platforms",
					    json_string_value(pl));
	}
	return ACTSIM_OK;
}

static bool sku_has_platform(json_t *doc, const char *sku,
			     const char *platform, bool r2)
{
	json_t *s = find_by_id(json_object_get(doc, "skus"), sku);

	return s != NULL &&
	       in_string_array(json_object_get(s, r2 ? "r2_platforms" :
							"platforms"),
			       platform);
}

static json_t *find_product(json_t *products, const char *sku,
			    const char *pl, bool r2)
{
	json_t *el;
	size_t i;

	json_array_foreach(products, i, el)
		if (member_is(el, "sku", sku) && member_is(el, "platform", pl) &&
		    json_is_true(json_object_get(el, "r2")) == r2)
			return el;
	return NULL;
}

static actsim_err check_products(struct vctx *v, json_t *doc)
{
	json_t *arr = NULL, *el;
	size_t i;
	char path[96];
	const char *sku, *pl, *code;
	actsim_err e;

	e = need_array(v, doc, "$", "products", &arr);
	if (e != ACTSIM_OK)
		return e;
	json_array_foreach(arr, i, el) {
		bool r2;

		snprintf(path, sizeof path, "$.products[%zu]", i);
		if (!json_is_object(el))
			return verr(v, path, "must be an object");
		if ((e = need_string(v, el, path, "sku", &sku)) != ACTSIM_OK ||
		    (e = need_string(v, el, path, "platform", &pl)) !=
			    ACTSIM_OK ||
		    (e = need_string(v, el, path, "product_code", &code)) !=
			    ACTSIM_OK)
			return e;
		if (!json_is_boolean(json_object_get(el, "r2")))
			return verr(v, path, "'r2' must be true or false");
		r2 = json_is_true(json_object_get(el, "r2"));
		if (find_by_id(json_object_get(doc, "skus"), sku) == NULL)
			return verr(v, path, "unknown sku '%s'", sku);
		if (!sku_has_platform(doc, sku, pl, r2))
			return verr(v, path, "sku '%s' has no %splatform '%s'",
				    sku, r2 ? "R2 " : "", pl);
		if (strlen(code) != 5 || strspn(code, "0123456789") != 5)
			return verr(v, path, "'product_code' must be 5 digits");
		if (find_product(arr, sku, pl, r2) != el)
			return verr(v, path, "duplicate product %s/%s%s", sku,
				    pl, r2 ? " R2" : "");
	}
	return ACTSIM_OK;
}

static actsim_err need_channel_id(struct vctx *v, json_t *el, const char *path,
				  const char *key, uint16_t *out)
{
	json_t *m = json_object_get(el, key);

	if (!json_is_integer(m) || json_integer_value(m) < 0 ||
	    json_integer_value(m) > ACTSIM_CHANNEL_ID_MAX)
		return verr(v, path, "'%s' must be an integer from 0 to %d",
			    key, ACTSIM_CHANNEL_ID_MAX);
	*out = (uint16_t)json_integer_value(m);
	return ACTSIM_OK;
}

static actsim_err check_configs(struct vctx *v, struct actsim_catalog *c)
{
	json_t *arr = member_locked(c, "key_configurations"), *el;
	json_t *channels = member_locked(c, "channels");
	json_t *products = member_locked(c, "products");
	size_t i;
	char path[96];
	actsim_err e = ACTSIM_OK;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		e = verr(v, "$", "'%s' must be a non-empty array",
			 "key_configurations");
	if (e != ACTSIM_OK)
		return e;
	c->configs = calloc(json_array_size(arr), sizeof *c->configs);
	if (c->configs == NULL)
		return ACTSIM_E_NOMEM;
	for (i = 0; i <= ACTSIM_CHANNEL_ID_MAX; i++)
		c->by_channel_id[i] = -1;
	json_array_foreach(arr, i, el) {
		struct actsim_keyconfig *k = &c->configs[i];
		json_t *prod;

		snprintf(path, sizeof path, "$.key_configurations[%zu]", i);
		if (!json_is_object(el))
			return verr(v, path, "must be an object");
		if (!json_is_integer(json_object_get(el, "index")) ||
		    json_integer_value(json_object_get(el, "index")) !=
			    (json_int_t)i)
			return verr(v, path, "'index' must be %zu (its position)",
				    i);
		k->index = (unsigned)i;
		if ((e = need_channel_id(v, el, path, "channel_id_min",
					 &k->channel_id_min)) != ACTSIM_OK ||
		    (e = need_channel_id(v, el, path, "channel_id_max",
					 &k->channel_id_max)) != ACTSIM_OK ||
		    (e = need_string(v, el, path, "sku", &k->sku)) !=
			    ACTSIM_OK ||
		    (e = need_string(v, el, path, "platform", &k->platform)) !=
			    ACTSIM_OK ||
		    (e = need_string(v, el, path, "channel", &k->channel)) !=
			    ACTSIM_OK)
			return e;
		if (k->channel_id_min > k->channel_id_max)
			return verr(v, path, "'channel_id_min' is above "
					     "'channel_id_max'");
		if (!json_is_boolean(json_object_get(el, "r2")))
			return verr(v, path, "'r2' must be true or false");
		k->r2 = json_is_true(json_object_get(el, "r2"));
		if (find_by_id(channels, k->channel) == NULL)
			return verr(v, path, "unknown channel '%s'", k->channel);
		prod = find_product(products, k->sku, k->platform, k->r2);
		if (prod == NULL)
			return verr(v, path, "no product %s/%s%s in $.products",
				    k->sku, k->platform, k->r2 ? " R2" : "");
		k->product_code =
			json_string_value(json_object_get(prod, "product_code"));
		for (unsigned id = k->channel_id_min; id <= k->channel_id_max;
		     id++) {
			if (c->by_channel_id[id] >= 0)
				return verr(v, path,
					    "channel ID %u already belongs to "
					    "$.key_configurations[%d]",
					    id, c->by_channel_id[id]);
			c->by_channel_id[id] = (int16_t)i;
		}
		for (size_t j = 0; j < i; j++) {
			const struct actsim_keyconfig *o = &c->configs[j];

			if (strcmp(o->sku, k->sku) == 0 &&
			    strcmp(o->platform, k->platform) == 0 &&
			    strcmp(o->channel, k->channel) == 0 &&
			    o->r2 == k->r2)
				return verr(v, path,
					    "same product and channel as "
					    "$.key_configurations[%zu]", j);
		}
		c->nconfigs = i + 1;
	}
	return ACTSIM_OK;
}

/* Every product must be sold in every channel through some range. */
static actsim_err check_coverage(struct vctx *v, struct actsim_catalog *c)
{
	json_t *prod, *ch;
	size_t i, j;
	char path[96];

	json_array_foreach(json_object_get(c->doc, "products"), i, prod) {
		json_array_foreach(json_object_get(c->doc, "channels"), j, ch) {
			const char *sku = json_string_value(
				json_object_get(prod, "sku"));
			const char *pl = json_string_value(
				json_object_get(prod, "platform"));
			bool r2 = json_is_true(json_object_get(prod, "r2"));
			const char *cid =
				json_string_value(json_object_get(ch, "id"));

			if (actsim_catalog_find(c, sku, pl, cid, r2) == NULL) {
				snprintf(path, sizeof path, "$.products[%zu]",
					 i);
				return verr(v, path,
					    "no key configuration for channel "
					    "'%s'",
					    cid);
			}
		}
	}
	return ACTSIM_OK;
}

/* A whole number member in [min, max]. */
static actsim_err need_int(struct vctx *v, json_t *obj, const char *path,
			   const char *key, int min, int max, int *out)
{
	json_t *m = json_object_get(obj, key);

	if (!json_is_integer(m) || json_integer_value(m) < min ||
	    json_integer_value(m) > max)
		return verr(v, path, "'%s' must be a whole number from %d to "
				     "%d",
			    key, min, max);
	*out = (int)json_integer_value(m);
	return ACTSIM_OK;
}

static actsim_err check_policy(struct vctx *v, json_t *pol, const char *path,
			       struct actsim_channel_rules *r)
{
	const char *mode;
	char p[128];
	actsim_err e;

	snprintf(p, sizeof p, "%s.policy", path);
	if (!json_is_object(pol))
		return verr(v, p, "must be an object with a 'mode'");
	if ((e = need_string(v, pol, p, "mode", &mode)) != ACTSIM_OK)
		return e;
	if (strcmp(mode, "limit") == 0) {
		r->policy = ACTSIM_POLICY_LIMIT;
		if ((e = need_int(v, pol, p, "max_hardware", 1, 100000,
				  &r->max_hardware)) != ACTSIM_OK ||
		    (e = need_int(v, pol, p, "window_days", 1, 36500,
				  &r->window_days)) != ACTSIM_OK)
			return e;
	} else if (strcmp(mode, "bind_first") == 0) {
		r->policy = ACTSIM_POLICY_BIND_FIRST;
	} else if (strcmp(mode, "exempt") == 0) {
		r->policy = ACTSIM_POLICY_EXEMPT;
	} else {
		return verr(v, p, "'mode' must be limit, bind_first or exempt");
	}
	if ((r->policy == ACTSIM_POLICY_EXEMPT) != (r->grace_days < 0))
		return verr(v, path, "'grace_days' is null exactly when the "
				     "policy is exempt");
	return ACTSIM_OK;
}

static actsim_err check_channel_rules(struct vctx *v, struct actsim_catalog *c)
{
	json_t *arr = member_locked(c, "channels"), *el;
	size_t i;
	char path[64];
	actsim_err e;

	c->channels = calloc(json_array_size(arr), sizeof *c->channels);
	if (c->channels == NULL)
		return ACTSIM_E_NOMEM;
	json_array_foreach(arr, i, el) {
		struct actsim_channel_rules *r = &c->channels[i];
		json_t *g = json_object_get(el, "grace_days");

		snprintf(path, sizeof path, "$.channels[%zu]", i);
		r->id = json_string_value(json_object_get(el, "id"));
		r->name = json_string_value(json_object_get(el, "name"));
		if (json_is_null(g))
			r->grace_days = -1;
		else if ((e = need_int(v, el, path, "grace_days", 1, 3650,
				       &r->grace_days)) != ACTSIM_OK)
			return verr(v, path, "'grace_days' must be a whole "
					     "number from 1 to 3650, or null "
					     "(exempt)");
		if (json_object_get(el, "evaluation_expiry_days") != NULL &&
		    (e = need_int(v, el, path, "evaluation_expiry_days", 1,
				  ACTSIM_WINDOW_MAX_DAYS, &r->evaluation_expiry_days)) !=
			    ACTSIM_OK)
			return e;
		e = check_policy(v, json_object_get(el, "policy"), path, r);
		if (e != ACTSIM_OK)
			return e;
		c->nchannels = i + 1;
	}
	return ACTSIM_OK;
}

static actsim_err check_activation(struct vctx *v, struct actsim_catalog *c)
{
	json_t *a = member_locked(c, "activation"), *steps = NULL, *el;
	struct actsim_activation_rules *r = &c->activation;
	size_t i;
	char path[64];
	actsim_err e;

	if (!json_is_object(a))
		return verr(v, "$.activation", "must be an object");
	if ((e = need_int(v, a, "$.activation", "reactivation_days", 1, 365,
			  &r->reactivation_days)) != ACTSIM_OK ||
	    (e = need_string(v, a, "$.activation", "oem_bios_marker",
			     &r->oem_bios_marker)) != ACTSIM_OK ||
	    (e = need_string(v, a, "$.activation", "default_country",
			     &r->default_country)) != ACTSIM_OK ||
	    (e = need_array(v, a, "$.activation", "reminders", &steps)) !=
		    ACTSIM_OK)
		return e;
	if (find_by_id(member_locked(c, "countries"), r->default_country) ==
	    NULL)
		return verr(v, "$.activation", "unknown default_country '%s'",
			    r->default_country);
	if (json_array_size(steps) > ACTSIM_MAX_REMINDER_STEPS)
		return verr(v, "$.activation.reminders", "at most %d steps",
			    ACTSIM_MAX_REMINDER_STEPS);
	json_array_foreach(steps, i, el) {
		snprintf(path, sizeof path, "$.activation.reminders[%zu]", i);
		if ((e = need_int(v, el, path, "remaining_above_hours", 0,
				  87600, &r->reminders[i].above_hours)) !=
			    ACTSIM_OK ||
		    (e = need_int(v, el, path, "every_hours", 1, 8760,
				  &r->reminders[i].every_hours)) != ACTSIM_OK)
			return e;
		if (i > 0 && r->reminders[i].above_hours >=
				     r->reminders[i - 1].above_hours)
			return verr(v, path, "steps must be ordered by "
					     "remaining_above_hours, "
					     "descending");
	}
	r->nreminders = json_array_size(steps);
	if (r->reminders[r->nreminders - 1].above_hours != 0)
		return verr(v, "$.activation.reminders",
			    "the last step must have remaining_above_hours 0");
	return ACTSIM_OK;
}

static actsim_err check_countries(struct vctx *v, json_t *doc)
{
	json_t *el;
	size_t i;
	char path[64];
	const char *phone;
	actsim_err e;

	json_array_foreach(json_object_get(doc, "countries"), i, el) {
		snprintf(path, sizeof path, "$.countries[%zu]", i);
		if ((e = need_string(v, el, path, "phone", &phone)) !=
		    ACTSIM_OK)
			return e;
	}
	return ACTSIM_OK;
}

/* An object member holding only non-empty arrays of strings. */
static actsim_err check_string_lists(struct vctx *v, json_t *obj,
				     const char *path, json_t *allowed_ids)
{
	const char *key;
	json_t *arr, *el;
	size_t i;
	char p[160];

	if (!json_is_object(obj))
		return verr(v, path, "must be an object");
	json_object_foreach(obj, key, arr) {
		snprintf(p, sizeof p, "%s.%s", path, key);
		if (!json_is_array(arr))
			return verr(v, p, "must be an array");
		json_array_foreach(arr, i, el) {
			if (!json_is_string(el))
				return verr(v, p, "must hold strings");
			if (allowed_ids != NULL &&
			    find_by_id(allowed_ids, json_string_value(el)) ==
				    NULL)
				return verr(v, p, "unknown id '%s'",
					    json_string_value(el));
		}
	}
	return ACTSIM_OK;
}

/* The Setup and servicing facts (seeds 000, 002, 003, 004): checked for
 * shape here, so that a malformed catalog is refused at start. */
static actsim_err check_setup_facts(struct vctx *v, json_t *doc)
{
	static const char *const r2_messages[] = {
		"sp_required", "no_itanium", "platform_x86", "platform_x64",
		"language", "web_edition", "sku_not_supported", "invalid_key",
		"edition_mismatch", "option_1", "option_2", "option_3"
	};
	static const char *const sp2_texts[] = {
		"slipstream_ie", "update_ie", "regressed", "reissued_suffix"
	};
	json_t *r2 = json_object_get(doc, "r2_upgrade");
	json_t *sp2 = json_object_get(doc, "service_pack_2");
	json_t *ex = json_object_get(doc, "exchange");
	json_t *el, *b;
	const char *s, *key;
	size_t i;
	char p[160];
	int n;
	actsim_err e;

	if (!json_is_object(r2))
		return verr(v, "$.r2_upgrade", "must be an object");
	if ((e = need_int(v, r2, "$.r2_upgrade", "sp_required", 0, 9, &n)) !=
		    ACTSIM_OK ||
	    (e = check_string_lists(v, json_object_get(r2, "channel_matrix"),
				    "$.r2_upgrade.channel_matrix",
				    json_object_get(doc, "channels"))) !=
		    ACTSIM_OK ||
	    (e = check_string_lists(v, json_object_get(r2, "sku_matrix"),
				    "$.r2_upgrade.sku_matrix",
				    json_object_get(doc, "skus"))) != ACTSIM_OK ||
	    (e = check_string_lists(v, json_object_get(r2, "options"),
				    "$.r2_upgrade.options", NULL)) != ACTSIM_OK)
		return e;
	for (i = 0; i < sizeof r2_messages / sizeof r2_messages[0]; i++)
		if (!json_is_string(json_object_get(
			    json_object_get(r2, "messages"), r2_messages[i])))
			return verr(v, "$.r2_upgrade.messages",
				    "'%s' must be a string", r2_messages[i]);
	for (i = 1; i <= 3; i++) {
		char k[2] = { (char)('0' + i), '\0' };

		if (!json_is_array(json_object_get(
			    json_object_get(r2, "options"), k)))
			return verr(v, "$.r2_upgrade.options",
				    "option '%s' is missing", k);
	}
	if (!json_is_array(json_object_get(r2, "warnings")))
		return verr(v, "$.r2_upgrade", "'warnings' must be an array");

	if (!json_is_object(sp2))
		return verr(v, "$.service_pack_2", "must be an object");
	for (i = 0; i < sizeof sp2_texts / sizeof sp2_texts[0]; i++)
		if (!json_is_string(json_object_get(sp2, sp2_texts[i])))
			return verr(v, "$.service_pack_2",
				    "'%s' must be a string", sp2_texts[i]);
	json_array_foreach(json_object_get(sp2, "support_only_hotfixes"), i,
			   el) {
		snprintf(p, sizeof p, "$.service_pack_2.support_only_hotfixes[%zu]",
			 i);
		if ((e = need_string(v, el, p, "kb", &s)) != ACTSIM_OK)
			return e;
		if (strncmp(s, "KB", 2) != 0)
			return verr(v, p, "'kb' must start with KB");
	}
	json_array_foreach(json_object_get(sp2, "updates"), i, el) {
		snprintf(p, sizeof p, "$.service_pack_2.updates[%zu]", i);
		if ((e = need_string(v, el, p, "kb", &s)) != ACTSIM_OK)
			return e;
		if (!json_is_boolean(json_object_get(el, "superseded_by_sp2")))
			return verr(v, p, "'superseded_by_sp2' must be true or "
					  "false");
	}

	if (!json_is_object(ex))
		return verr(v, "$.exchange", "must be an object");
	if ((e = check_string_lists(v, json_object_get(ex, "runs_on"),
				    "$.exchange.runs_on", NULL)) != ACTSIM_OK)
		return e;
	if (!json_is_object(json_object_get(ex, "blockers")))
		return verr(v, "$.exchange", "'blockers' must be an object");
	json_object_foreach(json_object_get(ex, "blockers"), key, b) {
		snprintf(p, sizeof p, "$.exchange.blockers.%s", key);
		if (!json_is_object(b) ||
		    (e = need_string(v, b, p, "source", &s)) != ACTSIM_OK ||
		    !json_is_string(json_object_get(b, "reason")))
			return verr(v, p, "needs 'source' and 'reason' "
					  "strings");
	}
	return ACTSIM_OK;
}

static actsim_err validate(struct vctx *v, struct actsim_catalog *c)
{
	json_t *ver = json_object_get(c->doc, "catalog_version");
	static const char *const lists[] = { "platforms", "channels",
					     "languages", "countries", "skus" };
	actsim_err e;

	if (!json_is_object(c->doc))
		return verr(v, "$", "must be an object");
	if (!json_is_integer(ver) || json_integer_value(ver) != CATALOG_VERSION)
		return verr(v, "$.catalog_version", "must be %d",
			    CATALOG_VERSION);
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if ((e = check_id_list(v, c->doc, lists[i])) != ACTSIM_OK)
			return e;
	if ((e = check_skus(v, c->doc)) != ACTSIM_OK ||
	    (e = check_countries(v, c->doc)) != ACTSIM_OK ||
	    (e = check_channel_rules(v, c)) != ACTSIM_OK ||
	    (e = check_activation(v, c)) != ACTSIM_OK ||
	    (e = check_products(v, c->doc)) != ACTSIM_OK ||
	    (e = check_configs(v, c)) != ACTSIM_OK ||
	    (e = check_setup_facts(v, c->doc)) != ACTSIM_OK)
		return e;
	return check_coverage(v, c);
}

actsim_err actsim_catalog_load(struct actsim_catalog **out, const char *name,
			       const char *text, size_t len, char *err,
			       size_t cap)
{
	struct vctx v = { name, err, cap };
	struct actsim_catalog *c;
	json_error_t je;
	actsim_err e;

	*out = NULL;
	if (len > ACTSIM_CATALOG_MAX_BYTES)
		return verr(&v, "$", "larger than %u bytes",
			    ACTSIM_CATALOG_MAX_BYTES);
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return ACTSIM_E_NOMEM;
	c->name = strdup(name);
	c->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (c->name == NULL) {
		e = ACTSIM_E_NOMEM;
	} else if (c->doc == NULL) {
		char where[64];

		snprintf(where, sizeof where, "line %d column %d", je.line,
			 je.column);
		e = verr(&v, where, "invalid JSON: %s", je.text);
	} else {
		e = validate(&v, c);
	}
	if (e != ACTSIM_OK) {
		actsim_catalog_free(c);
		return e;
	}
	*out = c;
	return ACTSIM_OK;
}

actsim_err actsim_catalog_load_file(struct actsim_catalog **out,
				    const char *path, char *err, size_t cap)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	actsim_err e;

	*out = NULL;
	if (f == NULL) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "cannot open catalog '%s': %s", path,
				 strerror(errno));
		return ACTSIM_E_IO;
	}
	buf = malloc(ACTSIM_CATALOG_MAX_BYTES + 1);
	if (buf == NULL) {
		fclose(f);
		return ACTSIM_E_NOMEM;
	}
	n = fread(buf, 1, ACTSIM_CATALOG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "cannot read catalog '%s': %s", path,
				 strerror(errno));
		e = ACTSIM_E_IO;
	} else if (n > ACTSIM_CATALOG_MAX_BYTES) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "catalog '%s': larger than %u bytes",
				 path, ACTSIM_CATALOG_MAX_BYTES);
		e = ACTSIM_E_TOO_BIG;
	} else {
		e = actsim_catalog_load(out, path, buf, n, err, cap);
	}
	fclose(f);
	free(buf);
	return e;
}

actsim_err actsim_catalog_load_builtin(struct actsim_catalog **out, char *err,
				       size_t cap)
{
	struct vctx v = { BUILTIN_NAME, err, cap };
	struct actsim_catalog *c = calloc(1, sizeof *c);
	size_t n = 0;
	actsim_err e = ACTSIM_OK;

	*out = NULL;
	if (c == NULL)
		return ACTSIM_E_NOMEM;
	while (actsim_catalog_builtin[n].name != NULL)
		n++;
	c->members = actsim_catalog_builtin;
	c->parts = calloc(n, sizeof *c->parts);
	c->name = strdup(BUILTIN_NAME);
	if (c->parts == NULL || c->name == NULL)
		e = ACTSIM_E_NOMEM;
	else if (pthread_mutex_init(&c->lock, NULL) != 0)
		e = ACTSIM_E_NOMEM;
	else
		c->lock_ready = true;
	/* The channel and activation rules are small and almost every
	 * command reads them; the rest waits for its first use. */
	if (e == ACTSIM_OK)
		e = check_channel_rules(&v, c);
	if (e == ACTSIM_OK)
		e = check_activation(&v, c);
	if (e != ACTSIM_OK) {
		actsim_catalog_free(c);
		return e;
	}
	*out = c;
	return ACTSIM_OK;
}

/* The key configurations of the built-in catalog, built on first use
 * (a parsed catalog has them from loading). */
static void ensure_configs(const struct actsim_catalog *cc)
{
	struct actsim_catalog *c = (struct actsim_catalog *)(uintptr_t)cc;

	if (c->members == NULL ||
	    atomic_load_explicit(&c->configs_ready, memory_order_acquire))
		return;
	pthread_mutex_lock(&c->lock);
	if (!atomic_load_explicit(&c->configs_ready, memory_order_relaxed)) {
		size_t n = actsim_catalog_builtin_nconfigs;

		/* checked when actsim was built (scripts/gen-catalog): no
		 * configurations only when memory is short */
		for (size_t i = 0; i <= ACTSIM_CHANNEL_ID_MAX; i++)
			c->by_channel_id[i] = -1;
		c->configs = malloc(n * sizeof *c->configs);
		if (c->configs != NULL) {
			memcpy(c->configs, actsim_catalog_builtin_configs,
			       n * sizeof *c->configs);
			c->nconfigs = n;
		}
		for (size_t i = 0; i < c->nconfigs; i++)
			for (unsigned id = c->configs[i].channel_id_min;
			     id <= c->configs[i].channel_id_max; id++)
				c->by_channel_id[id] = (int16_t)i;
		atomic_store_explicit(&c->configs_ready, true,
				      memory_order_release);
	}
	pthread_mutex_unlock(&c->lock);
}

void actsim_catalog_free(struct actsim_catalog *c)
{
	if (c == NULL)
		return;
	free(c->configs);
	free(c->channels);
	json_decref(c->doc);
	for (size_t i = 0; c->parts != NULL && c->members[i].name != NULL;
	     i++)
		json_decref(c->parts[i]);
	free(c->parts);
	if (c->lock_ready)
		pthread_mutex_destroy(&c->lock);
	free(c->name);
	free(c);
}

const char *actsim_catalog_name(const struct actsim_catalog *c)
{
	return c->name;
}

const json_t *actsim_catalog_member(const struct actsim_catalog *c,
				    const char *name)
{
	return member(c, name);
}

const json_t *actsim_catalog_document(const struct actsim_catalog *cc)
{
	struct actsim_catalog *c = (struct actsim_catalog *)(uintptr_t)cc;
	json_t *doc;

	if (c->members == NULL)
		return c->doc;
	pthread_mutex_lock(&c->lock);
	if (c->doc == NULL && (doc = json_object()) != NULL) {
		/* the members in the file's order */
		for (size_t i = 0; c->members[i].name != NULL; i++)
			json_object_set(doc, c->members[i].name,
					member_locked(c, c->members[i].name));
		c->doc = doc;
	}
	doc = c->doc;
	pthread_mutex_unlock(&c->lock);
	return doc;
}

bool actsim_catalog_has(const struct actsim_catalog *c,
			enum actsim_catalog_kind kind, const char *id)
{
	static const char *const lists[] = {
		[ACTSIM_CATALOG_SKU] = "skus",
		[ACTSIM_CATALOG_PLATFORM] = "platforms",
		[ACTSIM_CATALOG_CHANNEL] = "channels",
		[ACTSIM_CATALOG_LANGUAGE] = "languages",
		[ACTSIM_CATALOG_COUNTRY] = "countries",
	};

	if ((unsigned)kind > ACTSIM_CATALOG_COUNTRY || id == NULL)
		return false;
	return find_by_id(member(c, lists[kind]), id) != NULL;
}

bool actsim_catalog_product_exists(const struct actsim_catalog *c,
				   const char *sku, const char *platform,
				   bool r2)
{
	return find_product(member(c, "products"), sku, platform, r2) != NULL;
}

size_t actsim_catalog_keyconfig_count(const struct actsim_catalog *c)
{
	ensure_configs(c);
	return c->nconfigs;
}

const struct actsim_keyconfig *
actsim_catalog_keyconfig(const struct actsim_catalog *c, size_t i)
{
	ensure_configs(c);
	return i < c->nconfigs ? &c->configs[i] : NULL;
}

const struct actsim_keyconfig *
actsim_catalog_by_channel_id(const struct actsim_catalog *c,
			     uint16_t channel_id)
{
	ensure_configs(c);
	if (channel_id > ACTSIM_CHANNEL_ID_MAX ||
	    c->by_channel_id[channel_id] < 0)
		return NULL;
	return &c->configs[c->by_channel_id[channel_id]];
}

const struct actsim_keyconfig *
actsim_catalog_find(const struct actsim_catalog *c, const char *sku,
		    const char *platform, const char *channel, bool r2)
{
	ensure_configs(c);
	for (size_t i = 0; i < c->nconfigs; i++) {
		const struct actsim_keyconfig *k = &c->configs[i];

		if (strcmp(k->sku, sku) == 0 &&
		    strcmp(k->platform, platform) == 0 &&
		    strcmp(k->channel, channel) == 0 && k->r2 == r2)
			return k;
	}
	return NULL;
}

const struct actsim_channel_rules *
actsim_catalog_channel(const struct actsim_catalog *c, const char *id)
{
	for (size_t i = 0; id != NULL && i < c->nchannels; i++)
		if (strcmp(c->channels[i].id, id) == 0)
			return &c->channels[i];
	return NULL;
}

const struct actsim_activation_rules *
actsim_catalog_activation(const struct actsim_catalog *c)
{
	return &c->activation;
}

const char *actsim_catalog_phone(const struct actsim_catalog *c,
				 const char *country)
{
	json_t *el = find_by_id(member(c, "countries"), country);

	return el != NULL ? json_string_value(json_object_get(el, "phone")) :
			    NULL;
}
