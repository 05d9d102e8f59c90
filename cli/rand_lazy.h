/* OpenSSL's RAND_bytes, from libcrypto loaded on first use. The
 * executable links only the parts of libcrypto the library needs (SHA-256,
 * OPENSSL_cleanse, CRYPTO_memcmp) from libcrypto.a: the random generator
 * pulls in the providers, the configuration and most of libcrypto, which
 * every process would otherwise load at start. The few commands that
 * draw random bytes (lab init, key gen, lab migrate, scenarios) load the
 * shared libcrypto then. Include this instead of <openssl/rand.h>. */
#ifndef ACTSIM_RAND_LAZY_H
#define ACTSIM_RAND_LAZY_H

/* RAND_bytes(buf, num): 1 on success; 0 (and nothing written) when
 * libcrypto.so.3 cannot be loaded or its generator fails. Thread-safe. */
int lazy_RAND_bytes(unsigned char *buf, int num);

#define RAND_bytes lazy_RAND_bytes

#endif
