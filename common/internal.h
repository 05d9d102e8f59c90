/* Helpers shared by the library modules; not part of the public API. */
#ifndef ACTSIM_INTERNAL_H
#define ACTSIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "actsim/err.h"

#define ACTSIM_HASH_BYTES 32

#define ACTSIM_WUR __attribute__((warn_unused_result))

/* SHA-256 of tag || 0x00 || data: every hash in actsim is domain-separated
 * by a tag such as "actsim/pkey/v1". Returns ACTSIM_E_CRYPTO if OpenSSL
 * fails. Thread-safe. */
actsim_err actsim_hash_tagged(uint8_t out[ACTSIM_HASH_BYTES], const char *tag,
			      const void *data, size_t len) ACTSIM_WUR;

/* A deterministic byte stream: block i is
 * SHA-256(tag || 0x00 || key || be64(i)), blocks concatenated. Used where
 * a seed must give the same realm or keys every time. */
struct actsim_stream {
	const char *tag;
	uint8_t key[ACTSIM_HASH_BYTES];
	uint64_t counter;
	uint8_t block[ACTSIM_HASH_BYTES];
	size_t used;
};

void actsim_stream_init(struct actsim_stream *s, const char *tag,
			const uint8_t key[ACTSIM_HASH_BYTES]);
actsim_err actsim_stream_read(struct actsim_stream *s, void *out,
			      size_t len) ACTSIM_WUR;
/* Wipes the stream state. */
void actsim_stream_release(struct actsim_stream *s);

void actsim_put_be64(uint8_t out[8], uint64_t v);
uint64_t actsim_get_be64(const uint8_t in[8]);
void actsim_put_be16(uint8_t out[2], uint16_t v);

/* Lower-case hex of `len` bytes into out (2*len+1 bytes, NUL-terminated). */
void actsim_hex(char *out, const uint8_t *in, size_t len);

#include "banned.h"
#endif
