/* The server part (server/plugin.h), loaded by `actsim server` and by
 * scenarios that start a clearinghouse. */
#ifndef ACTSIM_SERVER_LAZY_H
#define ACTSIM_SERVER_LAZY_H

#include <stddef.h>

#include "../server/plugin.h"

/* Loads the server part on first use: actsim-server.so beside the
 * executable (the build directory), else ../lib/actsim/actsim-server.so
 * from it (an installed actsim). Thread-safe. Returns NULL and writes why
 * into err (cap bytes) when it cannot be loaded or comes from another
 * build; the caller's exit status is then 3 (environment). */
const struct server_plugin *server_lazy_load(char *err, size_t cap);

#endif
