#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "actsim/pkey.h"
#include "realm_internal.h"
#include "schnorr.h"
#include "../common/internal.h"

__extension__ typedef unsigned __int128 u128;

#define HASH_BITS 31
#define SIG_BITS 62
#define FIELD_BITS_TOTAL 114
#define CHUNK 512

static const char alphabet[] = ACTSIM_PKEY_ALPHABET;

static int alphabet_index(int c)
{
	const char *p;

	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == '\0')
		return -1;
	p = strchr(alphabet, c);
	return p == NULL ? -1 : (int)(p - alphabet);
}

static u128 pack(const struct actsim_pkey *k)
{
	u128 v = 0;

	v |= (u128)(k->auth_info & 0x3ff) << 104;
	v |= (u128)(k->signature & ((UINT64_C(1) << SIG_BITS) - 1)) << 42;
	v |= (u128)(k->hash & 0x7fffffff) << 11;
	v |= (u128)(k->channel_id & 0x3ff) << 1;
	v |= (u128)(k->upgrade ? 1 : 0);
	return v;
}

static void unpack(struct actsim_pkey *k, u128 v)
{
	k->upgrade = (v & 1) != 0;
	k->channel_id = (uint16_t)((v >> 1) & 0x3ff);
	k->hash = (uint32_t)((v >> 11) & 0x7fffffff);
	k->signature = (uint64_t)((v >> 42) & ((UINT64_C(1) << SIG_BITS) - 1));
	k->auth_info = (uint16_t)((v >> 104) & 0x3ff);
}

actsim_err actsim_pkey_parse(struct actsim_pkey *out, const char *text,
			     struct actsim_pkey_diag *diag)
{
	struct actsim_pkey_diag d = { 0, 0, 0 };
	u128 v = 0;
	size_t i;

	for (i = 0; text[i] != '\0'; i++) {
		int c = (unsigned char)text[i], idx;

		if (i >= ACTSIM_PKEY_MAX_INPUT)
			break;
		if (c == '-' || c == ' ' || c == '\t')
			continue;
		idx = alphabet_index(c);
		if (idx < 0) {
			d.position = i + 1;
			d.character = (char)c;
			d.length = d.length + 1;
			goto malformed;
		}
		if (d.length < ACTSIM_PKEY_CHARS)
			v = v * 24 + (unsigned)idx;
		d.length++;
	}
	if (d.length != ACTSIM_PKEY_CHARS || text[i] != '\0')
		goto malformed;
	if ((v >> FIELD_BITS_TOTAL) != 0) {
		if (diag != NULL)
			*diag = d;
		return ACTSIM_E_KEY_RANGE;
	}
	unpack(out, v);
	if (diag != NULL)
		*diag = d;
	return ACTSIM_OK;
malformed:
	if (diag != NULL)
		*diag = d;
	return ACTSIM_E_MALFORMED_KEY;
}

void actsim_pkey_format(char out[ACTSIM_PKEY_TEXT_BYTES],
			const struct actsim_pkey *k)
{
	u128 v = pack(k);
	char digits[ACTSIM_PKEY_CHARS];
	size_t o = 0;

	for (int i = ACTSIM_PKEY_CHARS - 1; i >= 0; i--) {
		digits[i] = alphabet[(unsigned)(v % 24)];
		v /= 24;
	}
	for (int i = 0; i < ACTSIM_PKEY_CHARS; i++) {
		if (i > 0 && i % 5 == 0)
			out[o++] = '-';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* The signed message: upgrade flag, channel ID and auth info. */
static void message(uint8_t msg[5], const struct actsim_pkey *k)
{
	msg[0] = k->upgrade ? 1 : 0;
	actsim_put_be16(msg + 1, k->channel_id);
	actsim_put_be16(msg + 3, k->auth_info);
}

static const struct schnorr_scheme pkey_scheme = {
	REALM_KEY_PRODUCT, "actsim/pkey/v1", "actsim/pkey-nonce/v1", HASH_BITS
};

actsim_err actsim_pkey_verify(const struct actsim_realm *r,
			      const struct actsim_pkey *k)
{
	uint8_t msg[5];

	if (k->channel_id > ACTSIM_CHANNEL_ID_MAX || k->auth_info > 0x3ff ||
	    k->hash > 0x7fffffff)
		return ACTSIM_E_BAD_SIGNATURE;
	message(msg, k);
	return schnorr_verify(r, &pkey_scheme, msg, sizeof msg, k->hash,
			      k->signature);
}

actsim_err actsim_keygen_seed_from_number(uint8_t key[32], uint64_t n)
{
	uint8_t be[8];

	actsim_put_be64(be, n);
	return actsim_hash_tagged(key, "actsim/keygen-seed/v1", be, sizeof be);
}

actsim_err actsim_pkey_generate(const struct actsim_keygen *g, uint64_t index,
				struct actsim_pkey *out)
{
	const struct actsim_realm *r = g->realm;
	uint8_t in[32 + 2 + 2 + 1 + 8], material[ACTSIM_HASH_BYTES], msg[5];
	struct actsim_pkey k;
	uint64_t span, h, sig;
	actsim_err e;

	if (!r->has_private || g->channel_id_min > g->channel_id_max ||
	    g->channel_id_max > ACTSIM_CHANNEL_ID_MAX)
		return ACTSIM_E_INVALID_ARG;
	memcpy(in, g->stream_key, 32);
	actsim_put_be16(in + 32, g->channel_id_min);
	actsim_put_be16(in + 34, g->channel_id_max);
	in[36] = g->upgrade ? 1 : 0;
	actsim_put_be64(in + 37, index);
	e = actsim_hash_tagged(material, "actsim/keygen/v1", in, sizeof in);
	if (e != ACTSIM_OK)
		return e;
	span = (uint64_t)(g->channel_id_max - g->channel_id_min) + 1;
	memset(&k, 0, sizeof k);
	k.upgrade = g->upgrade;
	k.channel_id = (uint16_t)(g->channel_id_min +
				  (((unsigned)material[0] << 8 | material[1]) %
				   span));
	k.auth_info = (uint16_t)(((unsigned)material[2] << 8 | material[3]) &
				 0x3ff);

	/* The nonce depends on the private key, so it is secret, and on the
	 * material, so no two keys share one. */
	message(msg, &k);
	e = schnorr_sign(r, &pkey_scheme, msg, sizeof msg, material, &h, &sig);
	if (e != ACTSIM_OK)
		return e;
	k.hash = (uint32_t)h;
	k.signature = sig;
	*out = k;
	return ACTSIM_OK;
}

struct batch {
	const struct actsim_keygen *g;
	struct actsim_pkey *out;
	uint64_t count;
	atomic_uint_fast64_t next, done;
	atomic_int failed;
};

/* Claims chunks of CHUNK keys until none are left or one failed. */
static actsim_err batch_work(struct batch *b, actsim_progress_fn progress,
			     void *arg)
{
	for (;;) {
		uint64_t start = atomic_fetch_add(&b->next, CHUNK), end;

		if (start >= b->count || atomic_load(&b->failed) != 0)
			return ACTSIM_OK;
		end = start + CHUNK < b->count ? start + CHUNK : b->count;
		for (uint64_t i = start; i < end; i++) {
			actsim_err e = actsim_pkey_generate(b->g, i,
							    &b->out[i]);

			if (e != ACTSIM_OK) {
				atomic_store(&b->failed, (int)e);
				return e;
			}
		}
		atomic_fetch_add(&b->done, end - start);
		if (progress != NULL)
			progress(arg, atomic_load(&b->done), b->count);
	}
}

static void *batch_thread(void *arg)
{
	batch_work(arg, NULL, NULL);
	return NULL;
}

actsim_err actsim_pkey_generate_batch(const struct actsim_keygen *g,
				      uint64_t count, unsigned threads,
				      struct actsim_pkey *out,
				      actsim_progress_fn progress, void *arg)
{
	struct batch b;
	pthread_t *tids;
	unsigned started = 0;

	if (threads == 0)
		threads = 1;
	if (threads > 64)
		threads = 64;
	b.g = g;
	b.out = out;
	b.count = count;
	atomic_init(&b.next, 0);
	atomic_init(&b.done, 0);
	atomic_init(&b.failed, 0);
	tids = calloc(threads, sizeof *tids);
	if (tids == NULL)
		return ACTSIM_E_NOMEM;
	for (unsigned i = 1; i < threads && (uint64_t)i * CHUNK < count; i++) {
		if (pthread_create(&tids[started], NULL, batch_thread, &b) != 0)
			break;
		started++;
	}
	batch_work(&b, progress, arg);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	if (progress != NULL)
		progress(arg, atomic_load(&b.done), count);
	return (actsim_err)atomic_load(&b.failed);
}
