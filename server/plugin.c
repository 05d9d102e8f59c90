/* The entry table of the server part (see plugin.h). */
#include "plugin.h"

__attribute__((visibility("default")))
const struct server_plugin actsim_server_plugin = {
	.size = sizeof(struct server_plugin),
	.version = ACTSIM_VERSION,
	.run = server_run,
	.start = server_start,
	.url = server_url,
	.stop = server_stop,
	.routes = api_routes,
};
