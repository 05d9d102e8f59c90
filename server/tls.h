/* TLS for the clearinghouse: the lab's own CA and server certificate, and
 * the server's SSL_CTX (TLS 1.2 and 1.3 only, forward-secret AEAD
 * ciphers). */
#ifndef ACTSIM_SERVER_TLS_H
#define ACTSIM_SERVER_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* Makes DIR/tls/ca.pem, ca-key.pem, server.pem and server-key.pem when
 * missing (keys 0600). Validity is fixed (2000 to 2099), so no real clock
 * is read. Returns 0, or -1 with a message in err. */
int tls_ensure_lab_certs(const char *lab_dir, char *err, size_t cap);

/* A server context for a certificate and key file; NULL with a message. */
SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file,
			char *err, size_t cap);

#endif
