/* The web dashboard's routes: its files, the machines with their
 * timelines, the demo clock and the lists the clearinghouse view needs.
 * Handlers for api_routes (api.h has the contract they follow). */
#ifndef ACTSIM_SERVER_DASHBOARD_H
#define ACTSIM_SERVER_DASHBOARD_H

#include "api.h"

#define DASHBOARD_HANDLER(name)                                              \
	int name(struct api_env *env, struct actsim_lab *lab,                \
		 const struct api_request *req, json_t *body,                \
		 struct api_response *resp, struct api_write *w)

DASHBOARD_HANDLER(dashboard_index);
DASHBOARD_HANDLER(dashboard_css);
DASHBOARD_HANDLER(dashboard_js);
DASHBOARD_HANDLER(dashboard_machines);
DASHBOARD_HANDLER(dashboard_machine);
DASHBOARD_HANDLER(dashboard_timeline_svg);
DASHBOARD_HANDLER(dashboard_clock_run_put);
DASHBOARD_HANDLER(dashboard_clock_run_delete);
DASHBOARD_HANDLER(dashboard_blocks);
DASHBOARD_HANDLER(dashboard_activation_counts);

/* The demo clock's state for GET /v1/admin/clock: null when stopped,
 * else {"step", "every_ms", "ticks"}. */
json_t *dashboard_clock_run_json(struct api_env *env);

#endif
