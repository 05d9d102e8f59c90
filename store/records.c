/* The SQLite backend's records: keys, blocks, machines and the
 * clearinghouse's decisions, and the backend's operation table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actsim/hwid.h"
#include "actsim/time.h"
#include "lab_internal.h"
#include "../common/internal.h"

static actsim_err sqlite_begin(struct actsim_lab *lab, bool write)
{
	return db_exec(lab, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static actsim_err sqlite_commit(struct actsim_lab *lab)
{
	return db_exec(lab, "COMMIT");
}

static void sqlite_rollback(struct actsim_lab *lab)
{
	if (!sqlite3_get_autocommit(lab->db))
		sqlite3_exec(lab->db, "ROLLBACK", NULL, NULL, NULL);
}

static actsim_err sqlite_key_by_id(struct actsim_lab *lab, uint64_t key_id,
				char key[ACTSIM_PKEY_TEXT_BYTES], bool *found)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	e = db_prepare(lab, "SELECT key FROM keys WHERE key_id = ? "
			    "ORDER BY key LIMIT 1",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)key_id);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		snprintf(key, ACTSIM_PKEY_TEXT_BYTES, "%s",
			 (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		e = db_fail(lab, "cannot look up a key");
	db_release(st);
	return e;
}

static actsim_err sqlite_key_blocked(struct actsim_lab *lab, const char *key,
				  bool *blocked)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	e = db_prepare(lab, "SELECT 1 FROM blocks WHERE key = ?", &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*blocked = rc == SQLITE_ROW;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = db_fail(lab, "cannot read blocks");
	db_release(st);
	return e;
}

static actsim_err sqlite_machine_put(struct actsim_lab *lab, const char *name,
				  const json_t *record, bool create)
{
	sqlite3_stmt *st;
	char *text = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
	actsim_err e;
	int rc;

	if (text == NULL)
		return ACTSIM_E_NOMEM;
	e = db_prepare(lab,
		       create ? "INSERT INTO machines(record, name) "
				"VALUES(?, ?)" :
				"UPDATE machines SET record = ? WHERE name = ?",
		       &st);
	if (e == ACTSIM_OK) {
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (create && sqlite3_extended_errcode(lab->db) ==
				      SQLITE_CONSTRAINT_PRIMARYKEY)
			e = lab_fail(lab, ACTSIM_E_EXISTS,
				     "a machine named '%s' already exists",
				     name);
		else if (rc != SQLITE_DONE)
			e = db_fail(lab, "cannot store a machine");
		else if (!create && sqlite3_changes(lab->db) == 0)
			e = lab_fail(lab, ACTSIM_E_NOT_FOUND,
				     "no machine named '%s'", name);
		db_release(st);
	}
	free(text);
	return e;
}

static actsim_err sqlite_machine_get(struct actsim_lab *lab, const char *name,
				  json_t **record)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	*record = NULL;
	e = db_prepare(lab, "SELECT record FROM machines WHERE name = ?", &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*record = json_loads((const char *)sqlite3_column_text(st, 0),
				     0, NULL);
		if (*record == NULL)
			e = lab_fail(lab, ACTSIM_E_DB,
				     "machine '%s': damaged record", name);
	} else if (rc == SQLITE_DONE) {
		e = lab_fail(lab, ACTSIM_E_NOT_FOUND, "no machine named '%s'",
			     name);
	} else {
		e = db_fail(lab, "cannot read a machine");
	}
	db_release(st);
	return e;
}

/* Runs a DELETE of one row named by its only parameter; ACTSIM_E_NOT_FOUND
 * with `absent` (a format taking arg) when there was none. */
static actsim_err sqlite_delete_one(struct actsim_lab *lab, const char *sql,
				    const char *arg, const char *what,
				    const char *absent)
{
	sqlite3_stmt *st;
	actsim_err e;

	e = db_prepare(lab, sql, &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, what);
	else if (sqlite3_changes(lab->db) == 0)
		e = lab_fail(lab, ACTSIM_E_NOT_FOUND, absent, arg);
	db_release(st);
	return e;
}

static actsim_err sqlite_machine_delete(struct actsim_lab *lab, const char *name)
{
	return sqlite_delete_one(lab, "DELETE FROM machines WHERE name = ?",
				 name, "cannot delete a machine",
				 "no machine named '%s'");
}

static actsim_err sqlite_machine_all(struct actsim_lab *lab, json_t **records)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	*records = json_array();
	e = db_prepare(lab, "SELECT record FROM machines ORDER BY name", &st);
	if (e != ACTSIM_OK)
		return e;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *r = json_loads((const char *)sqlite3_column_text(st, 0),
				       0, NULL);

		if (r == NULL) {
			e = lab_fail(lab, ACTSIM_E_DB, "damaged machine record");
			break;
		}
		json_array_append_new(*records, r);
	}
	if (e == ACTSIM_OK && rc != SQLITE_DONE)
		e = db_fail(lab, "cannot list machines");
	db_release(st);
	return e;
}

static actsim_err sqlite_machine_fields(struct actsim_lab *lab,
					const char *const *fields, size_t n,
					json_t **records)
{
	const char *values[ACTSIM_LAB_FIELDS_MAX];
	char *sql = lab_fields_sql(fields, n, "SELECT ", "record -> '$.", "'",
				   " FROM machines ORDER BY name");
	sqlite3_stmt *st = NULL;
	actsim_err e = ACTSIM_OK;
	int rc;

	*records = json_array();
	if (sql == NULL || *records == NULL) {
		free(sql);
		return lab_fail(lab, ACTSIM_E_NOMEM, "out of memory");
	}
	/* made for this list of fields, so not kept in the statement cache */
	if (sqlite3_prepare_v2(lab->db, sql, -1, &st, NULL) != SQLITE_OK) {
		free(sql);
		return db_fail(lab, "cannot list machines");
	}
	free(sql);
	while (e == ACTSIM_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (size_t i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(
				st, (int)i);
		e = lab_fields_row(lab, *records, fields, n, values);
	}
	if (e == ACTSIM_OK && rc != SQLITE_DONE)
		e = db_fail(lab, "cannot list machines");
	sqlite3_finalize(st);
	return e;
}

static actsim_err sqlite_activation_add(struct actsim_lab *lab,
				     struct actsim_activation_row *r)
{
	sqlite3_stmt *st;
	actsim_err e;

	e = db_prepare(lab,
		       "INSERT INTO activations(at, key, product_id,"
		       " installation_id, hardware_hash, kind, result, reason,"
		       " counted, confirmation_id) "
		       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, r->at);
	sqlite3_bind_text(st, 2, r->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->product_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->installation_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->hardware_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, r->counted);
	if (r->confirmation_id != NULL)
		sqlite3_bind_text(st, 10, r->confirmation_id, -1,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot record an activation");
	else
		r->id = sqlite3_last_insert_rowid(lab->db);
	db_release(st);
	return e;
}

static actsim_err sqlite_activation_history(struct actsim_lab *lab,
					 const char *key,
					 const char *installation_id,
					 struct actsim_prior_activation **prior,
					 size_t *n, bool *same_iid)
{
	sqlite3_stmt *st;
	struct actsim_prior_activation *list = NULL;
	size_t count = 0, cap = 0;
	actsim_err e;
	int rc;

	*prior = NULL;
	*n = 0;
	*same_iid = false;
	/* Only grants that started a baseline matter to the policy; repeats
	 * of an installation ID would make this grow without end. */
	e = db_prepare(lab,
		       "SELECT hardware_hash, at FROM activations "
		       "WHERE key = ? AND result = 'OK' AND counted = 1 "
		       "ORDER BY id",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct actsim_prior_activation p;

		if (actsim_hw_hash_parse(
			    (const char *)sqlite3_column_text(st, 0),
			    &p.hardware_hash) != ACTSIM_OK) {
			e = lab_fail(lab, ACTSIM_E_DB,
				     "damaged activation record");
			break;
		}
		p.at = sqlite3_column_int64(st, 1);
		p.counted = true;
		if (count == cap) {
			struct actsim_prior_activation *grown;

			cap = cap ? cap * 2 : 16;
			grown = realloc(list, cap * sizeof *list);
			if (grown == NULL) {
				e = ACTSIM_E_NOMEM;
				break;
			}
			list = grown;
		}
		list[count++] = p;
	}
	if (e == ACTSIM_OK && rc != SQLITE_DONE)
		e = db_fail(lab, "cannot read activations");
	db_release(st);
	if (e == ACTSIM_OK) {
		e = db_prepare(lab,
			       "SELECT 1 FROM activations WHERE key = ? AND "
			       "installation_id = ? AND result = 'OK' LIMIT 1",
			       &st);
		if (e == ACTSIM_OK) {
			sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, installation_id, -1,
					  SQLITE_STATIC);
			rc = sqlite3_step(st);
			*same_iid = rc == SQLITE_ROW;
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				e = db_fail(lab, "cannot read activations");
			db_release(st);
		}
	}
	if (e != ACTSIM_OK) {
		free(list);
		return e;
	}
	*prior = list;
	*n = count;
	return ACTSIM_OK;
}

static actsim_err sqlite_block(struct actsim_lab *lab, const char *key,
			    const char *reason, int64_t at)
{
	sqlite3_stmt *st;
	actsim_err e;

	e = db_prepare(lab, "INSERT OR IGNORE INTO blocks(key, reason, at) "
			    "VALUES(?, ?, ?)",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, at);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot block a key");
	db_release(st);
	return e;
}

static actsim_err sqlite_unblock(struct actsim_lab *lab, const char *key)
{
	return sqlite_delete_one(lab, "DELETE FROM blocks WHERE key = ?", key,
				 "cannot unblock a key",
				 "key '%s' is not blocked");
}

static json_t *column_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? json_string((const char *)s) : json_null();
}

static json_t *column_time(sqlite3_stmt *st, int i)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	actsim_time_format(buf, sqlite3_column_int64(st, i));
	return json_string(buf);
}

static actsim_err sqlite_activation_list(struct actsim_lab *lab,
				      const char *product_key,
				      const char *product_id, size_t limit,
				      json_t **out)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	*out = json_array();
	/* One statement per filter, so each can use its index. */
	if (product_key != NULL)
		e = db_prepare(lab,
			       "SELECT id, key, product_id, installation_id,"
			       " hardware_hash, confirmation_id, kind, at "
			       "FROM activations WHERE key = ?1 AND "
			       "result = 'OK' AND (?2 IS NULL OR product_id = ?2)"
			       " ORDER BY id LIMIT ?3",
			       &st);
	else if (product_id != NULL)
		e = db_prepare(lab,
			       "SELECT id, key, product_id, installation_id,"
			       " hardware_hash, confirmation_id, kind, at "
			       "FROM activations WHERE product_id = ?2 AND "
			       "result = 'OK' AND ?1 IS NULL ORDER BY id LIMIT ?3",
			       &st);
	else
		e = db_prepare(lab,
			       "SELECT id, key, product_id, installation_id,"
			       " hardware_hash, confirmation_id, kind, at "
			       "FROM activations WHERE result = 'OK' AND "
			       "?1 IS NULL AND ?2 IS NULL ORDER BY id LIMIT ?3",
			       &st);
	if (e != ACTSIM_OK)
		return e;
	if (product_key != NULL)
		sqlite3_bind_text(st, 1, product_key, -1, SQLITE_STATIC);
	if (product_id != NULL)
		sqlite3_bind_text(st, 2, product_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
			*out,
			json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
				  "activation_id",
				  (json_int_t)sqlite3_column_int64(st, 0),
				  "product_key", column_text(st, 1),
				  "product_id", column_text(st, 2),
				  "installation_id", column_text(st, 3),
				  "hardware_hash", column_text(st, 4),
				  "confirmation_id", column_text(st, 5),
				  "kind", column_text(st, 6), "at",
				  column_time(st, 7)));
	if (rc != SQLITE_DONE)
		e = db_fail(lab, "cannot list activations");
	db_release(st);
	return e;
}

static actsim_err sqlite_block_list(struct actsim_lab *lab, size_t limit,
				    json_t **out)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	*out = json_array();
	e = db_prepare(lab,
		       "SELECT key, reason, at FROM blocks ORDER BY at, key "
		       "LIMIT ?",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
			*out, json_pack("{s:o,s:o,s:o}", "product_key",
					column_text(st, 0), "reason",
					column_text(st, 1), "at",
					column_time(st, 2)));
	if (rc != SQLITE_DONE)
		e = db_fail(lab, "cannot list blocked keys");
	db_release(st);
	return e;
}

static actsim_err sqlite_activation_counts(struct actsim_lab *lab,
					 json_t **out)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	*out = json_array();
	/* Keys the lab did not issue (imported labs) count as "unknown". */
	e = db_prepare(lab,
		       "SELECT coalesce(k.channel, 'unknown') AS ch, a.result,"
		       " count(*) FROM activations a LEFT JOIN keys k"
		       " ON k.key = a.key GROUP BY ch, a.result"
		       " ORDER BY ch, a.result",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
			*out, json_pack("{s:o,s:o,s:I}", "channel",
					column_text(st, 0), "result",
					column_text(st, 1), "count",
					(json_int_t)sqlite3_column_int64(st,
									 2)));
	if (rc != SQLITE_DONE)
		e = db_fail(lab, "cannot count activations");
	db_release(st);
	return e;
}

static actsim_err sqlite_registration_add(struct actsim_lab *lab, int64_t at,
				       const char *product_id,
				       const uint8_t *contact, size_t len,
				       int64_t *id)
{
	sqlite3_stmt *st;
	actsim_err e;

	e = db_prepare(lab, "INSERT INTO registrations(at, product_id, contact)"
			    " VALUES(?, ?, ?)",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, product_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, contact, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot store a registration");
	else
		*id = sqlite3_last_insert_rowid(lab->db);
	db_release(st);
	return e;
}

static actsim_err sqlite_request_add(struct actsim_lab *lab, int64_t at,
				  const char *method, const char *route,
				  int status, const char *fault,
				  int64_t latency_us, int64_t wall_at)
{
	sqlite3_stmt *st;
	actsim_err e;

	e = db_prepare(lab, "INSERT INTO request_log(at, method, route, status,"
			    " latency_us, fault, wall_at)"
			    " VALUES(?, ?, ?, ?, ?, ?, ?)",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, route, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, status);
	sqlite3_bind_int64(st, 5, latency_us);
	if (fault != NULL)
		sqlite3_bind_text(st, 6, fault, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_int64(st, 7, wall_at);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot log a request");
	db_release(st);
	return e;
}

static actsim_err sqlite_request_trim(struct actsim_lab *lab, int64_t keep,
				      int64_t *removed)
{
	sqlite3_stmt *st;
	actsim_err e;

	/* Ids only grow: the newest `keep` rows are those above max - keep. */
	e = db_prepare(lab, "DELETE FROM request_log WHERE id <= "
			    "(SELECT max(id) FROM request_log) - ?",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, keep);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot trim the request log");
	else
		*removed = sqlite3_changes64(lab->db);
	db_release(st);
	return e;
}

static actsim_err sqlite_request_list(struct actsim_lab *lab, size_t limit,
				   json_t **out)
{
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	*out = json_array();
	e = db_prepare(lab,
		       "SELECT at, method, route, status, latency_us, fault,"
		       " wall_at FROM "
		       "(SELECT * FROM request_log ORDER BY id DESC LIMIT ?) "
		       "ORDER BY id",
		       &st);
	if (e != ACTSIM_OK)
		return e;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
			*out,
			json_pack("{s:o,s:o,s:o,s:o,s:i,s:f,s:o}", "at",
				  column_time(st, 0), "wall_at",
				  sqlite3_column_type(st, 6) == SQLITE_NULL ?
					  json_null() :
					  column_time(st, 6), "method",
				  column_text(st, 1), "route",
				  column_text(st, 2), "status",
				  sqlite3_column_int(st, 3), "latency_ms",
				  (double)sqlite3_column_int64(st, 4) / 1000.0,
				  "fault", column_text(st, 5)));
	if (rc != SQLITE_DONE)
		e = db_fail(lab, "cannot read the request log");
	db_release(st);
	return e;
}

static actsim_err sqlite_reset(struct actsim_lab *lab)
{
	return db_exec(lab, LAB_RESET_SQL);
}

/* ---- copying (lab migrate): one literal per table, so each statement
 * is prepared once ---- */

static const char sqlite_select_registrations[] =
	"SELECT id, at, product_id, hex(contact) FROM registrations "
	"ORDER BY id";

static const char *const sqlite_insert[LAB_T_COUNT] = {
	[LAB_T_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)",
	[LAB_T_KEYS] = "INSERT INTO keys(key, sku, platform, channel, r2,"
		       " upgrade, channel_id, key_id) "
		       "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
	[LAB_T_MACHINES] = "INSERT INTO machines(name, record) VALUES(?, ?)",
	[LAB_T_ACTIVATIONS] = "INSERT INTO activations(id, at, key,"
			      " product_id, installation_id, hardware_hash,"
			      " kind, result, reason, counted,"
			      " confirmation_id) "
			      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[LAB_T_BLOCKS] = "INSERT INTO blocks(key, reason, at) VALUES(?, ?, ?)",
	[LAB_T_REGISTRATIONS] = "INSERT INTO registrations(id, at, product_id,"
				" contact) VALUES(?, ?, ?, ?)",
	[LAB_T_REQUEST_LOG] = "INSERT INTO request_log(id, at, method, route,"
			      " status, latency_us, fault, wall_at) "
			      "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
};

static const char *const sqlite_count[LAB_T_COUNT] = {
	[LAB_T_META] = "SELECT count(*) FROM meta",
	[LAB_T_KEYS] = "SELECT count(*) FROM keys",
	[LAB_T_MACHINES] = "SELECT count(*) FROM machines",
	[LAB_T_ACTIVATIONS] = "SELECT count(*) FROM activations",
	[LAB_T_BLOCKS] = "SELECT count(*) FROM blocks",
	[LAB_T_REGISTRATIONS] = "SELECT count(*) FROM registrations",
	[LAB_T_REQUEST_LOG] = "SELECT count(*) FROM request_log",
};

static actsim_err sqlite_rows_read(struct actsim_lab *lab, enum lab_table t,
				   lab_row_fn fn, void *arg)
{
	size_t n = strlen(lab_columns[t]);
	const char *values[16];
	sqlite3_stmt *st;
	actsim_err e;
	int rc;

	e = db_prepare(lab,
		       t == LAB_T_REGISTRATIONS ? sqlite_select_registrations :
						  lab_copy_select[t],
		       &st);
	if (e != ACTSIM_OK)
		return e;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && e == ACTSIM_OK) {
		for (size_t i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(st,
								      (int)i);
		e = fn(arg, values);
	}
	if (e == ACTSIM_OK && rc != SQLITE_DONE)
		e = db_fail(lab, "cannot read the lab for copying");
	db_release(st);
	return e;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static actsim_err sqlite_rows_write(struct actsim_lab *lab, enum lab_table t,
				    const char *const *values)
{
	const char *types = lab_columns[t];
	uint8_t *blob = NULL;
	sqlite3_stmt *st;
	actsim_err e;

	e = db_prepare(lab, sqlite_insert[t], &st);
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; types[i] != '\0' && e == ACTSIM_OK; i++) {
		const char *v = values[i];

		if (v == NULL) {
			sqlite3_bind_null(st, i + 1);
		} else if (types[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, strtoll(v, NULL, 10));
		} else if (types[i] == 'b') {
			size_t len = strlen(v) / 2;

			free(blob);
			blob = malloc(len + 1);
			if (blob == NULL) {
				e = ACTSIM_E_NOMEM;
				break;
			}
			for (size_t k = 0; k < len; k++) {
				int hi = hex_nibble(v[2 * k]),
				    lo = hex_nibble(v[2 * k + 1]);

				if (hi < 0 || lo < 0)
					e = lab_fail(lab, ACTSIM_E_DB,
						     "damaged bytes in a copied "
						     "row");
				blob[k] = (uint8_t)(hi << 4 | lo);
			}
			sqlite3_bind_blob(st, i + 1, blob, (int)len,
					  SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_text(st, i + 1, v, -1, SQLITE_STATIC);
		}
	}
	if (e == ACTSIM_OK && sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot copy a row");
	db_release(st);
	free(blob);
	return e;
}

static actsim_err sqlite_rows_done(struct actsim_lab *lab, enum lab_table t)
{
	(void)lab; /* INTEGER PRIMARY KEY continues after the largest id */
	(void)t;
	return ACTSIM_OK;
}

static actsim_err sqlite_rows_count(struct actsim_lab *lab, enum lab_table t,
				    int64_t *n)
{
	sqlite3_stmt *st;
	actsim_err e = db_prepare(lab, sqlite_count[t], &st);

	if (e != ACTSIM_OK)
		return e;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		e = db_fail(lab, "cannot count rows");
	db_release(st);
	return e;
}

static void sqlite_destroy(struct actsim_lab *lab)
{
	static const char *const names[] = { LAB_DB, LAB_DB "-wal",
					     LAB_DB "-shm" };

	sqlite_close(lab);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *p = lab_path(lab->dir, names[i]);

		if (p != NULL)
			unlink(p);
		free(p);
	}
}

const struct lab_backend lab_backend_sqlite = {
	.name = "sqlite",
	.create = sqlite_create,
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.meta_get = meta_get,
	.meta_set = meta_set,
	.record_keys = sqlite_record_keys,
	.counts = sqlite_counts,
	.key_by_id = sqlite_key_by_id,
	.key_blocked = sqlite_key_blocked,
	.machine_put = sqlite_machine_put,
	.machine_get = sqlite_machine_get,
	.machine_delete = sqlite_machine_delete,
	.machine_all = sqlite_machine_all,
	.machine_fields = sqlite_machine_fields,
	.activation_add = sqlite_activation_add,
	.activation_history = sqlite_activation_history,
	.block = sqlite_block,
	.unblock = sqlite_unblock,
	.activation_list = sqlite_activation_list,
	.block_list = sqlite_block_list,
	.activation_counts = sqlite_activation_counts,
	.registration_add = sqlite_registration_add,
	.request_add = sqlite_request_add,
	.request_list = sqlite_request_list,
	.request_trim = sqlite_request_trim,
	.reset = sqlite_reset,
	.rows_read = sqlite_rows_read,
	.rows_write = sqlite_rows_write,
	.rows_done = sqlite_rows_done,
	.rows_count = sqlite_rows_count,
	.destroy = sqlite_destroy,
};
