/* The lab handle's layout and database helpers, shared by store/ files. */
#ifndef ACTSIM_LAB_INTERNAL_H
#define ACTSIM_LAB_INTERNAL_H

#include <sqlite3.h>

#include "actsim/lab.h"

#define LAB_DB "lab.db"

struct actsim_lab {
	char *dir;
	sqlite3 *db;
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
/* Prepares a statement; on failure sets the message. */
actsim_err db_prepare(struct actsim_lab *lab, const char *sql,
		      sqlite3_stmt **st);
actsim_err meta_set(struct actsim_lab *lab, const char *key,
		    const char *value);
actsim_err meta_get(struct actsim_lab *lab, const char *key, char **out);

#endif
