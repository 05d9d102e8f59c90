/* The lab: a directory holding a realm and one SQLite database
 * (DESIGN.md section 5).
 *
 *   DIR/realm.json          public realm parameters (0644)
 *   DIR/realm-private.json  private keys (0600; refused if others can read)
 *   DIR/lab.db              SQLite, WAL: keys issued, lab metadata
 *
 * A handle is used by one thread at a time. Functions that fail leave a
 * message on the handle (actsim_lab_errmsg) and change nothing stored. */
#ifndef ACTSIM_LAB_H
#define ACTSIM_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actsim/catalog.h"
#include "actsim/err.h"
#include "actsim/pkey.h"
#include "actsim/realm.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_LAB_SCHEMA_VERSION 1
/* A new lab's clock: 2026-01-01T00:00:00Z. */
#define ACTSIM_LAB_EPOCH INT64_C(1767225600)
#define ACTSIM_LAB_EPOCH_TEXT "1767225600"

struct actsim_lab;

struct actsim_lab_init_opts {
	uint8_t seed[ACTSIM_SEED_BYTES]; /* realm seed */
	bool force;                      /* replace an existing lab */
	const char *catalog_path;        /* NULL: the built-in catalog */
};

/* Creates a lab in dir (made if missing, with parents). Refuses with
 * ACTSIM_E_LAB_EXISTS when dir already holds a lab and force is false.
 * Like sqlite3_open, *out is set even on failure (except out of memory) so
 * that actsim_lab_errmsg() can say why; the caller always closes it. */
actsim_err actsim_lab_create(struct actsim_lab **out, const char *dir,
			     const struct actsim_lab_init_opts *opts)
	__attribute__((warn_unused_result));

/* Opens an existing lab. with_private loads the private realm too.
 * ACTSIM_E_NO_LAB when dir holds no lab; ACTSIM_E_LAB_VERSION when a newer
 * actsim made it; ACTSIM_E_PERMISSION when the private file is readable by
 * group or others. *out is set even on failure, as above. */
actsim_err actsim_lab_open(struct actsim_lab **out, const char *dir,
			   bool with_private)
	__attribute__((warn_unused_result));

/* Closes the lab; NULL is a no-op. */
void actsim_lab_close(struct actsim_lab *lab);

/* Detail about the last failure on this handle; never NULL. */
const char *actsim_lab_errmsg(const struct actsim_lab *lab);

const char *actsim_lab_dir(const struct actsim_lab *lab);
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

#ifdef __cplusplus
}
#endif
#endif
