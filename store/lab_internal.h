/* The lab handle's layout and the storage interface behind it, shared by
 * store/ files. Only store/ knows which backend a lab uses. */
#ifndef ACTSIM_LAB_INTERNAL_H
#define ACTSIM_LAB_INTERNAL_H

#include <sqlite3.h>

#include "actsim/lab.h"

#define LAB_DB "lab.db"

#define LAB_STMT_CACHE 64

/* The tables as lab migrate copies them, in copying order. */
enum lab_table {
	LAB_T_META,
	LAB_T_KEYS,
	LAB_T_MACHINES,
	LAB_T_ACTIVATIONS,
	LAB_T_BLOCKS,
	LAB_T_REGISTRATIONS,
	LAB_T_REQUEST_LOG,
	LAB_T_COUNT
};

/* One row in transit between backends: every value as text (NULL for
 * SQL NULL), integers in decimal, bytes in hex. */
typedef actsim_err (*lab_row_fn)(void *arg, const char *const *values);

/* The operations a storage backend provides. Each takes the handle, keeps
 * its own state there, and reports failures with lab_fail like the public
 * actsim_lab_* functions it backs (same contracts as in actsim/lab.h). */
struct lab_backend {
	const char *name;
	/* Creates the lab's storage (schema at the current version, meta
	 * rows: realm_fingerprint, catalog, clock) in one transaction. */
	actsim_err (*create)(struct actsim_lab *lab, const char *catalog);
	/* Connects to existing storage, refuses a newer or damaged one and
	 * migrates an older one. */
	actsim_err (*open)(struct actsim_lab *lab);
	/* Releases the backend's state; safe on a half-opened handle. */
	void (*close)(struct actsim_lab *lab);
	actsim_err (*begin)(struct actsim_lab *lab, bool write);
	actsim_err (*commit)(struct actsim_lab *lab);
	void (*rollback)(struct actsim_lab *lab);
	actsim_err (*meta_get)(struct actsim_lab *lab, const char *key,
			       char **out);
	actsim_err (*meta_set)(struct actsim_lab *lab, const char *key,
			       const char *value);
	actsim_err (*record_keys)(struct actsim_lab *lab,
				  const struct actsim_pkey *keys, size_t n,
				  const struct actsim_keyconfig *cfg,
				  actsim_progress_fn progress, void *arg);
	actsim_err (*counts)(struct actsim_lab *lab,
			     struct actsim_lab_counts *out);
	actsim_err (*key_by_id)(struct actsim_lab *lab, uint64_t key_id,
				char key[ACTSIM_PKEY_TEXT_BYTES], bool *found);
	actsim_err (*key_blocked)(struct actsim_lab *lab, const char *key,
				  bool *blocked);
	actsim_err (*machine_put)(struct actsim_lab *lab, const char *name,
				  const json_t *record, bool create);
	actsim_err (*machine_get)(struct actsim_lab *lab, const char *name,
				  json_t **record);
	actsim_err (*machine_delete)(struct actsim_lab *lab,
				     const char *name);
	actsim_err (*machine_all)(struct actsim_lab *lab, json_t **records);
	/* fields: checked by actsim_lab_machine_fields; n of them. */
	actsim_err (*machine_fields)(struct actsim_lab *lab,
				     const char *const *fields, size_t n,
				     json_t **records);
	actsim_err (*activation_add)(struct actsim_lab *lab,
				     struct actsim_activation_row *row);
	/* Must hold the key against concurrent deciders until the
	 * transaction ends: the policy's check and the write that follows
	 * are one decision. */
	actsim_err (*activation_history)(
		struct actsim_lab *lab, const char *key,
		const char *installation_id,
		struct actsim_prior_activation **prior, size_t *n,
		bool *same_iid);
	actsim_err (*block)(struct actsim_lab *lab, const char *key,
			    const char *reason, int64_t at);
	actsim_err (*unblock)(struct actsim_lab *lab, const char *key);
	actsim_err (*activation_list)(struct actsim_lab *lab,
				      const char *product_key,
				      const char *product_id, size_t limit,
				      json_t **out);
	actsim_err (*block_list)(struct actsim_lab *lab, size_t limit,
				 json_t **out);
	actsim_err (*activation_counts)(struct actsim_lab *lab, json_t **out);
	actsim_err (*registration_add)(struct actsim_lab *lab, int64_t at,
				       const char *product_id,
				       const uint8_t *contact, size_t len,
				       int64_t *id);
	actsim_err (*request_add)(struct actsim_lab *lab, int64_t at,
				  const char *method, const char *route,
				  int status, const char *fault,
				  int64_t latency_us, int64_t wall_at);
	actsim_err (*request_list)(struct actsim_lab *lab, size_t limit,
				   json_t **out);
	actsim_err (*request_trim)(struct actsim_lab *lab, int64_t keep,
				   int64_t *removed);
	actsim_err (*reset)(struct actsim_lab *lab);
	/* ---- copying a lab to the other backend (store/migrate.c) ---- */
	/* Calls fn for every row of table t, columns as in lab_columns. */
	actsim_err (*rows_read)(struct actsim_lab *lab, enum lab_table t,
				lab_row_fn fn, void *arg);
	/* Inserts one row as it was read (ids kept; meta rows replace). */
	actsim_err (*rows_write)(struct actsim_lab *lab, enum lab_table t,
				 const char *const *values);
	/* After a table's rows: numbering continues after the copied ids. */
	actsim_err (*rows_done)(struct actsim_lab *lab, enum lab_table t);
	actsim_err (*rows_count)(struct actsim_lab *lab, enum lab_table t,
				 int64_t *n);
	/* Removes the storage `create` made (after a failed copy). */
	void (*destroy)(struct actsim_lab *lab);
};

/* Each table's column types, one letter per column: 'i' integer, 't'
 * text, 'b' bytes (store/migrate.c). */
extern const char *const lab_columns[LAB_T_COUNT];

/* Each table's rows for copying, in lab_columns' order, in SQL both
 * backends speak; NULL for registrations, whose bytes each backend
 * reads as hex in its own dialect (store/migrate.c). */
extern const char *const lab_copy_select[LAB_T_COUNT];

/* Empties the records a lab reset removes (both backends). */
#define LAB_RESET_SQL \
	"DELETE FROM activations; DELETE FROM blocks;" \
	"DELETE FROM registrations; DELETE FROM request_log;"

/* The embedded default: DIR/lab.db (store/lab.c, store/records.c). */
extern const struct lab_backend lab_backend_sqlite;
/* A schema in a PostgreSQL database (store/pg.c). */
extern const struct lab_backend lab_backend_pg;

struct actsim_lab {
	char *dir;
	const struct lab_backend *be;
	/* SQLite backend state. */
	sqlite3 *db;
	/* Prepared statements by SQL text address: every query here is a
	 * string literal, so the address names it. Parsing SQL was a third
	 * of the server's time before this cache. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} stmts[LAB_STMT_CACHE];
	/* PostgreSQL backend state (store/pg.c): where the records are,
	 * from DIR/database.json. */
	char *db_url;
	char *db_schema;
	struct pg_state *pg;
	struct actsim_realm *realm;
	char *catalog_path; /* NULL: built-in */
	int busy_ms;        /* sqlite3_busy_timeout, for messages */
	char errmsg[1024];
	actsim_err errcode; /* of the last failure */
};

/* Sets the handle's message and returns e. */
actsim_err lab_fail(struct actsim_lab *lab, actsim_err e, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

/* "head before F1 after, before F2 after, ... tail" for the n fields (a new
 * string; NULL when out of memory). */
char *lab_fields_sql(const char *const *fields, size_t n, const char *head,
		     const char *before, const char *after, const char *tail);
/* Appends to `records` an object of the n fields whose values (JSON
 * texts as the database extracted them, NULL where the record has no such
 * member) are given; ACTSIM_E_DB when one is not JSON
 * (store/backend.c). */
actsim_err lab_fields_row(struct actsim_lab *lab, json_t *records,
			  const char *const *fields, size_t n,
			  const char *const *values);

/* Writes DIR/database.json for the handle's db_url and db_schema,
 * atomically (store/lab.c). */
actsim_err lab_write_db_config(struct actsim_lab *lab);
/* Joins dir and name; NULL when out of memory. */
char *lab_path(const char *dir, const char *name);

/* Checks a PostgreSQL URI given to lab init: its form, and that it holds
 * no password. */
actsim_err pg_check_url(struct actsim_lab *lab, const char *url);

/* ---- SQLite helpers (store/lab.c) ---- */

/* ACTSIM_E_DB with SQLite's message. */
actsim_err db_fail(struct actsim_lab *lab, const char *what);
actsim_err db_exec(struct actsim_lab *lab, const char *sql);
/* A prepared statement for `sql`, which must be a string literal (it is
 * cached by address). Give it back with db_release, never finalize it. On
 * failure sets the message. */
actsim_err db_prepare(struct actsim_lab *lab, const char *sql,
		      sqlite3_stmt **st);
/* Resets a statement from db_prepare for its next use. */
void db_release(sqlite3_stmt *st);
/* Finalizes every cached statement (before closing the database). */
void db_cache_clear(struct actsim_lab *lab);
actsim_err meta_set(struct actsim_lab *lab, const char *key,
		    const char *value);
actsim_err meta_get(struct actsim_lab *lab, const char *key, char **out);
actsim_err sqlite_create(struct actsim_lab *lab, const char *catalog);
actsim_err sqlite_open(struct actsim_lab *lab);
void sqlite_close(struct actsim_lab *lab);
actsim_err sqlite_record_keys(struct actsim_lab *lab,
			      const struct actsim_pkey *keys, size_t n,
			      const struct actsim_keyconfig *cfg,
			      actsim_progress_fn progress, void *arg);
actsim_err sqlite_counts(struct actsim_lab *lab,
			 struct actsim_lab_counts *out);

#endif
