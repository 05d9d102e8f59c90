/* Product keys: 25 characters of ACTSIM_PKEY_ALPHABET encoding a 114-bit
 * number (DESIGN.md section 3, docs/formats.md):
 *   bit 0 upgrade flag, bits 1-10 channel ID, bits 11-41 hash,
 *   bits 42-103 signature, bits 104-113 auth info.
 * The hash and signature are a Schnorr-style signature with the realm's
 * product-key signing key; they never validate against real products. */
#ifndef ACTSIM_PKEY_H
#define ACTSIM_PKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actsim/err.h"
#include "actsim/realm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_PKEY_ALPHABET "BCDFGHJKMPQRTVWXY2346789"
#define ACTSIM_PKEY_CHARS 25
#define ACTSIM_PKEY_TEXT_BYTES 30 /* "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX" + NUL */
#define ACTSIM_PKEY_MAX_INPUT 256 /* longer input is malformed at once */
#define ACTSIM_CHANNEL_ID_MAX 1023

/* The decoded fields of a key. Plain value; no resources. */
struct actsim_pkey {
	bool upgrade;
	uint16_t channel_id; /* 10 bits */
	uint32_t hash;       /* 31 bits */
	uint64_t signature;  /* 62 bits */
	uint16_t auth_info;  /* 10 bits */
};

/* Where a malformed key went wrong: `position` is the 1-based offset in the
 * text as given and `character` the byte there (0 when the problem is the
 * length); `length` is the number of key characters found. */
struct actsim_pkey_diag {
	size_t position;
	char character;
	size_t length;
};

/* Parses key text. Case, spaces and dashes are free ("bcdfg hjkmp...").
 * Returns ACTSIM_OK; ACTSIM_E_MALFORMED_KEY (diag says where, if not NULL)
 * for a character outside the alphabet or a length other than 25;
 * ACTSIM_E_KEY_RANGE when the value does not fit in 114 bits. `out` is
 * written only on success. Checks nothing cryptographic. */
actsim_err actsim_pkey_parse(struct actsim_pkey *out, const char *text,
			     struct actsim_pkey_diag *diag)
	__attribute__((warn_unused_result));

/* Writes the canonical text form (five dashed groups) into out. Fields
 * wider than their bit widths are truncated. */
void actsim_pkey_format(char out[ACTSIM_PKEY_TEXT_BYTES],
			const struct actsim_pkey *k);

/* Checks the key's hash and signature against the realm's product-key
 * public key by recomputing them. ACTSIM_OK or ACTSIM_E_BAD_SIGNATURE.
 * Thread-safe; the realm is only read. */
actsim_err actsim_pkey_verify(const struct actsim_realm *r,
			      const struct actsim_pkey *k)
	__attribute__((warn_unused_result));

/* What to generate: channel IDs are drawn from [channel_id_min,
 * channel_id_max]; stream_key makes the output reproducible (the same key
 * and index give the same product key). */
struct actsim_keygen {
	const struct actsim_realm *realm; /* must have private parts */
	uint16_t channel_id_min, channel_id_max;
	bool upgrade;
	uint8_t stream_key[32];
};

/* Derives a keygen stream key from a number, as `key gen --seed N` does. */
actsim_err actsim_keygen_seed_from_number(uint8_t key[32], uint64_t n)
	__attribute__((warn_unused_result));

/* Generates and signs key number `index` of the stream. */
actsim_err actsim_pkey_generate(const struct actsim_keygen *g, uint64_t index,
				struct actsim_pkey *out)
	__attribute__((warn_unused_result));

/* Called from the calling thread as work completes. */
typedef void (*actsim_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Generates keys 0..count-1 of the stream into out[] (count elements) with
 * `threads` threads (1 or more; the calling thread is one of them).
 * progress may be NULL. Output is the same whatever the thread count. */
actsim_err actsim_pkey_generate_batch(const struct actsim_keygen *g,
				      uint64_t count, unsigned threads,
				      struct actsim_pkey *out,
				      actsim_progress_fn progress, void *arg)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
