#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actsim/fleet.h"
#include "actsim/machine.h"
#include "actsim/time.h"
#include "dashboard.h"
#include "../web/svg.h"
#include "../common/banned.h"

/* web/assets.S */
extern const char web_index_html_start[], web_index_html_end[];
extern const char web_app_css_start[], web_app_css_end[];
extern const char web_app_js_start[], web_app_js_end[];

#define CLOCK_RUN_MIN_EVERY 1       /* seconds */
#define CLOCK_RUN_MAX_EVERY 3600

static void asset(struct api_response *resp, const char *start,
		  const char *end, const char *type)
{
	resp->status = 200;
	resp->static_body = start;
	resp->static_len = (size_t)(end - start);
	resp->content_type = type;
}

DASHBOARD_HANDLER(dashboard_index)
{
	(void)env, (void)lab, (void)req, (void)body, (void)w;
	asset(resp, web_index_html_start, web_index_html_end,
	      "text/html; charset=utf-8");
	return API_DONE;
}

DASHBOARD_HANDLER(dashboard_css)
{
	(void)env, (void)lab, (void)req, (void)body, (void)w;
	asset(resp, web_app_css_start, web_app_css_end,
	      "text/css; charset=utf-8");
	return API_DONE;
}

DASHBOARD_HANDLER(dashboard_js)
{
	(void)env, (void)lab, (void)req, (void)body, (void)w;
	asset(resp, web_app_js_start, web_app_js_end,
	      "text/javascript; charset=utf-8");
	return API_DONE;
}

static void reply(struct api_response *resp, int status, json_t *doc)
{
	if (doc == NULL) {
		api_error(resp, 500, "INTERNAL", "out of memory");
		return;
	}
	json_decref(resp->doc);
	resp->doc = doc;
	resp->status = status;
}

static json_t *time_json(int64_t t)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	actsim_time_format(buf, t);
	return json_string(buf);
}

json_t *dashboard_clock_run_json(struct api_env *env)
{
	struct api_clock_run *r = &env->clock_run;
	json_t *doc = json_null();

	pthread_mutex_lock(&r->lock);
	if (r->running)
		doc = json_pack("{s:I,s:I,s:I}", "step_seconds",
				(json_int_t)r->step_seconds, "every_ms",
				(json_int_t)r->every_ms, "ticks",
				(json_int_t)r->ticks);
	pthread_mutex_unlock(&r->lock);
	return doc;
}

/* GET /v1/admin/machines: the fleet view (the rows of `machine list`)
 * at the lab clock's time, with the clock, so that one request a second
 * keeps the page current. */
DASHBOARD_HANDLER(dashboard_machines)
{
	struct actsim_fleet_filter all;
	struct actsim_fleet_row *rows = NULL;
	size_t n = 0;
	json_t *list;
	int64_t now;

	(void)req, (void)body, (void)w;
	memset(&all, 0, sizeof all);
	if (actsim_lab_clock_get(lab, &now) != ACTSIM_OK ||
	    actsim_fleet_rows(lab, env->cat, now, &all, &rows, &n) !=
		    ACTSIM_OK) {
		api_error(resp, 500, "INTERNAL", "cannot read the machines");
		return API_DONE;
	}
	list = actsim_fleet_json(rows, n);
	free(rows);
	reply(resp, 200,
	      list == NULL ? NULL :
			     json_pack("{s:o,s:o,s:o}", "now", time_json(now),
				       "clock_run",
				       dashboard_clock_run_json(env),
				       "machines", list));
	return API_DONE;
}

/* The machine named by the last path segment; fills resp when there is
 * none. */
static bool load_named(struct actsim_lab *lab, const char *path,
		       struct actsim_machine *m, int64_t *now,
		       struct api_response *resp)
{
	const char *name = strrchr(path, '/') + 1;
	actsim_err e;

	/* Machine names need no decoding: anything else is no machine. */
	if (strlen(name) > ACTSIM_MACHINE_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.") != strlen(name)) {
		api_error(resp, 404, "NO_SUCH_MACHINE",
			  "no machine of that name");
		return false;
	}
	e = actsim_lab_clock_get(lab, now);
	if (e == ACTSIM_OK)
		e = actsim_machine_load(lab, name, m);
	if (e == ACTSIM_E_NOT_FOUND) {
		api_error(resp, 404, "NO_SUCH_MACHINE", "no machine '%s'", name);
		return false;
	}
	if (e != ACTSIM_OK) {
		api_error(resp, 500, "INTERNAL", "cannot read machine '%s'",
			  name);
		return false;
	}
	return true;
}

/* GET /v1/admin/machines/{name}: its row, its IDs, its timeline and the
 * clearinghouse's activations of its product ID. */
DASHBOARD_HANDLER(dashboard_machine)
{
	struct actsim_machine m;
	struct actsim_fleet_row fr;
	struct actsim_iid iid;
	char iid_text[ACTSIM_IID_TEXT_BYTES], hw[ACTSIM_HW_HASH_HEX];
	json_t *row, *acts = NULL;
	int64_t now;

	(void)body, (void)w;
	if (!load_named(lab, req->path, &m, &now, resp))
		return API_DONE;
	if (actsim_machine_iid(lab, &m, &iid) != ACTSIM_OK ||
	    actsim_lab_activation_list(lab, m.key, m.product_id,
				       API_LIST_LIMIT, &acts) != ACTSIM_OK) {
		json_decref(acts);
		api_error(resp, 500, "INTERNAL", "cannot read machine '%s'",
			  m.name);
		return API_DONE;
	}
	actsim_iid_format(iid_text, &iid);
	actsim_hw_hash_format(hw, m.hardware_hash);
	actsim_fleet_row_of(env->cat, &m, now, &fr);
	row = actsim_fleet_row_json(&fr);
	if (row != NULL) {
		json_object_set_new(row, "product_id",
				    json_string(m.product_id));
		json_object_set_new(row, "installation_id",
				    json_string(iid_text));
		json_object_set_new(row, "confirmation_id",
				    m.activated && m.confirmation_id[0] ?
					    json_string(m.confirmation_id) :
					    json_null());
		json_object_set_new(row, "activation_kind",
				    m.activated ?
					    json_string(m.activation_kind) :
					    json_null());
		json_object_set_new(row, "hardware_hash", json_string(hw));
		json_object_set_new(row, "installed_at",
				    time_json(m.installed_at));
	}
	reply(resp, 200,
	      json_pack("{s:o*,s:o*,s:o}", "machine", row, "timeline",
			actsim_machine_timeline(env->cat, &m, now),
			"activations", acts));
	return API_DONE;
}

/* GET /v1/admin/timelines/{name}: the timeline drawn, image/svg+xml. */
DASHBOARD_HANDLER(dashboard_timeline_svg)
{
	struct actsim_machine m;
	json_t *tl;
	int64_t now;
	size_t len;

	(void)body, (void)w;
	if (!load_named(lab, req->path, &m, &now, resp))
		return API_DONE;
	tl = actsim_machine_timeline(env->cat, &m, now);
	resp->text = tl != NULL ? web_timeline_svg(tl, 1, &len) : NULL;
	json_decref(tl);
	if (resp->text == NULL) {
		api_error(resp, 500, "INTERNAL", "cannot draw the timeline");
		return API_DONE;
	}
	resp->status = 200;
	resp->content_type = "image/svg+xml";
	return API_DONE;
}

/* PUT /v1/admin/clock/run {"step": "1d", "every": "1s"}: the demo clock
 * starts (or changes pace); the server's cron does the advancing. */
DASHBOARD_HANDLER(dashboard_clock_run_put)
{
	json_t *step = json_object_get(body, "step");
	json_t *every = json_object_get(body, "every");
	int64_t step_s = 0, every_s = 1;
	struct api_clock_run *r = &env->clock_run;

	(void)lab, (void)req, (void)w;
	if (!json_is_string(step) ||
	    actsim_duration_parse(json_string_value(step), &step_s) !=
		    ACTSIM_OK) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'step' must be a duration such as 1d or 6h");
		return API_DONE;
	}
	if (every != NULL &&
	    (!json_is_string(every) ||
	     actsim_duration_parse(json_string_value(every), &every_s) !=
		     ACTSIM_OK ||
	     every_s < CLOCK_RUN_MIN_EVERY || every_s > CLOCK_RUN_MAX_EVERY)) {
		api_error(resp, 400, "MALFORMED_REQUEST",
			  "'every' must be a duration from 1s to 1h");
		return API_DONE;
	}
	pthread_mutex_lock(&r->lock);
	r->running = true;
	r->step_seconds = step_s;
	r->every_ms = every_s * 1000;
	r->ticks = 0;
	r->generation++;
	pthread_mutex_unlock(&r->lock);
	reply(resp, 200, json_pack("{s:o}", "clock_run",
				   dashboard_clock_run_json(env)));
	return API_DONE;
}

/* DELETE /v1/admin/clock/run: the demo clock stops where it is. */
DASHBOARD_HANDLER(dashboard_clock_run_delete)
{
	struct api_clock_run *r = &env->clock_run;

	(void)lab, (void)req, (void)body, (void)w;
	pthread_mutex_lock(&r->lock);
	r->running = false;
	r->generation++;
	pthread_mutex_unlock(&r->lock);
	reply(resp, 200, json_pack("{s:n}", "clock_run"));
	return API_DONE;
}

struct tick_job {
	int64_t step;
};

/* Reads the clock itself rather than trusting the batch's `now`: a
 * clock change earlier in the same batch must not be undone. */
static int run_tick(struct api_env *env, struct actsim_lab *lab, int64_t now,
		    void *arg, struct api_response *out)
{
	struct tick_job *job = arg;
	struct api_clock_run *r = &env->clock_run;

	(void)out;
	if (actsim_lab_clock_get(lab, &now) != ACTSIM_OK)
		return -1;
	if (job->step > ACTSIM_CLOCK_MAX - now) {
		/* the end of lab time: the demo is over */
		pthread_mutex_lock(&r->lock);
		r->running = false;
		r->generation++;
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	if (actsim_lab_clock_set(lab, now + job->step) != ACTSIM_OK)
		return -1;
	pthread_mutex_lock(&r->lock);
	r->ticks++;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void api_clock_tick(struct api_env *env, int64_t step_seconds,
		    struct api_write *out)
{
	struct tick_job *job = malloc(sizeof *job);

	memset(out, 0, sizeof *out);
	if (job == NULL)
		return;
	(void)env;
	job->step = step_seconds;
	out->run = run_tick;
	out->arg = job;
	out->free = free;
}

/* GET /v1/admin/blocks: the blocked keys with their reasons. */
DASHBOARD_HANDLER(dashboard_blocks)
{
	json_t *list = NULL;

	(void)env, (void)req, (void)body, (void)w;
	if (actsim_lab_block_list(lab, API_LIST_LIMIT, &list) != ACTSIM_OK) {
		json_decref(list);
		api_error(resp, 500, "INTERNAL", "cannot read the blocks");
		return API_DONE;
	}
	reply(resp, 200, json_pack("{s:o}", "blocks", list));
	return API_DONE;
}

/* GET /v1/admin/activations/counts: decisions by channel and result. */
DASHBOARD_HANDLER(dashboard_activation_counts)
{
	json_t *list = NULL;

	(void)env, (void)req, (void)body, (void)w;
	if (actsim_lab_activation_counts(lab, &list) != ACTSIM_OK) {
		json_decref(list);
		api_error(resp, 500, "INTERNAL", "cannot count activations");
		return API_DONE;
	}
	reply(resp, 200, json_pack("{s:o}", "counts", list));
	return API_DONE;
}
