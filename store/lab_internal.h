/* The lab handle's layout and database helpers, shared by store/ files. */
#ifndef ACTSIM_LAB_INTERNAL_H
#define ACTSIM_LAB_INTERNAL_H

#include <sqlite3.h>

#include "actsim/lab.h"

#define LAB_DB "lab.db"

#define LAB_STMT_CACHE 32

struct actsim_lab {
	char *dir;
	sqlite3 *db;
	/* Prepared statements by SQL text address: every query here is a
	 * string literal, so the address names it. Parsing SQL was a third
	 * of the server's time before this cache. */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} stmts[LAB_STMT_CACHE];
	struct actsim_realm *realm;
	char *catalog_path; /* NULL: built-in */
	char errmsg[1024];
};

/* Sets the handle's message and returns e. */
actsim_err lab_fail(struct actsim_lab *lab, actsim_err e, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
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

#endif
