/* The server as a separately loaded part: build/actsim-server.so, installed
 * as PREFIX/lib/actsim/actsim-server.so. It holds the HTTPS clearinghouse
 * and everything only it needs (libevent, libssl, libcrypto's TLS and
 * X.509), so that the other commands do not load those libraries at
 * start. The executable exports the library functions (actsim_*) the
 * server calls; the server part exports one symbol, this table. */
#ifndef ACTSIM_SERVER_PLUGIN_H
#define ACTSIM_SERVER_PLUGIN_H

#include <stddef.h>

#include "api.h"
#include "server.h"

#define SERVER_PLUGIN_SYMBOL "actsim_server_plugin"

struct server_plugin {
	size_t size;         /* sizeof (struct server_plugin) */
	const char *version; /* ACTSIM_VERSION of the build */
	int (*run)(const struct server_opts *o, char *err, size_t cap);
	struct server *(*start)(const struct server_opts *o, char *err,
				size_t cap, int *status);
	const char *(*url)(const struct server *s);
	void (*stop)(struct server *s);
	const struct api_route *routes;
};

#endif
