/* The clearinghouse server: HTTPS (libevent evhttp with OpenSSL), N worker
 * threads that parse and answer requests, and one writer thread that
 * commits database writes in batches (group commit: one fsync for many
 * activations) before any of them is answered. */
#ifndef ACTSIM_SERVER_H
#define ACTSIM_SERVER_H

#include <stddef.h>

struct server_opts {
	const char *lab_dir;
	const char *catalog_path; /* NULL: the lab's */
	const char *listen;       /* "127.0.0.1:8443", "[::1]:0" */
	unsigned threads;         /* workers; 0: one per core */
	const char *cert_file;    /* NULL: the lab's own (DIR/tls) */
	const char *key_file;
	unsigned max_connections; /* open at once, all workers; 0: 1024 */
	unsigned timeout;         /* idle or slow client, seconds; 0: 30 */
	unsigned long long request_log_max; /* rows kept; 0: 100,000 */
	unsigned write_queue_max; /* writes waiting; 0: 4096 */
};

struct server;

/* Starts the server in background threads. Returns NULL with a message
 * in err, and *status the exit status to use (2 usage, 3 environment). */
struct server *server_start(const struct server_opts *o, char *err,
			    size_t cap, int *status);

/* "https://127.0.0.1:8443" (the real port when 0 was asked for). */
const char *server_url(const struct server *s);

/* Stops accepting, lets requests in flight finish (5 s at most), commits
 * what was queued and frees everything. NULL is a no-op. */
void server_stop(struct server *s);

/* Runs in the foreground until SIGINT or SIGTERM, printing
 * "listening on URL" to stdout when ready. Returns the exit status. */
int server_run(const struct server_opts *o, char *err, size_t cap);

#endif
