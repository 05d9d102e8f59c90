/* The lab: a directory holding a realm and the lab's records
 * (DESIGN.md section 5). The records live behind one storage interface
 * (store/lab_internal.h); callers never know which backend holds them.
 *
 *   DIR/realm.json          public realm parameters (0644)
 *   DIR/realm-private.json  private keys (0600; refused if others can read)
 *   DIR/admin-token         bearer token for admin routes (0600)
 *   DIR/lab.db              SQLite, WAL: keys, machines, clock,
 *                           activations, blocks, registrations, requests
 *   DIR/database.json       instead of lab.db: the PostgreSQL URI and
 *                           schema holding the same tables (0600)
 *
 * A handle is used by one thread at a time. Functions that fail leave a
 * message on the handle (actsim_lab_errmsg) and change nothing stored. */
#ifndef ACTSIM_LAB_H
#define ACTSIM_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/err.h"
#include "actsim/pkey.h"
#include "actsim/policy.h"
#include "actsim/realm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_LAB_SCHEMA_VERSION 4
/* A new lab's clock: 2026-01-01T00:00:00Z. */
#define ACTSIM_LAB_EPOCH INT64_C(1767225600)
#define ACTSIM_LAB_EPOCH_TEXT "1767225600"

struct actsim_lab;

#define ACTSIM_ADMIN_TOKEN_BYTES 32
#define ACTSIM_ADMIN_TOKEN_HEX (2 * ACTSIM_ADMIN_TOKEN_BYTES + 1)

struct actsim_lab_init_opts {
	uint8_t seed[ACTSIM_SEED_BYTES]; /* realm seed */
	uint8_t admin_token[ACTSIM_ADMIN_TOKEN_BYTES]; /* random, by caller */
	bool force;                      /* replace an existing lab */
	const char *catalog_path;        /* NULL: the built-in catalog */
	/* NULL: records in DIR/lab.db (SQLite). Otherwise a PostgreSQL URI
	 * (postgresql://USER@HOST/DB, no password: libpq finds it in
	 * PGPASSWORD or ~/.pgpass); the lab gets its own schema there and
	 * DIR/database.json (0600) says where. */
	const char *database;
};

/* Creates a lab in dir (made if missing, with parents). Refuses with
 * ACTSIM_E_LAB_EXISTS when dir already holds a lab and force is false.
 * Creation holds a lock on dir and writes every file under a unique
 * temporary name first, so of several concurrent creations exactly one
 * succeeds (or, with force, each leaves a whole lab) and a failed one
 * changes nothing.
 * Like sqlite3_open, *out is set even on failure (except out of memory) so
 * that actsim_lab_errmsg() can say why; the caller always closes it. */
actsim_err actsim_lab_create(struct actsim_lab **out, const char *dir,
			     const struct actsim_lab_init_opts *opts)
	__attribute__((warn_unused_result));

/* Opens an existing lab. with_private loads the private realm too.
 * ACTSIM_E_NO_LAB when dir holds no lab; ACTSIM_E_LAB_VERSION when a newer
 * actsim made it; ACTSIM_E_PERMISSION when the private file is readable by
 * group or others; ACTSIM_E_LAB_DAMAGED when the realm files are not the
 * ones the database recorded. *out is set even on failure, as above. */
actsim_err actsim_lab_open(struct actsim_lab **out, const char *dir,
			   bool with_private)
	__attribute__((warn_unused_result));

struct actsim_lab_migrate_opts {
	const char *to;   /* a PostgreSQL URI; NULL: back to SQLite */
	uint8_t nonce[8]; /* random, by caller: names the new schema */
};

/* Copies every record of the lab to the other backend in one
 * transaction, checks that each table holds as many rows on both sides,
 * and only then switches the lab directory to the copy: to PostgreSQL
 * (o->to; DIR/lab.db stays, unused) or back to SQLite (o->to NULL; the
 * old lab.db, if any, is renamed lab.db.old and database.json removed;
 * the schema stays in the database). *counts (may be NULL) gets
 * {"TABLE": rows, ..., "backend", "schema"}. On failure the copy is
 * removed and the lab is as it was. The handle keeps reading the old
 * storage: close it. ACTSIM_E_INVALID_ARG when the lab already is on the
 * target backend or the URI is refused. */
actsim_err actsim_lab_migrate(struct actsim_lab *lab,
			      const struct actsim_lab_migrate_opts *o,
			      json_t **counts)
	__attribute__((warn_unused_result));

/* Removes the storage of the lab's records, best effort: its PostgreSQL
 * schema, or DIR/lab.db. For temporary labs; the handle can then only be
 * closed. */
void actsim_lab_drop(struct actsim_lab *lab);

/* Closes the lab; NULL is a no-op. */
void actsim_lab_close(struct actsim_lab *lab);

/* How long a write waits for another process (or handle) holding the
 * lab's write lock before failing with ACTSIM_E_LAB_BUSY, in milliseconds;
 * 0 fails at once. A new handle waits ACTSIM_LAB_BUSY_WAIT_MS. */
#define ACTSIM_LAB_BUSY_WAIT_MS 600000
void actsim_lab_set_busy_timeout(struct actsim_lab *lab, int ms);

/* Detail about the last failure on this handle; never NULL. */
const char *actsim_lab_errmsg(const struct actsim_lab *lab);

/* The code of the last failure that left a message on this handle;
 * ACTSIM_E_DB_UNAVAILABLE says the lab's database server could not be
 * reached (try again later), as opposed to a damaged lab. */
actsim_err actsim_lab_errcode(const struct actsim_lab *lab);

const char *actsim_lab_dir(const struct actsim_lab *lab);
/* Where the records are: "sqlite" or "postgresql". */
const char *actsim_lab_backend(const struct actsim_lab *lab);
const struct actsim_realm *actsim_lab_realm(const struct actsim_lab *lab);

/* Loads the lab's catalog: the file recorded at init, else the built-in
 * one. The caller frees it. Errors go to the handle's message. */
actsim_err actsim_lab_catalog(struct actsim_lab *lab,
			      struct actsim_catalog **out)
	__attribute__((warn_unused_result));

/* Records n issued keys of one configuration in one transaction; keys
 * already recorded are kept as they are. progress (may be NULL) is called
 * as rows are written. */
actsim_err actsim_lab_record_keys(struct actsim_lab *lab,
				  const struct actsim_pkey *keys, size_t n,
				  const struct actsim_keyconfig *cfg,
				  actsim_progress_fn progress, void *arg)
	__attribute__((warn_unused_result));

struct actsim_lab_counts {
	int64_t keys;
};

actsim_err actsim_lab_counts(struct actsim_lab *lab,
			     struct actsim_lab_counts *out)
	__attribute__((warn_unused_result));

/* The admin bearer token (64 hex digits). ACTSIM_E_PERMISSION when the
 * file is readable by group or others. */
actsim_err actsim_lab_admin_token(struct actsim_lab *lab,
				  char out[ACTSIM_ADMIN_TOKEN_HEX])
	__attribute__((warn_unused_result));

/* ---- transactions: every command is one ---- */

/* Starts a transaction; `write` takes the write lock at once (BEGIN
 * IMMEDIATE) so concurrent writers queue instead of failing late. */
actsim_err actsim_lab_begin(struct actsim_lab *lab, bool write)
	__attribute__((warn_unused_result));
actsim_err actsim_lab_commit(struct actsim_lab *lab)
	__attribute__((warn_unused_result));
/* Undoes the open transaction, if any. */
void actsim_lab_rollback(struct actsim_lab *lab);

/* ---- the lab clock (seconds since the epoch) ---- */

actsim_err actsim_lab_clock_get(struct actsim_lab *lab, int64_t *now)
	__attribute__((warn_unused_result));
actsim_err actsim_lab_clock_set(struct actsim_lab *lab, int64_t now)
	__attribute__((warn_unused_result));

/* ---- issued keys and blocks ---- */

/* The issued key with this key ID (actsim_key_identity); *found false
 * when there is none. */
actsim_err actsim_lab_key_by_id(struct actsim_lab *lab, uint64_t key_id,
				char key[ACTSIM_PKEY_TEXT_BYTES], bool *found)
	__attribute__((warn_unused_result));
actsim_err actsim_lab_key_blocked(struct actsim_lab *lab, const char *key,
				  bool *blocked)
	__attribute__((warn_unused_result));

/* ---- machines: one JSON record each, owned by simulator/ ---- */

/* Stores a record; create refuses an existing name (ACTSIM_E_EXISTS),
 * otherwise the name must exist (ACTSIM_E_NOT_FOUND). */
actsim_err actsim_lab_machine_put(struct actsim_lab *lab, const char *name,
				  const json_t *record, bool create)
	__attribute__((warn_unused_result));
/* *record is a new reference; ACTSIM_E_NOT_FOUND for an unknown name. */
actsim_err actsim_lab_machine_get(struct actsim_lab *lab, const char *name,
				  json_t **record)
	__attribute__((warn_unused_result));
actsim_err actsim_lab_machine_delete(struct actsim_lab *lab, const char *name)
	__attribute__((warn_unused_result));
/* Every record, ordered by name (a new array). */
actsim_err actsim_lab_machine_all(struct actsim_lab *lab, json_t **records)
	__attribute__((warn_unused_result));
/* Every record cut down to the members named in `fields` (a NULL-terminated
 * list of at most ACTSIM_LAB_FIELDS_MAX names of lowercase letters, digits
 * and '_'), ordered by name: a new array of objects, each holding those of
 * the members its record has. The database extracts them, so a listing
 * that needs a few members of large records reads only those.
 * ACTSIM_E_INVALID_ARG for a bad field list. */
#define ACTSIM_LAB_FIELDS_MAX 32
actsim_err actsim_lab_machine_fields(struct actsim_lab *lab,
				     const char *const *fields,
				     json_t **records)
	__attribute__((warn_unused_result));

/* ---- the clearinghouse's decisions ---- */

struct actsim_activation_row {
	int64_t id; /* set by actsim_lab_activation_add */
	int64_t at;
	const char *key, *product_id, *installation_id, *hardware_hash;
	const char *kind;   /* online, phone, local, transfer */
	const char *result; /* OK or the refusal code */
	const char *reason;
	bool counted;       /* started a new hardware baseline */
	const char *confirmation_id; /* NULL unless granted */
};

actsim_err actsim_lab_activation_add(struct actsim_lab *lab,
				     struct actsim_activation_row *row)
	__attribute__((warn_unused_result));

/* The granted activations of a key, for the policy (*prior malloc'd, the
 * caller frees it), and whether installation_id was granted before. */
actsim_err actsim_lab_activation_history(struct actsim_lab *lab,
					 const char *key,
					 const char *installation_id,
					 struct actsim_prior_activation **prior,
					 size_t *n, bool *same_iid)
	__attribute__((warn_unused_result));

/* Blocks a key (kept as it is when already blocked). */
actsim_err actsim_lab_block(struct actsim_lab *lab, const char *key,
			    const char *reason, int64_t at)
	__attribute__((warn_unused_result));
/* ACTSIM_E_NOT_FOUND when the key was not blocked. */
actsim_err actsim_lab_unblock(struct actsim_lab *lab, const char *key)
	__attribute__((warn_unused_result));

/* Granted activations (product_key and/or product_id may be NULL for
 * all), oldest first, as {activation_id, product_key, product_id,
 * installation_id, hardware_hash, confirmation_id, kind, at} objects; at
 * most `limit`. */
actsim_err actsim_lab_activation_list(struct actsim_lab *lab,
				      const char *product_key,
				      const char *product_id, size_t limit,
				      json_t **out)
	__attribute__((warn_unused_result));

/* Blocked keys, oldest block first, as {product_key, reason, at}
 * objects; at most `limit`. *out is a new array even on failure. */
actsim_err actsim_lab_block_list(struct actsim_lab *lab, size_t limit,
				 json_t **out)
	__attribute__((warn_unused_result));

/* Every clearinghouse decision counted by the key's channel and the
 * result ("OK" or the refusal code), as {channel, result, count}
 * objects. *out is a new array even on failure. */
actsim_err actsim_lab_activation_counts(struct actsim_lab *lab, json_t **out)
	__attribute__((warn_unused_result));

/* Stores a registration; `contact` is already encrypted. */
actsim_err actsim_lab_registration_add(struct actsim_lab *lab, int64_t at,
				       const char *product_id,
				       const uint8_t *contact, size_t len,
				       int64_t *id)
	__attribute__((warn_unused_result));

/* The request log: no personal data, only what was asked and how it
 * went. `fault` is the kind of fault injected into the request ("reset",
 * "timeout", ...) or NULL; the list shows it as "fault" (null when none).
 * `at` is the lab clock; `wall_at` the real time the caller read (Unix
 * seconds), listed as "wall_at" (null for rows logged before it was kept). */
actsim_err actsim_lab_request_add(struct actsim_lab *lab, int64_t at,
				  const char *method, const char *route,
				  int status, const char *fault,
				  int64_t latency_us, int64_t wall_at)
	__attribute__((warn_unused_result));
actsim_err actsim_lab_request_list(struct actsim_lab *lab, size_t limit,
				   json_t **out)
	__attribute__((warn_unused_result));
/* Keeps the newest `keep` rows of the request log and removes the rest;
 * *removed says how many went. */
actsim_err actsim_lab_request_trim(struct actsim_lab *lab, int64_t keep,
				   int64_t *removed)
	__attribute__((warn_unused_result));

/* Drops activations, blocks, registrations and the request log; keeps
 * the realm, keys, machines and the clock. */
actsim_err actsim_lab_reset(struct actsim_lab *lab)
	__attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif
#endif
