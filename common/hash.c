#include <string.h>

/* SHA-256 through OpenSSL's direct functions rather than EVP: the first
 * EVP fetch sets up OpenSSL's library context (configuration file,
 * providers, algorithm tables), which costs a short command more than
 * all its own work (about 1.5 ms of a 3 ms `clock show`). The direct
 * functions are deprecated in OpenSSL 3 but kept, and compute the same
 * digest with no set-up and no allocation. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "internal.h"

actsim_err actsim_hash_tagged(uint8_t out[ACTSIM_HASH_BYTES], const char *tag,
			      const void *data, size_t len)
{
	SHA256_CTX ctx;
	int ok;

	ok = SHA256_Init(&ctx) &&
	     SHA256_Update(&ctx, tag, strlen(tag) + 1) &&
	     (len == 0 || SHA256_Update(&ctx, data, len)) &&
	     SHA256_Final(out, &ctx);
	OPENSSL_cleanse(&ctx, sizeof ctx);
	return ok ? ACTSIM_OK : ACTSIM_E_CRYPTO;
}

void actsim_stream_init(struct actsim_stream *s, const char *tag,
			const uint8_t key[ACTSIM_HASH_BYTES])
{
	s->tag = tag;
	memcpy(s->key, key, ACTSIM_HASH_BYTES);
	s->counter = 0;
	s->used = ACTSIM_HASH_BYTES;
}

actsim_err actsim_stream_read(struct actsim_stream *s, void *out, size_t len)
{
	uint8_t *o = out;
	uint8_t in[ACTSIM_HASH_BYTES + 8];
	actsim_err e;

	while (len > 0) {
		size_t take;

		if (s->used == ACTSIM_HASH_BYTES) {
			memcpy(in, s->key, ACTSIM_HASH_BYTES);
			actsim_put_be64(in + ACTSIM_HASH_BYTES, s->counter++);
			e = actsim_hash_tagged(s->block, s->tag, in, sizeof in);
			OPENSSL_cleanse(in, sizeof in);
			if (e != ACTSIM_OK)
				return e;
			s->used = 0;
		}
		take = ACTSIM_HASH_BYTES - s->used;
		if (take > len)
			take = len;
		memcpy(o, s->block + s->used, take);
		s->used += take;
		o += take;
		len -= take;
	}
	return ACTSIM_OK;
}

void actsim_stream_release(struct actsim_stream *s)
{
	OPENSSL_cleanse(s, sizeof *s);
}

void actsim_put_be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

uint64_t actsim_get_be64(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | in[i];
	return v;
}

void actsim_put_be16(uint8_t out[2], uint16_t v)
{
	out[0] = (uint8_t)(v >> 8);
	out[1] = (uint8_t)(v & 0xff);
}

void actsim_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}
