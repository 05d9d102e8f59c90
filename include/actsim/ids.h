/* Product IDs, installation IDs and confirmation IDs (DESIGN.md section 3,
 * docs/formats.md).
 *
 * Product ID   AAAAA-BBB-CCCCCCC-DDEEE: product code, channel ID (or
 *              "OEM"), 6-digit sequence + check digit (7 digits summing to
 *              a multiple of 7), key-configuration index, install digits.
 * Installation 9 groups of 6 digits: 5 data digits + check digit
 *   ID         (d1 + 2*d2 + d3 + 2*d4 + d5) mod 7; the 45 data digits are
 *              a 149-bit value: the plaintext below under a 4-round Feistel
 *              cipher keyed with the realm's installation-ID key.
 * Confirmation 7 groups of 6 digits, same check digit; 35 data digits, a
 *   ID         116-bit value: version, 50-bit hash, 62-bit signature over
 *              the installation ID with the realm's activation key. */
#ifndef ACTSIM_IDS_H
#define ACTSIM_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/err.h"
#include "actsim/pkey.h"
#include "actsim/realm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_PID_TEXT_BYTES 24 /* 23 characters + NUL */
#define ACTSIM_IID_GROUPS 9
#define ACTSIM_CID_GROUPS 7
#define ACTSIM_IID_TEXT_BYTES (ACTSIM_IID_GROUPS * 7)
#define ACTSIM_CID_TEXT_BYTES (ACTSIM_CID_GROUPS * 7)
#define ACTSIM_IID_BYTES 19 /* 149-bit value, big-endian */
#define ACTSIM_CID_BYTES 15 /* 116-bit value, big-endian */
#define ACTSIM_IID_VERSION 1
#define ACTSIM_CID_VERSION 1
#define ACTSIM_ID_MAX_INPUT 256

struct actsim_pid {
	char product_code[6];
	uint16_t channel_id;
	bool oem;              /* BBB reads "OEM" */
	uint32_t sequence;     /* 0..999999 */
	unsigned config_index; /* DD: 0..99 */
	unsigned install;      /* EEE: 0..999 */
};

/* A key's identity as the clearinghouse knows it: key_id is the top 42
 * bits and the product ID sequence the next 4 bytes mod 10^6 of
 * H("actsim/keyid/v1", canonical key text). */
actsim_err actsim_key_identity(const struct actsim_pkey *k, uint64_t *key_id,
			       uint32_t *sequence)
	__attribute__((warn_unused_result));

/* Builds a product ID from its parts; cfg supplies the product code, the
 * index and whether the channel is OEM. */
void actsim_pid_make(struct actsim_pid *out, const struct actsim_keyconfig *cfg,
		     uint16_t channel_id, uint32_t sequence, unsigned install);
/* The 7th digit: makes the 7 digits sum to a multiple of 7. */
unsigned actsim_pid_check_digit(uint32_t sequence);
void actsim_pid_format(char out[ACTSIM_PID_TEXT_BYTES],
		       const struct actsim_pid *p);

/* What an installation ID carries; nothing personal. */
struct actsim_iid_plain {
	unsigned version;  /* 3 bits */
	uint64_t hardware_hash;
	uint16_t channel_id;
	uint32_t sequence; /* product ID sequence */
	unsigned install;  /* product ID install digits */
	uint64_t key_id;   /* 42 bits */
};

struct actsim_iid {
	uint8_t value[ACTSIM_IID_BYTES];
};

struct actsim_cid {
	uint8_t value[ACTSIM_CID_BYTES];
};

/* Where ID text went wrong: group 1..N when one group's check digit
 * failed (0 otherwise), the 1-based position and character of a bad
 * character, the number of digits found. */
struct actsim_id_diag {
	unsigned group;      /* the one group to blame, else 0 */
	unsigned bad_groups; /* bit g-1 set: group g's check digit fails */
	size_t position;
	char character;
	size_t length;
};

/* Encrypts a plaintext (needs the realm's private part). */
actsim_err actsim_iid_encrypt(const struct actsim_realm *r,
			      const struct actsim_iid_plain *p,
			      struct actsim_iid *out)
	__attribute__((warn_unused_result));
/* Decrypts; ACTSIM_E_INVALID_IID when the result is not a plaintext this
 * realm makes (wrong version, fields out of range): another realm's ID. */
actsim_err actsim_iid_decrypt(const struct actsim_realm *r,
			      const struct actsim_iid *iid,
			      struct actsim_iid_plain *out)
	__attribute__((warn_unused_result));

/* Text forms; parsers accept dashes, spaces or none and return
 * ACTSIM_E_MALFORMED_ID with diag filled (when not NULL). */
void actsim_iid_format(char out[ACTSIM_IID_TEXT_BYTES],
		       const struct actsim_iid *iid);
actsim_err actsim_iid_parse(struct actsim_iid *out, const char *text,
			    struct actsim_id_diag *diag)
	__attribute__((warn_unused_result));
void actsim_cid_format(char out[ACTSIM_CID_TEXT_BYTES],
		       const struct actsim_cid *cid);
actsim_err actsim_cid_parse(struct actsim_cid *out, const char *text,
			    struct actsim_id_diag *diag)
	__attribute__((warn_unused_result));

/* Issues the confirmation ID for an installation ID (the activation
 * private key is needed); the same IID always gives the same CID. */
actsim_err actsim_cid_issue(const struct actsim_realm *r,
			    const struct actsim_iid *iid,
			    struct actsim_cid *out)
	__attribute__((warn_unused_result));
/* ACTSIM_OK when cid unlocks this iid; ACTSIM_E_BAD_SIGNATURE otherwise.
 * Needs only the public realm. */
actsim_err actsim_cid_verify(const struct actsim_realm *r,
			     const struct actsim_iid *iid,
			     const struct actsim_cid *cid)
	__attribute__((warn_unused_result));

/* Error objects for malformed ID text, shared by every front end:
 * {"code":"MALFORMED_INSTALLATION_ID" (or _CONFIRMATION_ID), "message",
 * and "group" when one group's check digit fails, "position" for a bad
 * character, "length" for a wrong count} (new reference). */
json_t *actsim_iid_malformed_json(const struct actsim_id_diag *d);
json_t *actsim_cid_malformed_json(const struct actsim_id_diag *d);

#ifdef __cplusplus
}
#endif
#endif
