#include <stdio.h>
#include <string.h>

#include <gmp.h>
#include <openssl/crypto.h>

#include "actsim/ids.h"
#include "../keys/realm_internal.h"
#include "../keys/schnorr.h"
#include "../common/internal.h"

__extension__ typedef unsigned __int128 u128;

#define IID_BITS 149
#define IID_A_BITS 75 /* Feistel halves: A = bits 74..148, B = 0..73 */
#define IID_B_BITS 74
#define CID_BITS 116
#define CID_HASH_BITS 50
#define CID_SIG_BITS 62
#define KEY_ID_BITS 42

/* ---- bit fields in big-endian byte strings (bit 0 = least significant
 * bit of the last byte) ---- */

static void bits_put(uint8_t *buf, size_t n, unsigned lsb, unsigned width,
		     u128 v)
{
	for (unsigned i = 0; i < width; i++) {
		unsigned bit = lsb + i;
		uint8_t *byte = &buf[n - 1 - bit / 8];
		uint8_t mask = (uint8_t)(1u << (bit % 8));

		if ((v >> i) & 1)
			*byte |= mask;
		else
			*byte &= (uint8_t)~mask;
	}
}

static u128 bits_get(const uint8_t *buf, size_t n, unsigned lsb,
		     unsigned width)
{
	u128 v = 0;

	for (unsigned i = width; i-- > 0;) {
		unsigned bit = lsb + i;

		v = v << 1 | ((buf[n - 1 - bit / 8] >> (bit % 8)) & 1);
	}
	return v;
}

/* ---- key identity and product IDs ---- */

actsim_err actsim_key_identity(const struct actsim_pkey *k, uint64_t *key_id,
			       uint32_t *sequence)
{
	char text[ACTSIM_PKEY_TEXT_BYTES];
	uint8_t d[ACTSIM_HASH_BYTES];
	actsim_err e;

	actsim_pkey_format(text, k);
	e = actsim_hash_tagged(d, "actsim/keyid/v1", text, strlen(text));
	if (e != ACTSIM_OK)
		return e;
	*key_id = actsim_get_be64(d) >> (64 - KEY_ID_BITS);
	*sequence = (uint32_t)(((uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 |
				(uint32_t)d[10] << 8 | d[11]) %
			       1000000u);
	return ACTSIM_OK;
}

unsigned actsim_pid_check_digit(uint32_t sequence)
{
	unsigned sum = 0;

	for (uint32_t s = sequence % 1000000u; s > 0; s /= 10)
		sum += s % 10;
	return (7 - sum % 7) % 7;
}

void actsim_pid_make(struct actsim_pid *out, const struct actsim_keyconfig *cfg,
		     uint16_t channel_id, uint32_t sequence, unsigned install)
{
	memset(out, 0, sizeof *out);
	snprintf(out->product_code, sizeof out->product_code, "%s",
		 cfg->product_code);
	out->channel_id = channel_id;
	out->oem = strcmp(cfg->channel, "oem") == 0;
	out->sequence = sequence % 1000000u;
	out->config_index = cfg->index % 100;
	out->install = install % 1000;
}

void actsim_pid_format(char out[ACTSIM_PID_TEXT_BYTES],
		       const struct actsim_pid *p)
{
	char bbb[8];

	if (p->oem)
		snprintf(bbb, sizeof bbb, "OEM");
	else
		snprintf(bbb, sizeof bbb, "%03u", p->channel_id % 1000u);
	snprintf(out, ACTSIM_PID_TEXT_BYTES, "%.5s-%.3s-%06u%u-%02u%03u",
		 p->product_code, bbb, (unsigned)(p->sequence % 1000000u),
		 actsim_pid_check_digit(p->sequence), p->config_index % 100,
		 p->install % 1000);
}

/* ---- digit groups ---- */

static unsigned group_check(const char d[5])
{
	return ((unsigned)(d[0] - '0') + 2 * (unsigned)(d[1] - '0') +
		(unsigned)(d[2] - '0') + 2 * (unsigned)(d[3] - '0') +
		(unsigned)(d[4] - '0')) %
	       7;
}

/* value (vbytes big-endian) as groups of 5 digits + check digit. */
static void digits_format(char *out, const uint8_t *value, size_t vbytes,
			  unsigned groups)
{
	char data[ACTSIM_IID_GROUPS * 5 + 2];
	char *s;
	size_t n, want = groups * 5u, o = 0;
	mpz_t v;

	mpz_init(v);
	mpz_import(v, vbytes, 1, 1, 0, 0, value);
	s = mpz_get_str(NULL, 10, v);
	n = strlen(s);
	memset(data, '0', want);
	memcpy(data + want - (n <= want ? n : want), s + (n > want ? n - want : 0),
	       n <= want ? n : want);
	for (unsigned g = 0; g < groups; g++) {
		if (g > 0)
			out[o++] = '-';
		memcpy(out + o, data + 5 * g, 5);
		o += 5;
		out[o++] = (char)('0' + group_check(data + 5 * g));
	}
	out[o] = '\0';
	{
		void (*freefn)(void *, size_t);

		mp_get_memory_functions(NULL, NULL, &freefn);
		freefn(s, n + 1);
	}
	mpz_clear(v);
}

/* Parses groups of 6 digits into a value of at most `bits` bits.
 * ACTSIM_E_MALFORMED_ID for bad text; ACTSIM_E_KEY_RANGE when the digits
 * are right but the value has more than `bits` bits. */
static actsim_err digits_parse(const char *text, unsigned groups,
			       unsigned bits, uint8_t *value, size_t vbytes,
			       struct actsim_id_diag *diag)
{
	struct actsim_id_diag d;
	char digits[ACTSIM_IID_GROUPS * 6 + 1], data[ACTSIM_IID_GROUPS * 5 + 1];
	size_t n = 0, i;
	unsigned bad = 0;
	mpz_t v;
	actsim_err e = ACTSIM_OK;

	memset(&d, 0, sizeof d);
	for (i = 0; text[i] != '\0' && i < ACTSIM_ID_MAX_INPUT; i++) {
		char c = text[i];

		if (c == '-' || c == ' ' || c == '\t')
			continue;
		if (c < '0' || c > '9') {
			d.position = i + 1;
			d.character = c;
			d.length = n;
			goto malformed;
		}
		if (n < groups * 6u)
			digits[n] = c;
		n++;
	}
	d.length = n;
	if (text[i] != '\0' || n != groups * 6u)
		goto malformed;
	for (unsigned g = 0; g < groups; g++)
		if ((unsigned)(digits[6 * g + 5] - '0') !=
		    group_check(digits + 6 * g))
			bad |= 1u << g;
	if (bad != 0) {
		d.bad_groups = bad;
		if ((bad & (bad - 1)) == 0)
			d.group = (unsigned)__builtin_ctz(bad) + 1;
		goto malformed;
	}
	for (unsigned g = 0; g < groups; g++)
		memcpy(data + 5 * g, digits + 6 * g, 5);
	data[5 * groups] = '\0';
	mpz_init_set_str(v, data, 10);
	if (mpz_sizeinbase(v, 2) > bits) {
		e = ACTSIM_E_KEY_RANGE;
	} else {
		memset(value, 0, vbytes);
		mpz_export(value + vbytes - (mpz_sizeinbase(v, 2) + 7) / 8,
			   NULL, 1, 1, 0, 0, v);
	}
	mpz_clear(v);
	if (diag != NULL)
		*diag = d;
	return e;
malformed:
	if (diag != NULL)
		*diag = d;
	return ACTSIM_E_MALFORMED_ID;
}

/* ---- installation IDs ---- */

/* Round i of the Feistel network: the top `width` bits of
 * H("actsim/iid/v1", key || i || be128(x)). */
static actsim_err feistel_round(const struct actsim_realm *r, unsigned i,
				u128 x, unsigned width, u128 *out)
{
	uint8_t in[REALM_IID_KEY_BYTES + 1 + 16], d[ACTSIM_HASH_BYTES];
	u128 v;
	actsim_err e;

	memcpy(in, r->iid_key, REALM_IID_KEY_BYTES);
	in[REALM_IID_KEY_BYTES] = (uint8_t)i;
	actsim_put_be64(in + REALM_IID_KEY_BYTES + 1, (uint64_t)(x >> 64));
	actsim_put_be64(in + REALM_IID_KEY_BYTES + 9, (uint64_t)x);
	e = actsim_hash_tagged(d, "actsim/iid/v1", in, sizeof in);
	OPENSSL_cleanse(in, sizeof in);
	if (e != ACTSIM_OK)
		return e;
	v = (u128)actsim_get_be64(d) << 64 | actsim_get_be64(d + 8);
	*out = v >> (128 - width);
	return ACTSIM_OK;
}

static actsim_err feistel(const struct actsim_realm *r, uint8_t v[ACTSIM_IID_BYTES],
			  bool decrypt)
{
	u128 a = bits_get(v, ACTSIM_IID_BYTES, IID_B_BITS, IID_A_BITS);
	u128 b = bits_get(v, ACTSIM_IID_BYTES, 0, IID_B_BITS);

	if (!r->has_private)
		return ACTSIM_E_INVALID_ARG;
	for (unsigned step = 0; step < 4; step++) {
		unsigned i = decrypt ? 4 - step : step + 1;
		u128 f;
		actsim_err e;

		/* Odd rounds change A from B, even rounds B from A. */
		if (i % 2 == 1) {
			e = feistel_round(r, i, b, IID_A_BITS, &f);
			a ^= f;
		} else {
			e = feistel_round(r, i, a, IID_B_BITS, &f);
			b ^= f;
		}
		if (e != ACTSIM_OK)
			return e;
	}
	bits_put(v, ACTSIM_IID_BYTES, IID_B_BITS, IID_A_BITS, a);
	bits_put(v, ACTSIM_IID_BYTES, 0, IID_B_BITS, b);
	return ACTSIM_OK;
}

/* Plaintext layout, most significant first: version 3, hardware hash 64,
 * channel ID 10, sequence 20, install 10, key ID 42 = 149 bits. */
actsim_err actsim_iid_encrypt(const struct actsim_realm *r,
			      const struct actsim_iid_plain *p,
			      struct actsim_iid *out)
{
	uint8_t v[ACTSIM_IID_BYTES];
	actsim_err e;

	if (p->version > 7 || p->channel_id > ACTSIM_CHANNEL_ID_MAX ||
	    p->sequence > 999999 || p->install > 999 ||
	    (p->key_id >> KEY_ID_BITS) != 0)
		return ACTSIM_E_INVALID_ARG;
	memset(v, 0, sizeof v);
	bits_put(v, sizeof v, 146, 3, p->version);
	bits_put(v, sizeof v, 82, 64, p->hardware_hash);
	bits_put(v, sizeof v, 72, 10, p->channel_id);
	bits_put(v, sizeof v, 52, 20, p->sequence);
	bits_put(v, sizeof v, 42, 10, p->install);
	bits_put(v, sizeof v, 0, 42, p->key_id);
	e = feistel(r, v, false);
	if (e == ACTSIM_OK)
		memcpy(out->value, v, sizeof v);
	return e;
}

actsim_err actsim_iid_decrypt(const struct actsim_realm *r,
			      const struct actsim_iid *iid,
			      struct actsim_iid_plain *out)
{
	uint8_t v[ACTSIM_IID_BYTES];
	struct actsim_iid_plain p;
	actsim_err e;

	memcpy(v, iid->value, sizeof v);
	if ((v[0] >> 5) != 0)
		return ACTSIM_E_INVALID_IID;
	e = feistel(r, v, true);
	if (e != ACTSIM_OK)
		return e;
	p.version = (unsigned)bits_get(v, sizeof v, 146, 3);
	p.hardware_hash = (uint64_t)bits_get(v, sizeof v, 82, 64);
	p.channel_id = (uint16_t)bits_get(v, sizeof v, 72, 10);
	p.sequence = (uint32_t)bits_get(v, sizeof v, 52, 20);
	p.install = (unsigned)bits_get(v, sizeof v, 42, 10);
	p.key_id = (uint64_t)bits_get(v, sizeof v, 0, 42);
	/* Under another realm's key the plaintext is noise: these checks
	 * catch all but about 1 in 2^13 of such IDs; the clearinghouse's key
	 * lookup catches the rest. */
	if (p.version != ACTSIM_IID_VERSION || p.sequence > 999999 ||
	    p.install > 999 ||
	    ((p.hardware_hash >> 32) & 7) != 1 /* hardware hash version */)
		return ACTSIM_E_INVALID_IID;
	*out = p;
	return ACTSIM_OK;
}

void actsim_iid_format(char out[ACTSIM_IID_TEXT_BYTES],
		       const struct actsim_iid *iid)
{
	digits_format(out, iid->value, ACTSIM_IID_BYTES, ACTSIM_IID_GROUPS);
}

actsim_err actsim_iid_parse(struct actsim_iid *out, const char *text,
			    struct actsim_id_diag *diag)
{
	actsim_err e = digits_parse(text, ACTSIM_IID_GROUPS, IID_BITS,
				    out->value, ACTSIM_IID_BYTES, diag);

	return e == ACTSIM_E_KEY_RANGE ? ACTSIM_E_INVALID_IID : e;
}

/* ---- confirmation IDs ---- */

static const struct schnorr_scheme cid_scheme = {
	REALM_KEY_ACTIVATION, "actsim/cid/v1", "actsim/cid-nonce/v1",
	CID_HASH_BITS
};

actsim_err actsim_cid_issue(const struct actsim_realm *r,
			    const struct actsim_iid *iid,
			    struct actsim_cid *out)
{
	uint8_t material[ACTSIM_HASH_BYTES];
	uint64_t h, s;
	actsim_err e;

	e = actsim_hash_tagged(material, "actsim/cid-material/v1", iid->value,
			       ACTSIM_IID_BYTES);
	if (e == ACTSIM_OK)
		e = schnorr_sign(r, &cid_scheme, iid->value, ACTSIM_IID_BYTES,
				 material, &h, &s);
	if (e != ACTSIM_OK)
		return e;
	memset(out->value, 0, ACTSIM_CID_BYTES);
	bits_put(out->value, ACTSIM_CID_BYTES, 112, 4, ACTSIM_CID_VERSION);
	bits_put(out->value, ACTSIM_CID_BYTES, 62, CID_HASH_BITS, h);
	bits_put(out->value, ACTSIM_CID_BYTES, 0, CID_SIG_BITS, s);
	return ACTSIM_OK;
}

actsim_err actsim_cid_verify(const struct actsim_realm *r,
			     const struct actsim_iid *iid,
			     const struct actsim_cid *cid)
{
	const uint8_t *v = cid->value;

	if (bits_get(v, ACTSIM_CID_BYTES, 112, 8) != ACTSIM_CID_VERSION)
		return ACTSIM_E_BAD_SIGNATURE;
	return schnorr_verify(
		r, &cid_scheme, iid->value, ACTSIM_IID_BYTES,
		(uint64_t)bits_get(v, ACTSIM_CID_BYTES, 62, CID_HASH_BITS),
		(uint64_t)bits_get(v, ACTSIM_CID_BYTES, 0, CID_SIG_BITS));
}

void actsim_cid_format(char out[ACTSIM_CID_TEXT_BYTES],
		       const struct actsim_cid *cid)
{
	digits_format(out, cid->value, ACTSIM_CID_BYTES, ACTSIM_CID_GROUPS);
}

actsim_err actsim_cid_parse(struct actsim_cid *out, const char *text,
			    struct actsim_id_diag *diag)
{
	actsim_err e = digits_parse(text, ACTSIM_CID_GROUPS, CID_BITS,
				    out->value, ACTSIM_CID_BYTES, diag);

	return e == ACTSIM_E_KEY_RANGE ? ACTSIM_E_BAD_SIGNATURE : e;
}

/* The error object for malformed ID text, as every front end reports it:
 * {"code","message", and "group" (one group to blame), "position" or
 * "length"}. */
static json_t *malformed_json(const char *what, const char *code,
			      unsigned groups, const struct actsim_id_diag *d)
{
	char msg[256];

	if (d->character != '\0') {
		snprintf(msg, sizeof msg,
			 "malformed %s ID: character '%c' at position %zu is "
			 "not a digit",
			 what,
			 d->character >= 0x20 && d->character < 0x7f ?
				 d->character :
				 '?',
			 d->position);
		return json_pack("{s:s,s:s,s:I}", "code", code, "message", msg,
				 "position", (json_int_t)d->position);
	}
	if (d->group != 0) {
		snprintf(msg, sizeof msg,
			 "malformed %s ID: the check digit of group %u is "
			 "wrong",
			 what, d->group);
		return json_pack("{s:s,s:s,s:i}", "code", code, "message", msg,
				 "group", d->group);
	}
	if (d->bad_groups != 0) {
		char list[64];
		size_t o = 0;

		list[0] = '\0';
		for (unsigned g = 0; g < groups; g++)
			if (d->bad_groups & (1u << g))
				o += (size_t)snprintf(list + o, sizeof list - o,
						      "%s%u", o ? ", " : "",
						      g + 1);
		snprintf(msg, sizeof msg,
			 "malformed %s ID: the check digits of groups %s are "
			 "wrong",
			 what, list);
		return json_pack("{s:s,s:s}", "code", code, "message", msg);
	}
	snprintf(msg, sizeof msg,
		 "malformed %s ID: %zu digits, expected %u (%u groups of 6)",
		 what, d->length, groups * 6, groups);
	return json_pack("{s:s,s:s,s:I}", "code", code, "message", msg,
			 "length", (json_int_t)d->length);
}

json_t *actsim_iid_malformed_json(const struct actsim_id_diag *d)
{
	return malformed_json("installation", "MALFORMED_INSTALLATION_ID",
			      ACTSIM_IID_GROUPS, d);
}

json_t *actsim_cid_malformed_json(const struct actsim_id_diag *d)
{
	return malformed_json("confirmation", "MALFORMED_CONFIRMATION_ID",
			      ACTSIM_CID_GROUPS, d);
}
