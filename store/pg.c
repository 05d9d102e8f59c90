/* The PostgreSQL backend: a lab's records in one schema of a shared
 * database, so several server processes can serve the same lab.
 *
 * Every decision runs in one transaction that first locks the key's row
 * (SELECT ... FOR UPDATE); a second decider for the same key, on this
 * node or another, waits for the first to commit and then reads what it
 * wrote. Nothing is checked in one transaction and written in another. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "actsim/hwid.h"
#include "actsim/ids.h"
#include "actsim/time.h"
#include "lab_internal.h"
#include "pg_lazy.h"
#include "../common/internal.h"

#define PG_STMT_CACHE 64

struct pg_state {
	PGconn *conn;
	char host[256]; /* for messages: where the database should be */
	/* Server-side prepared statements by SQL text address, as in the
	 * SQLite backend; lost with the connection. */
	const char *stmts[PG_STMT_CACHE];
	unsigned nstmts;
};

/* Version 1 of the lab schema, as in the SQLite backend. Text columns
 * sort bytewise (COLLATE "C") like SQLite's, whatever the database's
 * locale. */
static const char pg_schema_v1[] =
	"CREATE TABLE meta(key TEXT COLLATE \"C\" PRIMARY KEY,"
	" value TEXT NOT NULL);"
	"CREATE TABLE keys("
	" key TEXT COLLATE \"C\" PRIMARY KEY,"
	" sku TEXT NOT NULL, platform TEXT NOT NULL, channel TEXT NOT NULL,"
	" r2 INTEGER NOT NULL, upgrade INTEGER NOT NULL,"
	" channel_id INTEGER NOT NULL, key_id BIGINT NOT NULL);"
	"CREATE INDEX keys_by_id ON keys(key_id);"
	"CREATE TABLE machines(name TEXT COLLATE \"C\" PRIMARY KEY,"
	" record TEXT NOT NULL);"
	"CREATE TABLE activations("
	" id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL,"
	" key TEXT COLLATE \"C\" NOT NULL, product_id TEXT NOT NULL,"
	" installation_id TEXT NOT NULL, hardware_hash TEXT NOT NULL,"
	" kind TEXT NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL,"
	" counted INTEGER NOT NULL, confirmation_id TEXT);"
	"CREATE INDEX activations_by_key ON activations(key, counted, result);"
	"CREATE INDEX activations_by_iid ON activations(installation_id);"
	"CREATE TABLE blocks(key TEXT COLLATE \"C\" PRIMARY KEY,"
	" reason TEXT NOT NULL, at BIGINT NOT NULL);"
	"CREATE TABLE registrations(id BIGSERIAL PRIMARY KEY,"
	" at BIGINT NOT NULL, product_id TEXT NOT NULL,"
	" contact BYTEA NOT NULL);"
	"CREATE TABLE request_log(id BIGSERIAL PRIMARY KEY,"
	" at BIGINT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL,"
	" status INTEGER NOT NULL, latency_us BIGINT NOT NULL);";

/* pg_migrations[v] takes a lab from version v-1 to v, in the same
 * transaction as the version row (store/lab.c has SQLite's). */
static const char *const pg_migrations[ACTSIM_LAB_SCHEMA_VERSION + 1] = {
	[2] = "CREATE INDEX activations_by_pid ON activations(product_id);",
	/* The fault injected into a request, NULL when none was. */
	[3] = "ALTER TABLE request_log ADD COLUMN fault TEXT;",
	/* The real time of the request beside the lab's, NULL before. */
	[4] = "ALTER TABLE request_log ADD COLUMN wall_at BIGINT;",
};

static struct pg_state *st_of(struct actsim_lab *lab)
{
	return lab->pg;
}

/* The first line of libpq's message, for one-line errors. */
static const char *first_line(const char *msg, char *buf, size_t cap)
{
	size_t n = strcspn(msg, "\n");

	if (n >= cap)
		n = cap - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

static actsim_err pg_unavailable(struct actsim_lab *lab)
{
	struct pg_state *s = st_of(lab);
	char line[512];

	return lab_fail(lab, ACTSIM_E_DB_UNAVAILABLE,
			"cannot reach the lab database on %s: %s", s->host,
			first_line(s->conn != NULL ?
					   PQerrorMessage(s->conn) :
					   "out of memory",
				   line, sizeof line));
}

static bool sqlstate_is(const PGresult *res, const char *prefix)
{
	const char *code = res != NULL ?
				   PQresultErrorField(res, PG_DIAG_SQLSTATE) :
				   NULL;

	return code != NULL && strncmp(code, prefix, strlen(prefix)) == 0;
}

/* Maps a failed result to an error: a lost or refused connection (class
 * 08, or the server shutting down, 57P) is ACTSIM_E_DB_UNAVAILABLE;
 * anything else ACTSIM_E_DB. Clears res. */
static actsim_err pg_fail(struct actsim_lab *lab, PGresult *res,
			  const char *what)
{
	struct pg_state *s = st_of(lab);
	char line[512];
	actsim_err e;

	if (PQstatus(s->conn) == CONNECTION_BAD || res == NULL ||
	    sqlstate_is(res, "08") || sqlstate_is(res, "57P"))
		e = pg_unavailable(lab);
	else
		e = lab_fail(lab, ACTSIM_E_DB, "lab database on %s: %s: %s",
			     s->host, what,
			     first_line(PQresultErrorMessage(res), line,
					sizeof line));
	PQclear(res);
	return e;
}

static void host_of(struct pg_state *s, const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	const char *host = NULL, *port = NULL;

	for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL;
	     o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0 ||
		    (host == NULL && strcmp(o->keyword, "hostaddr") == 0))
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	snprintf(s->host, sizeof s->host, "%s%s%s",
		 host != NULL ? host : "localhost", port != NULL ? ":" : "",
		 port != NULL ? port : "");
	PQconninfoFree(opts);
}

/* Connects without waiting long for a host that does not answer; a
 * connect_timeout in the URI wins. */
static PGconn *pg_dial(const char *url)
{
	static const char *const keys[] = { "connect_timeout", "dbname",
					    NULL };
	const char *values[] = { "5", url, NULL };

	return PQconnectdbParams(keys, values, 1);
}

/* (Re)connects and selects the lab's schema. */
static actsim_err pg_connect(struct actsim_lab *lab)
{
	struct pg_state *s = st_of(lab);
	char *ident, *sql;
	PGresult *res;
	size_t n;

	if (s->conn != NULL)
		PQfinish(s->conn);
	s->nstmts = 0;
	s->conn = pg_dial(lab->db_url);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK)
		return pg_unavailable(lab);
	ident = PQescapeIdentifier(s->conn, lab->db_schema,
				   strlen(lab->db_schema));
	if (ident == NULL)
		return pg_unavailable(lab);
	n = strlen(ident) + 64;
	sql = malloc(n);
	if (sql == NULL) {
		PQfreemem(ident);
		return ACTSIM_E_NOMEM;
	}
	snprintf(sql, n, "SET search_path TO %s", ident);
	PQfreemem(ident);
	res = PQexec(s->conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return pg_fail(lab, res, "cannot select the lab's schema");
	PQclear(res);
	/* Notices (such as "relation exists, skipping") are not for
	 * users. */
	res = PQexec(s->conn, "SET client_min_messages TO warning");
	PQclear(res);
	return ACTSIM_OK;
}

/* A lost connection is re-made at the start of the next transaction, so
 * a node recovers by itself when the database returns. */
static actsim_err pg_ensure(struct actsim_lab *lab)
{
	struct pg_state *s = st_of(lab);

	if (s->conn != NULL && PQstatus(s->conn) == CONNECTION_OK)
		return ACTSIM_OK;
	return pg_connect(lab);
}

static actsim_err pg_exec(struct actsim_lab *lab, const char *sql,
			  const char *what)
{
	PGresult *res;
	ExecStatusType rs;

	res = PQexec(st_of(lab)->conn, sql);
	rs = PQresultStatus(res);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		return pg_fail(lab, res, what);
	PQclear(res);
	return ACTSIM_OK;
}

/* Runs `sql` with text parameters, as a statement prepared once per
 * connection when `cached` (sql is then a string literal: its address
 * names the statement). On success *out holds the result (the caller
 * clears it) unless out is NULL. */
static actsim_err pg_run(struct actsim_lab *lab, const char *sql, int n,
			 const char *const *params, PGresult **out,
			 const char *what, bool cached)
{
	struct pg_state *s = st_of(lab);
	char name[16];
	unsigned i;
	PGresult *res;
	ExecStatusType rs;

	if (out != NULL)
		*out = NULL;
	if (PQstatus(s->conn) != CONNECTION_OK &&
	    PQtransactionStatus(s->conn) != PQTRANS_INTRANS &&
	    pg_ensure(lab) != ACTSIM_OK)
		return ACTSIM_E_DB_UNAVAILABLE;
	for (i = 0; cached && i < s->nstmts && s->stmts[i] != sql; i++)
		;
	if (!cached || i == s->nstmts) {
		if (!cached || i == PG_STMT_CACHE) {
			res = PQexecParams(s->conn, sql, n, NULL, params, NULL,
					   NULL, 0);
			goto done;
		}
		snprintf(name, sizeof name, "s%u", i);
		res = PQprepare(s->conn, name, sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			return pg_fail(lab, res, what);
		PQclear(res);
		s->stmts[s->nstmts++] = sql;
	}
	snprintf(name, sizeof name, "s%u", i);
	res = PQexecPrepared(s->conn, name, n, params, NULL, NULL, 0);
done:
	rs = PQresultStatus(res);
	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
		return pg_fail(lab, res, what);
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return ACTSIM_OK;
}

/* pg_run for a string literal. */
static actsim_err pg_q(struct actsim_lab *lab, const char *sql, int n,
		       const char *const *params, PGresult **out,
		       const char *what)
{
	return pg_run(lab, sql, n, params, out, what, true);
}

static long long rows_changed(PGresult *res)
{
	return strtoll(PQcmdTuples(res), NULL, 10);
}

static actsim_err pg_meta_set(struct actsim_lab *lab, const char *key,
			      const char *value)
{
	const char *p[2] = { key, value };

	return pg_q(lab,
		    "INSERT INTO meta(key, value) VALUES($1, $2) "
		    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
		    2, p, NULL, "cannot write metadata");
}

static actsim_err pg_meta_get(struct actsim_lab *lab, const char *key,
			      char **out)
{
	PGresult *res;
	actsim_err e;

	*out = NULL;
	e = pg_q(lab, "SELECT value FROM meta WHERE key = $1", 1, &key, &res,
		 "cannot read metadata");
	if (e != ACTSIM_OK)
		return e;
	if (PQntuples(res) > 0) {
		*out = strdup(PQgetvalue(res, 0, 0));
		if (*out == NULL)
			e = ACTSIM_E_NOMEM;
	}
	PQclear(res);
	return e;
}

/* libpq is loaded on the first PostgreSQL lab (pg_lazy.h). */
static actsim_err pg_load(struct actsim_lab *lab)
{
	const char *why = pq_lazy_load();

	return why == NULL ? ACTSIM_OK : lab_fail(lab, ACTSIM_E_DB, "%s", why);
}

static actsim_err pg_state_new(struct actsim_lab *lab)
{
	actsim_err e = pg_load(lab);

	if (e != ACTSIM_OK)
		return e;
	if (lab->pg == NULL) {
		lab->pg = calloc(1, sizeof *lab->pg);
		if (lab->pg == NULL)
			return ACTSIM_E_NOMEM;
	}
	host_of(lab->pg, lab->db_url);
	return ACTSIM_OK;
}

static int schema_version(struct actsim_lab *lab, actsim_err *e)
{
	char *v = NULL, *end;
	long n;

	*e = pg_meta_get(lab, "schema_version", &v);
	if (*e != ACTSIM_OK)
		return -1;
	if (v == NULL)
		return 0;
	n = strtol(v, &end, 10);
	if (*end != '\0' || n < 0 || n > 1000)
		n = 0;
	free(v);
	return (int)n;
}

/* Brings the schema to ACTSIM_LAB_SCHEMA_VERSION inside the caller's
 * transaction. */
static actsim_err pg_migrate(struct actsim_lab *lab, int from)
{
	char v[16];
	actsim_err e;

	for (int i = from + 1; i <= ACTSIM_LAB_SCHEMA_VERSION; i++) {
		if (pg_migrations[i] != NULL &&
		    (e = pg_exec(lab, pg_migrations[i],
				 "cannot migrate the schema")) != ACTSIM_OK)
			return e;
	}
	snprintf(v, sizeof v, "%d", ACTSIM_LAB_SCHEMA_VERSION);
	return pg_meta_set(lab, "schema_version", v);
}

static actsim_err pg_create(struct actsim_lab *lab, const char *catalog)
{
	char fp[ACTSIM_FINGERPRINT_HEX];
	char *ident, *sql;
	actsim_err e;
	PGresult *res;
	size_t n;

	e = pg_state_new(lab);
	if (e != ACTSIM_OK)
		return e;
	lab->pg->conn = pg_dial(lab->db_url);
	if (lab->pg->conn == NULL ||
	    PQstatus(lab->pg->conn) != CONNECTION_OK)
		return pg_unavailable(lab);
	ident = PQescapeIdentifier(lab->pg->conn, lab->db_schema,
				   strlen(lab->db_schema));
	if (ident == NULL)
		return pg_unavailable(lab);
	n = 2 * strlen(ident) + 128;
	sql = malloc(n);
	if (sql == NULL) {
		PQfreemem(ident);
		return ACTSIM_E_NOMEM;
	}
	/* The schema, its tables and the meta rows appear together or not
	 * at all. */
	snprintf(sql, n,
		 "SET client_min_messages TO warning; BEGIN;"
		 "CREATE SCHEMA %s; SET LOCAL search_path TO %s;",
		 ident, ident);
	PQfreemem(ident);
	res = PQexec(lab->pg->conn, sql);
	free(sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		if (sqlstate_is(res, "42P06")) {
			PQclear(res);
			e = lab_fail(lab, ACTSIM_E_LAB_EXISTS,
				     "the database on %s already holds a lab "
				     "in schema '%s'",
				     lab->pg->host, lab->db_schema);
		} else {
			e = pg_fail(lab, res, "cannot create the lab's schema");
		}
		pg_exec(lab, "ROLLBACK", "rollback");
		return e;
	}
	PQclear(res);
	actsim_realm_fingerprint(lab->realm, fp);
	e = pg_exec(lab, pg_schema_v1, "cannot create the lab's tables");
	if (e == ACTSIM_OK)
		e = pg_migrate(lab, 1);
	if (e == ACTSIM_OK)
		e = pg_meta_set(lab, "realm_fingerprint", fp);
	if (e == ACTSIM_OK &&
	    actsim_realm_private_fingerprint(lab->realm, fp) == ACTSIM_OK)
		e = pg_meta_set(lab, "realm_private_fingerprint", fp);
	if (e == ACTSIM_OK)
		e = pg_meta_set(lab, "catalog", catalog != NULL ? catalog : "");
	if (e == ACTSIM_OK)
		e = pg_meta_set(lab, "clock", ACTSIM_LAB_EPOCH_TEXT);
	if (e == ACTSIM_OK)
		e = pg_exec(lab, "COMMIT", "cannot commit the new lab");
	if (e != ACTSIM_OK) {
		PQclear(PQexec(lab->pg->conn, "ROLLBACK"));
		return e;
	}
	/* Later statements run outside the creating transaction. */
	return pg_connect(lab);
}

static actsim_err pg_open(struct actsim_lab *lab)
{
	int version;
	actsim_err e;

	e = pg_state_new(lab);
	if (e == ACTSIM_OK)
		e = pg_connect(lab);
	if (e != ACTSIM_OK)
		return e;
	version = schema_version(lab, &e);
	if (e == ACTSIM_E_DB)
		return lab_fail(lab, ACTSIM_E_NO_LAB,
				"lab '%s': the database on %s has no lab in "
				"schema '%s'",
				lab->dir, lab->pg->host, lab->db_schema);
	if (e != ACTSIM_OK)
		return e;
	if (version > ACTSIM_LAB_SCHEMA_VERSION)
		return lab_fail(lab, ACTSIM_E_LAB_VERSION,
				"lab '%s' has format version %d; this actsim "
				"reads up to %d",
				lab->dir, version, ACTSIM_LAB_SCHEMA_VERSION);
	if (version < 1)
		return lab_fail(lab, ACTSIM_E_DB,
				"lab '%s': schema '%s' on %s is damaged or not "
				"an actsim lab",
				lab->dir, lab->db_schema, lab->pg->host);
	if (version == ACTSIM_LAB_SCHEMA_VERSION)
		return ACTSIM_OK;
	/* Re-read with the version row locked: another node may have
	 * migrated meanwhile. */
	e = pg_exec(lab, "BEGIN", "cannot start a transaction");
	if (e == ACTSIM_OK)
		e = pg_exec(lab,
			    "SELECT value FROM meta WHERE key = "
			    "'schema_version' FOR UPDATE",
			    "cannot lock the schema version");
	if (e == ACTSIM_OK) {
		version = schema_version(lab, &e);
		if (e == ACTSIM_OK && version < ACTSIM_LAB_SCHEMA_VERSION)
			e = pg_migrate(lab, version);
	}
	if (e == ACTSIM_OK)
		e = pg_exec(lab, "COMMIT", "cannot commit the migration");
	if (e != ACTSIM_OK) {
		PQclear(PQexec(lab->pg->conn, "ROLLBACK"));
		return lab_fail(lab, e,
				"cannot migrate lab '%s' from format version "
				"%d: %s",
				lab->dir, version, actsim_lab_errmsg(lab));
	}
	return ACTSIM_OK;
}

static void pg_close(struct actsim_lab *lab)
{
	if (lab->pg == NULL)
		return;
	PQfinish(lab->pg->conn);
	free(lab->pg);
	lab->pg = NULL;
}

static actsim_err pg_begin(struct actsim_lab *lab, bool write)
{
	actsim_err e = pg_ensure(lab);

	(void)write; /* writers lock the rows they decide on */
	if (e != ACTSIM_OK)
		return e;
	e = pg_exec(lab, "BEGIN", "cannot start a transaction");
	/* The connection may have died while idle: one fresh try. */
	if (e == ACTSIM_E_DB_UNAVAILABLE && pg_connect(lab) == ACTSIM_OK)
		e = pg_exec(lab, "BEGIN", "cannot start a transaction");
	return e;
}

static actsim_err pg_commit(struct actsim_lab *lab)
{
	PGresult *res = PQexec(st_of(lab)->conn, "COMMIT");

	/* COMMIT of a failed transaction "succeeds" as ROLLBACK. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(res), "COMMIT") != 0)
		return pg_fail(lab, res, "cannot commit");
	PQclear(res);
	return ACTSIM_OK;
}

static void pg_rollback(struct actsim_lab *lab)
{
	PGconn *c = st_of(lab)->conn;

	if (c != NULL && PQtransactionStatus(c) != PQTRANS_IDLE &&
	    PQtransactionStatus(c) != PQTRANS_UNKNOWN)
		PQclear(PQexec(c, "ROLLBACK"));
}

static actsim_err pg_record_keys(struct actsim_lab *lab,
				 const struct actsim_pkey *keys, size_t n,
				 const struct actsim_keyconfig *cfg,
				 actsim_progress_fn progress, void *arg)
{
	PGconn *c;
	PGresult *res;
	char line[256];
	uint64_t key_id;
	uint32_t seq;
	actsim_err e;

	e = pg_begin(lab, true);
	if (e != ACTSIM_OK)
		return e;
	c = st_of(lab)->conn;
	/* COPY into a scratch table, then one INSERT that keeps keys
	 * already recorded: far faster than a statement per key. */
	e = pg_exec(lab,
		    "CREATE TEMP TABLE new_keys (LIKE keys) ON COMMIT DROP",
		    "cannot record keys");
	if (e != ACTSIM_OK)
		goto out;
	res = PQexec(c, "COPY new_keys FROM STDIN");
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		e = pg_fail(lab, res, "cannot record keys");
		goto out;
	}
	PQclear(res);
	for (size_t i = 0; i < n && e == ACTSIM_OK; i++) {
		char text[ACTSIM_PKEY_TEXT_BYTES];
		int len;

		actsim_pkey_format(text, &keys[i]);
		e = actsim_key_identity(&keys[i], &key_id, &seq);
		if (e != ACTSIM_OK)
			break;
		len = snprintf(line, sizeof line,
			       "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%lld\n", text,
			       cfg->sku, cfg->platform, cfg->channel,
			       cfg->r2 ? 1 : 0, keys[i].upgrade ? 1 : 0,
			       (int)keys[i].channel_id,
			       (long long)(int64_t)key_id);
		if (len < 0 || (size_t)len >= sizeof line ||
		    PQputCopyData(c, line, len) != 1) {
			e = pg_unavailable(lab);
			break;
		}
		if (progress != NULL && ((i + 1) % 8192 == 0 || i + 1 == n))
			progress(arg, i + 1, n);
	}
	if (PQputCopyEnd(c, e == ACTSIM_OK ? NULL : "cancelled") != 1 &&
	    e == ACTSIM_OK)
		e = pg_unavailable(lab);
	while ((res = PQgetResult(c)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && e == ACTSIM_OK)
			e = pg_fail(lab, res, "cannot record keys");
		else
			PQclear(res);
	}
	if (e == ACTSIM_OK)
		e = pg_exec(lab,
			    "INSERT INTO keys SELECT * FROM new_keys "
			    "ORDER BY key ON CONFLICT (key) DO NOTHING",
			    "cannot record keys");
out:
	if (e == ACTSIM_OK)
		e = pg_commit(lab);
	if (e != ACTSIM_OK)
		pg_rollback(lab);
	return e;
}

static actsim_err pg_counts(struct actsim_lab *lab,
			    struct actsim_lab_counts *out)
{
	PGresult *res;
	actsim_err e;

	e = pg_q(lab, "SELECT count(*) FROM keys", 0, NULL, &res,
		 "cannot count keys");
	if (e != ACTSIM_OK)
		return e;
	out->keys = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_key_by_id(struct actsim_lab *lab, uint64_t key_id,
			       char key[ACTSIM_PKEY_TEXT_BYTES], bool *found)
{
	char id[24];
	const char *p = id;
	PGresult *res;
	actsim_err e;

	snprintf(id, sizeof id, "%lld", (long long)(int64_t)key_id);
	e = pg_q(lab,
		 "SELECT key FROM keys WHERE key_id = $1 ORDER BY key LIMIT 1",
		 1, &p, &res, "cannot look up a key");
	if (e != ACTSIM_OK)
		return e;
	*found = PQntuples(res) > 0;
	if (*found)
		snprintf(key, ACTSIM_PKEY_TEXT_BYTES, "%s",
			 PQgetvalue(res, 0, 0));
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_key_blocked(struct actsim_lab *lab, const char *key,
				 bool *blocked)
{
	PGresult *res;
	actsim_err e;

	e = pg_q(lab, "SELECT 1 FROM blocks WHERE key = $1", 1, &key, &res,
		 "cannot read blocks");
	if (e != ACTSIM_OK)
		return e;
	*blocked = PQntuples(res) > 0;
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_machine_put(struct actsim_lab *lab, const char *name,
				 const json_t *record, bool create)
{
	char *text = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char *p[2] = { text, name };
	PGresult *res;
	actsim_err e;

	if (text == NULL)
		return ACTSIM_E_NOMEM;
	/* ON CONFLICT rather than a failed INSERT: an error would abort the
	 * caller's whole transaction. */
	e = pg_q(lab,
		 create ? "INSERT INTO machines(record, name) VALUES($1, $2) "
			  "ON CONFLICT (name) DO NOTHING" :
			  "UPDATE machines SET record = $1 WHERE name = $2",
		 2, p, &res, "cannot store a machine");
	free(text);
	if (e != ACTSIM_OK)
		return e;
	if (rows_changed(res) == 0)
		e = create ? lab_fail(lab, ACTSIM_E_EXISTS,
				      "a machine named '%s' already exists",
				      name) :
			     lab_fail(lab, ACTSIM_E_NOT_FOUND,
				      "no machine named '%s'", name);
	PQclear(res);
	return e;
}

static actsim_err pg_machine_get(struct actsim_lab *lab, const char *name,
				 json_t **record)
{
	PGresult *res;
	actsim_err e;

	*record = NULL;
	e = pg_q(lab, "SELECT record FROM machines WHERE name = $1", 1, &name,
		 &res, "cannot read a machine");
	if (e != ACTSIM_OK)
		return e;
	if (PQntuples(res) == 0) {
		e = lab_fail(lab, ACTSIM_E_NOT_FOUND, "no machine named '%s'",
			     name);
	} else {
		*record = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
		if (*record == NULL)
			e = lab_fail(lab, ACTSIM_E_DB,
				     "machine '%s': damaged record", name);
	}
	PQclear(res);
	return e;
}

/* Runs a DELETE of one row named by arg; NOT_FOUND with absent (a format
 * taking arg) when there was no such row. */
static actsim_err pg_delete_one(struct actsim_lab *lab, const char *sql,
				const char *arg, const char *what,
				const char *absent)
{
	PGresult *res;
	actsim_err e;

	e = pg_q(lab, sql, 1, &arg, &res, what);
	if (e != ACTSIM_OK)
		return e;
	if (rows_changed(res) == 0)
		e = lab_fail(lab, ACTSIM_E_NOT_FOUND, absent, arg);
	PQclear(res);
	return e;
}

static actsim_err pg_machine_delete(struct actsim_lab *lab, const char *name)
{
	return pg_delete_one(lab, "DELETE FROM machines WHERE name = $1", name,
			     "cannot delete a machine",
			     "no machine named '%s'");
}

static actsim_err pg_machine_all(struct actsim_lab *lab, json_t **records)
{
	PGresult *res;
	actsim_err e;

	*records = json_array();
	e = pg_q(lab, "SELECT record FROM machines ORDER BY name", 0, NULL,
		 &res, "cannot list machines");
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *r = json_loads(PQgetvalue(res, i, 0), 0, NULL);

		if (r == NULL) {
			e = lab_fail(lab, ACTSIM_E_DB, "damaged machine record");
			break;
		}
		json_array_append_new(*records, r);
	}
	PQclear(res);
	return e;
}

static actsim_err pg_machine_fields(struct actsim_lab *lab,
				    const char *const *fields, size_t n,
				    json_t **records)
{
	const char *values[ACTSIM_LAB_FIELDS_MAX];
	char *sql = lab_fields_sql(fields, n, "SELECT ", "(j -> '", "')::text",
				   " FROM (SELECT name, record::jsonb AS j"
				   " FROM machines) m ORDER BY name");
	PGresult *res;
	actsim_err e;

	*records = json_array();
	if (sql == NULL || *records == NULL) {
		free(sql);
		return lab_fail(lab, ACTSIM_E_NOMEM, "out of memory");
	}
	e = pg_run(lab, sql, 0, NULL, &res, "cannot list machines", false);
	free(sql);
	if (e != ACTSIM_OK)
		return e;
	for (int r = 0; e == ACTSIM_OK && r < PQntuples(res); r++) {
		for (size_t i = 0; i < n; i++)
			values[i] = PQgetisnull(res, r, (int)i) ?
					    NULL :
					    PQgetvalue(res, r, (int)i);
		e = lab_fields_row(lab, *records, fields, n, values);
	}
	PQclear(res);
	return e;
}

static actsim_err pg_activation_add(struct actsim_lab *lab,
				    struct actsim_activation_row *r)
{
	char at[24];
	const char *p[10];
	PGresult *res;
	actsim_err e;

	snprintf(at, sizeof at, "%lld", (long long)r->at);
	p[0] = at;
	p[1] = r->key;
	p[2] = r->product_id;
	p[3] = r->installation_id;
	p[4] = r->hardware_hash;
	p[5] = r->kind;
	p[6] = r->result;
	p[7] = r->reason;
	p[8] = r->counted ? "1" : "0";
	p[9] = r->confirmation_id; /* NULL stays NULL */
	e = pg_q(lab,
		 "INSERT INTO activations(at, key, product_id,"
		 " installation_id, hardware_hash, kind, result, reason,"
		 " counted, confirmation_id) "
		 "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
		 10, p, &res, "cannot record an activation");
	if (e != ACTSIM_OK)
		return e;
	r->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_activation_history(struct actsim_lab *lab,
					const char *key,
					const char *installation_id,
					struct actsim_prior_activation **prior,
					size_t *n, bool *same_iid)
{
	const char *p[2] = { key, installation_id };
	struct actsim_prior_activation *list = NULL;
	PGresult *res;
	actsim_err e;
	int rows;

	*prior = NULL;
	*n = 0;
	*same_iid = false;
	/* The decision's lock: held until the caller's transaction ends, so
	 * the history read below and the activation the caller writes next
	 * cannot interleave with another decision for this key. Under READ
	 * COMMITTED each later statement sees what the previous holder
	 * committed. */
	e = pg_q(lab, "SELECT 1 FROM keys WHERE key = $1 FOR UPDATE", 1, p,
		 NULL, "cannot lock a key");
	if (e != ACTSIM_OK)
		return e;
	e = pg_q(lab,
		 "SELECT hardware_hash, at FROM activations "
		 "WHERE key = $1 AND result = 'OK' AND counted = 1 ORDER BY id",
		 1, p, &res, "cannot read activations");
	if (e != ACTSIM_OK)
		return e;
	rows = PQntuples(res);
	if (rows > 0) {
		list = calloc((size_t)rows, sizeof *list);
		if (list == NULL) {
			PQclear(res);
			return ACTSIM_E_NOMEM;
		}
	}
	for (int i = 0; i < rows; i++) {
		if (actsim_hw_hash_parse(PQgetvalue(res, i, 0),
					 &list[i].hardware_hash) !=
		    ACTSIM_OK) {
			e = lab_fail(lab, ACTSIM_E_DB,
				     "damaged activation record");
			break;
		}
		list[i].at = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		list[i].counted = true;
	}
	PQclear(res);
	if (e == ACTSIM_OK)
		e = pg_q(lab,
			 "SELECT 1 FROM activations WHERE key = $1 AND "
			 "installation_id = $2 AND result = 'OK' LIMIT 1",
			 2, p, &res, "cannot read activations");
	if (e != ACTSIM_OK) {
		free(list);
		return e;
	}
	*same_iid = PQntuples(res) > 0;
	PQclear(res);
	*prior = list;
	*n = (size_t)rows;
	return ACTSIM_OK;
}

static actsim_err pg_block(struct actsim_lab *lab, const char *key,
			   const char *reason, int64_t at)
{
	char t[24];
	const char *p[3] = { key, reason, t };

	snprintf(t, sizeof t, "%lld", (long long)at);
	return pg_q(lab,
		    "INSERT INTO blocks(key, reason, at) VALUES($1, $2, $3) "
		    "ON CONFLICT (key) DO NOTHING",
		    3, p, NULL, "cannot block a key");
}

static actsim_err pg_unblock(struct actsim_lab *lab, const char *key)
{
	return pg_delete_one(lab, "DELETE FROM blocks WHERE key = $1", key,
			     "cannot unblock a key", "key '%s' is not blocked");
}

static json_t *value_text(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ?
		       json_null() :
		       json_string(PQgetvalue(res, row, col));
}

static json_t *value_time(PGresult *res, int row, int col)
{
	char buf[ACTSIM_TIME_TEXT_BYTES];

	actsim_time_format(buf,
			   strtoll(PQgetvalue(res, row, col), NULL, 10));
	return json_string(buf);
}

static actsim_err pg_activation_list(struct actsim_lab *lab,
				     const char *product_key,
				     const char *product_id, size_t limit,
				     json_t **out)
{
	char lim[24];
	const char *p[3] = { product_key, product_id, lim };
	PGresult *res;
	actsim_err e;

	*out = json_array();
	snprintf(lim, sizeof lim, "%zu", limit > INT64_MAX ? INT64_MAX : limit);
	e = pg_q(lab,
		 "SELECT id, key, product_id, installation_id, hardware_hash,"
		 " confirmation_id, kind, at FROM activations "
		 "WHERE result = 'OK' AND ($1::text IS NULL OR key = $1) AND"
		 " ($2::text IS NULL OR product_id = $2) "
		 "ORDER BY id LIMIT $3",
		 3, p, &res, "cannot list activations");
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(
			*out,
			json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
				  "activation_id",
				  (json_int_t)strtoll(PQgetvalue(res, i, 0),
						      NULL, 10),
				  "product_key", value_text(res, i, 1),
				  "product_id", value_text(res, i, 2),
				  "installation_id", value_text(res, i, 3),
				  "hardware_hash", value_text(res, i, 4),
				  "confirmation_id", value_text(res, i, 5),
				  "kind", value_text(res, i, 6), "at",
				  value_time(res, i, 7)));
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_registration_add(struct actsim_lab *lab, int64_t at,
				      const char *product_id,
				      const uint8_t *contact, size_t len,
				      int64_t *id)
{
	char t[24];
	char *hex = malloc(2 * len + 3);
	const char *p[3] = { t, product_id, hex };
	PGresult *res;
	actsim_err e;

	if (hex == NULL)
		return ACTSIM_E_NOMEM;
	/* bytea's hex input form. */
	hex[0] = '\\';
	hex[1] = 'x';
	actsim_hex(hex + 2, contact, len);
	snprintf(t, sizeof t, "%lld", (long long)at);
	e = pg_q(lab,
		 "INSERT INTO registrations(at, product_id, contact) "
		 "VALUES($1, $2, $3) RETURNING id",
		 3, p, &res, "cannot store a registration");
	free(hex);
	if (e != ACTSIM_OK)
		return e;
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_request_add(struct actsim_lab *lab, int64_t at,
				 const char *method, const char *route,
				 int status, const char *fault,
				 int64_t latency_us, int64_t wall_at)
{
	char t[24], s[16], l[24], w[24];
	const char *p[7] = { t, method, route, s, l, fault, w };

	snprintf(t, sizeof t, "%lld", (long long)at);
	snprintf(s, sizeof s, "%d", status);
	snprintf(l, sizeof l, "%lld", (long long)latency_us);
	snprintf(w, sizeof w, "%lld", (long long)wall_at);
	return pg_q(lab,
		    "INSERT INTO request_log(at, method, route, status,"
		    " latency_us, fault, wall_at)"
		    " VALUES($1, $2, $3, $4, $5, $6, $7)",
		    7, p, NULL, "cannot log a request");
}

static actsim_err pg_request_trim(struct actsim_lab *lab, int64_t keep,
				  int64_t *removed)
{
	char k[24];
	const char *p = k;
	PGresult *res;
	actsim_err e;

	snprintf(k, sizeof k, "%lld", (long long)keep);
	e = pg_q(lab,
		 "DELETE FROM request_log WHERE id <= "
		 "(SELECT max(id) FROM request_log) - $1::bigint",
		 1, &p, &res, "cannot trim the request log");
	if (e != ACTSIM_OK)
		return e;
	*removed = rows_changed(res);
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_request_list(struct actsim_lab *lab, size_t limit,
				  json_t **out)
{
	char lim[24];
	const char *p = lim;
	PGresult *res;
	actsim_err e;

	*out = json_array();
	snprintf(lim, sizeof lim, "%zu", limit > INT64_MAX ? INT64_MAX : limit);
	e = pg_q(lab,
		 "SELECT at, method, route, status, latency_us, fault,"
		 " wall_at FROM "
		 "(SELECT * FROM request_log ORDER BY id DESC LIMIT $1) r "
		 "ORDER BY id",
		 1, &p, &res, "cannot read the request log");
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(
			*out,
			json_pack("{s:o,s:o,s:o,s:o,s:i,s:f,s:o}", "at",
				  value_time(res, i, 0), "wall_at",
				  PQgetisnull(res, i, 6) ? json_null() :
							   value_time(res, i, 6), "method",
				  value_text(res, i, 1), "route",
				  value_text(res, i, 2), "status",
				  (int)strtol(PQgetvalue(res, i, 3), NULL, 10),
				  "latency_ms",
				  (double)strtoll(PQgetvalue(res, i, 4), NULL,
						  10) /
					  1000.0,
				  "fault", value_text(res, i, 5)));
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_block_list(struct actsim_lab *lab, size_t limit,
				json_t **out)
{
	char lim[24];
	const char *p = lim;
	PGresult *res;
	actsim_err e;

	*out = json_array();
	snprintf(lim, sizeof lim, "%zu", limit > INT64_MAX ? INT64_MAX : limit);
	e = pg_q(lab, "SELECT key, reason, at FROM blocks ORDER BY at, key "
		      "LIMIT $1",
		 1, &p, &res, "cannot list blocked keys");
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(
			*out, json_pack("{s:o,s:o,s:o}", "product_key",
					value_text(res, i, 0), "reason",
					value_text(res, i, 1), "at",
					value_time(res, i, 2)));
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_activation_counts(struct actsim_lab *lab, json_t **out)
{
	PGresult *res;
	actsim_err e;

	*out = json_array();
	e = pg_q(lab,
		 "SELECT coalesce(k.channel, 'unknown') AS ch, a.result,"
		 " count(*) FROM activations a LEFT JOIN keys k"
		 " ON k.key = a.key GROUP BY ch, a.result ORDER BY ch, a.result",
		 0, NULL, &res, "cannot count activations");
	if (e != ACTSIM_OK)
		return e;
	for (int i = 0; i < PQntuples(res); i++)
		json_array_append_new(
			*out,
			json_pack("{s:o,s:o,s:I}", "channel",
				  value_text(res, i, 0), "result",
				  value_text(res, i, 1), "count",
				  (json_int_t)strtoll(PQgetvalue(res, i, 2),
						      NULL, 10)));
	PQclear(res);
	return ACTSIM_OK;
}

static actsim_err pg_reset(struct actsim_lab *lab)
{
	return pg_exec(lab, LAB_RESET_SQL, "cannot reset the lab");
}

/* ---- copying (lab migrate) ---- */

static const char pg_select_registrations[] =
	"SELECT id, at, product_id, encode(contact, 'hex') "
	"FROM registrations ORDER BY id";

static const char *const pg_insert[LAB_T_COUNT] = {
	[LAB_T_META] = "INSERT INTO meta(key, value) VALUES($1, $2) "
		       "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
	[LAB_T_KEYS] = "INSERT INTO keys(key, sku, platform, channel, r2,"
		       " upgrade, channel_id, key_id) "
		       "VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
	[LAB_T_MACHINES] = "INSERT INTO machines(name, record) "
			   "VALUES($1, $2)",
	[LAB_T_ACTIVATIONS] = "INSERT INTO activations(id, at, key,"
			      " product_id, installation_id, hardware_hash,"
			      " kind, result, reason, counted,"
			      " confirmation_id) "
			      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
			      " $11)",
	[LAB_T_BLOCKS] = "INSERT INTO blocks(key, reason, at) "
			 "VALUES($1, $2, $3)",
	[LAB_T_REGISTRATIONS] = "INSERT INTO registrations(id, at, product_id,"
				" contact) "
				"VALUES($1, $2, $3, decode($4, 'hex'))",
	[LAB_T_REQUEST_LOG] = "INSERT INTO request_log(id, at, method, route,"
			      " status, latency_us, fault, wall_at) "
			      "VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
};

static const char *const pg_count[LAB_T_COUNT] = {
	[LAB_T_META] = "SELECT count(*) FROM meta",
	[LAB_T_KEYS] = "SELECT count(*) FROM keys",
	[LAB_T_MACHINES] = "SELECT count(*) FROM machines",
	[LAB_T_ACTIVATIONS] = "SELECT count(*) FROM activations",
	[LAB_T_BLOCKS] = "SELECT count(*) FROM blocks",
	[LAB_T_REGISTRATIONS] = "SELECT count(*) FROM registrations",
	[LAB_T_REQUEST_LOG] = "SELECT count(*) FROM request_log",
};

/* Numbering after a copy with explicit ids. */
static const char *const pg_serial[LAB_T_COUNT] = {
	[LAB_T_ACTIVATIONS] =
		"SELECT setval(pg_get_serial_sequence('activations', 'id'),"
		" COALESCE((SELECT max(id) FROM activations), 0) + 1, false)",
	[LAB_T_REGISTRATIONS] =
		"SELECT setval(pg_get_serial_sequence('registrations', 'id'),"
		" COALESCE((SELECT max(id) FROM registrations), 0) + 1, false)",
	[LAB_T_REQUEST_LOG] =
		"SELECT setval(pg_get_serial_sequence('request_log', 'id'),"
		" COALESCE((SELECT max(id) FROM request_log), 0) + 1, false)",
};

static actsim_err pg_rows_read(struct actsim_lab *lab, enum lab_table t,
			       lab_row_fn fn, void *arg)
{
	int cols = (int)strlen(lab_columns[t]);
	const char *values[16];
	PGresult *res;
	actsim_err e;

	e = pg_q(lab,
		 t == LAB_T_REGISTRATIONS ? pg_select_registrations :
					    lab_copy_select[t],
		 0, NULL, &res,
		 "cannot read the lab for copying");
	for (int r = 0; e == ACTSIM_OK && r < PQntuples(res); r++) {
		for (int c = 0; c < cols; c++)
			values[c] = PQgetisnull(res, r, c) ?
					    NULL :
					    PQgetvalue(res, r, c);
		e = fn(arg, values);
	}
	PQclear(res);
	return e;
}

static actsim_err pg_rows_write(struct actsim_lab *lab, enum lab_table t,
				const char *const *values)
{
	return pg_q(lab, pg_insert[t], (int)strlen(lab_columns[t]), values,
		    NULL, "cannot copy a row");
}

static actsim_err pg_rows_done(struct actsim_lab *lab, enum lab_table t)
{
	if (pg_serial[t] == NULL)
		return ACTSIM_OK;
	return pg_q(lab, pg_serial[t], 0, NULL, NULL,
		    "cannot continue the numbering");
}

static actsim_err pg_rows_count(struct actsim_lab *lab, enum lab_table t,
				int64_t *n)
{
	PGresult *res;
	actsim_err e = pg_q(lab, pg_count[t], 0, NULL, &res,
			    "cannot count rows");

	if (e != ACTSIM_OK)
		return e;
	*n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return ACTSIM_OK;
}

static void pg_destroy(struct actsim_lab *lab)
{
	char *ident, sql[256];

	if (lab->pg == NULL || pg_ensure(lab) != ACTSIM_OK)
		return;
	pg_rollback(lab);
	ident = PQescapeIdentifier(lab->pg->conn, lab->db_schema,
				   strlen(lab->db_schema));
	if (ident == NULL)
		return;
	snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", ident);
	PQfreemem(ident);
	PQclear(PQexec(lab->pg->conn, sql));
	pg_close(lab);
}

const struct lab_backend lab_backend_pg = {
	.name = "postgresql",
	.create = pg_create,
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.meta_get = pg_meta_get,
	.meta_set = pg_meta_set,
	.record_keys = pg_record_keys,
	.counts = pg_counts,
	.key_by_id = pg_key_by_id,
	.key_blocked = pg_key_blocked,
	.machine_put = pg_machine_put,
	.machine_get = pg_machine_get,
	.machine_delete = pg_machine_delete,
	.machine_all = pg_machine_all,
	.machine_fields = pg_machine_fields,
	.activation_add = pg_activation_add,
	.activation_history = pg_activation_history,
	.block = pg_block,
	.unblock = pg_unblock,
	.activation_list = pg_activation_list,
	.block_list = pg_block_list,
	.activation_counts = pg_activation_counts,
	.registration_add = pg_registration_add,
	.request_add = pg_request_add,
	.request_list = pg_request_list,
	.request_trim = pg_request_trim,
	.reset = pg_reset,
	.rows_read = pg_rows_read,
	.rows_write = pg_rows_write,
	.rows_done = pg_rows_done,
	.rows_count = pg_rows_count,
	.destroy = pg_destroy,
};

actsim_err pg_check_url(struct actsim_lab *lab, const char *url)
{
	PQconninfoOption *opts;
	char *why = NULL, line[256];
	actsim_err e = ACTSIM_OK;

	if (strncmp(url, "postgresql://", 13) != 0 &&
	    strncmp(url, "postgres://", 11) != 0)
		return lab_fail(lab, ACTSIM_E_INVALID_ARG,
				"--database takes a postgresql:// URI, not "
				"'%s'",
				url);
	e = pg_load(lab);
	if (e != ACTSIM_OK)
		return e;
	opts = PQconninfoParse(url, &why);
	if (opts == NULL) {
		e = lab_fail(lab, ACTSIM_E_INVALID_ARG,
			     "malformed database URI '%s': %s", url,
			     why != NULL ? first_line(why, line, sizeof line) :
					   "out of memory");
		PQfreemem(why);
		return e;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL &&
		    o->val[0] != '\0')
			e = lab_fail(lab, ACTSIM_E_INVALID_ARG,
				     "the database URI holds a password; "
				     "give it in PGPASSWORD or ~/.pgpass "
				     "instead, actsim never stores one");
	PQconninfoFree(opts);
	return e;
}
