/* lab migrate: a lab's records copied to the other backend in one
 * transaction, checked by counts, then the lab directory switched to the
 * copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab_internal.h"
#include "../common/internal.h"

const char *const lab_columns[LAB_T_COUNT] = {
	[LAB_T_META] = "tt",
	[LAB_T_KEYS] = "ttttiiii",
	[LAB_T_MACHINES] = "tt",
	[LAB_T_ACTIVATIONS] = "iitttttttit",
	[LAB_T_BLOCKS] = "tti",
	[LAB_T_REGISTRATIONS] = "iitb",
	[LAB_T_REQUEST_LOG] = "iittiiti",
};

const char *const lab_copy_select[LAB_T_COUNT] = {
	[LAB_T_META] = "SELECT key, value FROM meta",
	[LAB_T_KEYS] = "SELECT key, sku, platform, channel, r2, upgrade,"
		       " channel_id, key_id FROM keys",
	[LAB_T_MACHINES] = "SELECT name, record FROM machines",
	[LAB_T_ACTIVATIONS] = "SELECT id, at, key, product_id,"
			      " installation_id, hardware_hash, kind, result,"
			      " reason, counted, confirmation_id "
			      "FROM activations ORDER BY id",
	[LAB_T_BLOCKS] = "SELECT key, reason, at FROM blocks",
	[LAB_T_REQUEST_LOG] = "SELECT id, at, method, route, status,"
			      " latency_us, fault, wall_at FROM request_log "
			      "ORDER BY id",
};

static const char *const table_names[LAB_T_COUNT] = {
	[LAB_T_META] = "meta",
	[LAB_T_KEYS] = "keys",
	[LAB_T_MACHINES] = "machines",
	[LAB_T_ACTIVATIONS] = "activations",
	[LAB_T_BLOCKS] = "blocks",
	[LAB_T_REGISTRATIONS] = "registrations",
	[LAB_T_REQUEST_LOG] = "request_log",
};

struct copy {
	struct actsim_lab *to;
	enum lab_table t;
};

static actsim_err copy_row(void *arg, const char *const *values)
{
	struct copy *c = arg;

	/* Each backend keeps its own schema version. */
	if (c->t == LAB_T_META && values[0] != NULL &&
	    strcmp(values[0], "schema_version") == 0)
		return ACTSIM_OK;
	return c->to->be->rows_write(c->to, c->t, values);
}

/* Moves DIR/lab.db (and its WAL files) out of the way as lab.db.old. */
static actsim_err set_aside_sqlite(struct actsim_lab *lab)
{
	static const char *const names[] = { LAB_DB, LAB_DB "-wal",
					     LAB_DB "-shm" };
	actsim_err e = ACTSIM_OK;

	for (size_t i = 0; i < 3 && e == ACTSIM_OK; i++) {
		char *from = lab_path(lab->dir, names[i]);
		char old[64];
		char *to;

		snprintf(old, sizeof old, "%s.old", names[i]);
		to = lab_path(lab->dir, old);
		if (from == NULL || to == NULL)
			e = ACTSIM_E_NOMEM;
		else if (access(from, F_OK) == 0 && rename(from, to) != 0)
			e = lab_fail(lab, ACTSIM_E_IO, "cannot move '%s' aside",
				     from);
		free(from);
		free(to);
	}
	return e;
}

static actsim_err copy_all(struct actsim_lab *from, struct actsim_lab *to,
			   json_t *counts)
{
	struct copy c = { to, LAB_T_META };
	actsim_err e = to->be->begin(to, true);

	for (int t = 0; t < LAB_T_COUNT && e == ACTSIM_OK; t++) {
		c.t = (enum lab_table)t;
		e = from->be->rows_read(from, c.t, copy_row, &c);
		if (e == ACTSIM_OK)
			e = to->be->rows_done(to, c.t);
	}
	if (e == ACTSIM_OK)
		e = to->be->commit(to);
	if (e != ACTSIM_OK) {
		to->be->rollback(to);
		return e;
	}
	/* The check: every table holds as many rows on both sides (meta
	 * differs by the schema version's row). */
	for (int t = LAB_T_META + 1; t < LAB_T_COUNT; t++) {
		int64_t a = -1, b = -2;

		e = from->be->rows_count(from, (enum lab_table)t, &a);
		if (e == ACTSIM_OK)
			e = to->be->rows_count(to, (enum lab_table)t, &b);
		if (e != ACTSIM_OK)
			return e;
		if (a != b)
			return lab_fail(to, ACTSIM_E_DB,
					"the copy of table %s has %lld rows, "
					"the lab %lld",
					table_names[t], (long long)b,
					(long long)a);
		json_object_set_new(counts, table_names[t], json_integer(a));
	}
	return ACTSIM_OK;
}

actsim_err actsim_lab_migrate(struct actsim_lab *lab,
			      const struct actsim_lab_migrate_opts *o,
			      json_t **counts)
{
	struct actsim_lab *to = calloc(1, sizeof *to);
	json_t *doc = json_object();
	char hex[2 * sizeof o->nonce + 1], name[32];
	actsim_err e = ACTSIM_OK;
	bool made = false;

	if (counts != NULL)
		*counts = NULL;
	if (to == NULL || doc == NULL || (to->dir = strdup(lab->dir)) == NULL) {
		e = ACTSIM_E_NOMEM;
		goto out;
	}
	to->realm = lab->realm; /* borrowed */
	to->busy_ms = lab->busy_ms;
	if (o->to != NULL) {
		if (lab->be != &lab_backend_sqlite) {
			e = lab_fail(lab, ACTSIM_E_INVALID_ARG,
				     "lab '%s' is already in PostgreSQL",
				     lab->dir);
			goto out;
		}
		e = pg_check_url(lab, o->to);
		if (e != ACTSIM_OK)
			goto out;
		actsim_hex(hex, o->nonce, sizeof o->nonce);
		snprintf(name, sizeof name, "actsim_%s", hex);
		to->db_url = strdup(o->to);
		to->db_schema = strdup(name);
		if (to->db_url == NULL || to->db_schema == NULL) {
			e = ACTSIM_E_NOMEM;
			goto out;
		}
		to->be = &lab_backend_pg;
	} else {
		if (lab->be == &lab_backend_sqlite) {
			e = lab_fail(lab, ACTSIM_E_INVALID_ARG,
				     "lab '%s' is already in SQLite", lab->dir);
			goto out;
		}
		to->be = &lab_backend_sqlite;
		e = set_aside_sqlite(lab);
		if (e != ACTSIM_OK)
			goto out;
	}
	e = to->be->create(to, lab->catalog_path);
	made = e == ACTSIM_OK;
	/* Writers wait (SQLite) or make the counts differ (PostgreSQL)
	 * while the copy is taken. */
	if (e == ACTSIM_OK)
		e = lab->be->begin(lab, true);
	if (e == ACTSIM_OK) {
		e = copy_all(lab, to, doc);
		lab->be->rollback(lab);
	}
	/* Switch the directory only to a whole, checked copy. */
	if (e == ACTSIM_OK && o->to != NULL)
		e = lab_write_db_config(to);
	if (e == ACTSIM_OK && o->to == NULL) {
		char *cfg = lab_path(lab->dir, "database.json");

		if (cfg == NULL || unlink(cfg) != 0)
			e = lab_fail(to, ACTSIM_E_IO,
				     "cannot remove '%s/database.json'",
				     lab->dir);
		free(cfg);
	}
	if (e != ACTSIM_OK && to->errmsg[0] != '\0')
		lab_fail(lab, e, "%s", to->errmsg);
	if (e != ACTSIM_OK && made)
		to->be->destroy(to);
	if (e == ACTSIM_OK) {
		json_object_set_new(doc, "backend",
				    json_string(to->be->name));
		if (to->db_schema != NULL)
			json_object_set_new(doc, "schema",
					    json_string(to->db_schema));
	}
out:
	if (to != NULL) {
		to->realm = NULL;
		if (to->be != NULL)
			to->be->close(to);
		free(to->db_url);
		free(to->db_schema);
		free(to->dir);
		free(to);
	}
	if (e == ACTSIM_OK && counts != NULL)
		*counts = doc;
	else
		json_decref(doc);
	return e;
}
