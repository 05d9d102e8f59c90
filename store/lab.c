#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "actsim/ids.h"
#include "lab_internal.h"
#include "../common/internal.h"

#define REALM_PUBLIC "realm.json"
#define REALM_PRIVATE "realm-private.json"
#define REALM_FILE_CAP (64u << 10)
#define ADMIN_TOKEN "admin-token"
#define DB_CONFIG "database.json"

/* Version 1 of the lab database. Times are seconds since the epoch on
 * the lab clock; hashes are hex text as shown to users. */
static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE keys("
	" key TEXT PRIMARY KEY,"
	" sku TEXT NOT NULL, platform TEXT NOT NULL, channel TEXT NOT NULL,"
	" r2 INTEGER NOT NULL, upgrade INTEGER NOT NULL,"
	" channel_id INTEGER NOT NULL, key_id INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX keys_by_id ON keys(key_id);"
	"CREATE TABLE machines("
	" name TEXT PRIMARY KEY, record TEXT NOT NULL);"
	"CREATE TABLE activations("
	" id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" key TEXT NOT NULL, product_id TEXT NOT NULL,"
	" installation_id TEXT NOT NULL, hardware_hash TEXT NOT NULL,"
	" kind TEXT NOT NULL, result TEXT NOT NULL, reason TEXT NOT NULL,"
	" counted INTEGER NOT NULL, confirmation_id TEXT);"
	"CREATE INDEX activations_by_key ON activations(key, counted, result);"
	"CREATE INDEX activations_by_iid ON activations(installation_id);"
	"CREATE TABLE blocks(key TEXT PRIMARY KEY, reason TEXT NOT NULL,"
	" at INTEGER NOT NULL);"
	"CREATE TABLE registrations(id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL, product_id TEXT NOT NULL,"
	" contact BLOB NOT NULL);"
	"CREATE TABLE request_log(id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" method TEXT NOT NULL, route TEXT NOT NULL, status INTEGER NOT NULL,"
	" latency_us INTEGER NOT NULL);"
	"PRAGMA user_version = 1;";

/* Forward migrations: migrations[v] takes a lab from version v-1 to v.
 * They run in one transaction when a lab is opened, so a lab is either
 * wholly at the old version or wholly at the new one. */
static const char *const migrations[ACTSIM_LAB_SCHEMA_VERSION + 1] = {
	[2] = "CREATE INDEX activations_by_pid ON activations(product_id);",
	/* The fault injected into a request, NULL when none was. */
	[3] = "ALTER TABLE request_log ADD COLUMN fault TEXT;",
	/* The real time of the request beside the lab's, NULL before. */
	[4] = "ALTER TABLE request_log ADD COLUMN wall_at INTEGER;",
};

actsim_err lab_fail(struct actsim_lab *lab, actsim_err e, const char *fmt,
		    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(lab->errmsg, sizeof lab->errmsg, fmt, ap);
	va_end(ap);
	lab->errcode = e;
	return e;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static bool exists(const char *dir, const char *name)
{
	char *p = path_join(dir, name);
	struct stat st;
	bool ok = p != NULL && lstat(p, &st) == 0;

	free(p);
	return ok;
}

static actsim_err mkdir_p(struct actsim_lab *lab, const char *dir)
{
	char buf[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof buf)
		return lab_fail(lab, ACTSIM_E_IO, "lab path '%s' is too long",
				dir);
	memcpy(buf, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return lab_fail(lab, ACTSIM_E_IO,
					"cannot create lab directory '%s': %s",
					buf, strerror(errno));
		buf[i] = i == n ? '\0' : '/';
	}
	return ACTSIM_OK;
}

/* Makes a unique temporary file beside the lab's files ("DIR/.tmp-XXXXXX")
 * so concurrent writers never share one; *path is its name, *fd open. */
static actsim_err temp_file(struct actsim_lab *lab, char **path, int *fd)
{
	*path = path_join(lab->dir, ".tmp-XXXXXX");
	if (*path == NULL)
		return ACTSIM_E_NOMEM;
	*fd = mkstemp(*path);
	if (*fd < 0) {
		free(*path);
		*path = NULL;
		return lab_fail(lab, ACTSIM_E_IO,
				"cannot create a file in '%s': %s", lab->dir,
				strerror(errno));
	}
	(void)fcntl(*fd, F_SETFD, FD_CLOEXEC);
	return ACTSIM_OK;
}

/* Writes data to a new temporary file, synced, with the given mode; *tmp
 * is its name, for the caller to rename into place (so a crash leaves
 * either the old file or the whole new one) or to unlink. */
static actsim_err write_temp(struct actsim_lab *lab, const char *data,
			     mode_t mode, char **tmp)
{
	size_t len = strlen(data), off = 0;
	int fd;
	actsim_err e = temp_file(lab, tmp, &fd);

	if (e != ACTSIM_OK)
		return e;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = lab_fail(lab, ACTSIM_E_IO, "cannot write '%s': %s",
				     *tmp, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (e == ACTSIM_OK && (fchmod(fd, mode) != 0 || fsync(fd) != 0))
		e = lab_fail(lab, ACTSIM_E_IO, "cannot sync '%s': %s", *tmp,
			     strerror(errno));
	if (close(fd) != 0 && e == ACTSIM_OK)
		e = lab_fail(lab, ACTSIM_E_IO, "cannot write '%s': %s", *tmp,
			     strerror(errno));
	if (e != ACTSIM_OK) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return e;
}

/* Renames a file from write_temp or temp_file into place as DIR/name. */
static actsim_err rename_into(struct actsim_lab *lab, char **tmp,
			      const char *name)
{
	char *path = path_join(lab->dir, name);
	actsim_err e = ACTSIM_OK;

	if (path == NULL)
		return ACTSIM_E_NOMEM;
	if (rename(*tmp, path) != 0)
		e = lab_fail(lab, ACTSIM_E_IO, "cannot rename '%s' to '%s': %s",
			     *tmp, path, strerror(errno));
	else {
		free(*tmp);
		*tmp = NULL;
	}
	free(path);
	return e;
}

static actsim_err read_file(struct actsim_lab *lab, const char *name,
			    char **out)
{
	char *path = path_join(lab->dir, name);
	char *buf = NULL;
	FILE *f;
	size_t n;
	actsim_err e = ACTSIM_OK;

	*out = NULL;
	if (path == NULL)
		return ACTSIM_E_NOMEM;
	f = fopen(path, "rb");
	if (f == NULL) {
		e = lab_fail(lab, ACTSIM_E_IO, "cannot open '%s': %s", path,
			     strerror(errno));
		goto out;
	}
	buf = malloc(REALM_FILE_CAP + 1);
	if (buf == NULL) {
		e = ACTSIM_E_NOMEM;
	} else {
		n = fread(buf, 1, REALM_FILE_CAP + 1, f);
		if (ferror(f))
			e = lab_fail(lab, ACTSIM_E_IO, "cannot read '%s': %s",
				     path, strerror(errno));
		else if (n > REALM_FILE_CAP)
			e = lab_fail(lab, ACTSIM_E_REALM,
				     "'%s' is larger than %u bytes", path,
				     REALM_FILE_CAP);
		else
			buf[n] = '\0';
	}
	fclose(f);
	if (e == ACTSIM_OK) {
		*out = buf;
		buf = NULL;
	}
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, REALM_FILE_CAP + 1);
		free(buf);
	}
	free(path);
	return e;
}

actsim_err db_fail(struct actsim_lab *lab, const char *what)
{
	if (lab->db != NULL && (sqlite3_errcode(lab->db) & 0xff) == SQLITE_BUSY)
		return lab_fail(lab, ACTSIM_E_LAB_BUSY,
				"lab '%s' is busy: another process held it "
				"for more than %d ms",
				lab->dir, lab->busy_ms);
	return lab_fail(lab, ACTSIM_E_DB, "lab database '%s/%s': %s: %s",
			lab->dir, LAB_DB, what,
			lab->db != NULL ? sqlite3_errmsg(lab->db) :
					  "not open");
}

actsim_err db_prepare(struct actsim_lab *lab, const char *sql,
		      sqlite3_stmt **st)
{
	size_t i;

	for (i = 0; i < LAB_STMT_CACHE && lab->stmts[i].sql != NULL; i++) {
		if (lab->stmts[i].sql == sql) {
			*st = lab->stmts[i].st;
			return ACTSIM_OK;
		}
	}
	if (sqlite3_prepare_v3(lab->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) != SQLITE_OK)
		return db_fail(lab, "cannot prepare a statement");
	if (i < LAB_STMT_CACHE) {
		lab->stmts[i].sql = sql;
		lab->stmts[i].st = *st;
	}
	return ACTSIM_OK;
}

void db_release(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void db_cache_clear(struct actsim_lab *lab)
{
	for (size_t i = 0; i < LAB_STMT_CACHE; i++) {
		sqlite3_finalize(lab->stmts[i].st);
		lab->stmts[i].sql = NULL;
		lab->stmts[i].st = NULL;
	}
}

actsim_err db_exec(struct actsim_lab *lab, const char *sql)
{
	if (sqlite3_exec(lab->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(lab, "statement failed");
	return ACTSIM_OK;
}

static actsim_err db_open(struct actsim_lab *lab, const char *name,
			  bool create)
{
	char *path = path_join(lab->dir, name);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	actsim_err e = ACTSIM_OK;

	if (path == NULL)
		return ACTSIM_E_NOMEM;
	if (sqlite3_open_v2(path, &lab->db, flags, NULL) != SQLITE_OK)
		e = db_fail(lab, "cannot open");
	free(path);
	if (e != ACTSIM_OK)
		return e;
	actsim_lab_set_busy_timeout(lab, lab->busy_ms);
	sqlite3_extended_result_codes(lab->db, 1);
	/* Keep an existing lab's WAL file between processes: creating and
	 * deleting it on every open and close was a large part of a short
	 * command's time. (Not while creating: that database is renamed.) */
	if (!create) {
		int persist = 1;

		sqlite3_file_control(lab->db, "main", SQLITE_FCNTL_PERSIST_WAL,
				     &persist);
	}
	/* FULL in WAL mode: a commit is on disk before the caller sees OK.
	 * journal_size_limit=0: the last connection to close checkpoints
	 * and empties the kept WAL file; left full, every later process
	 * would find the same frames, copy them again and sync the
	 * database three times on closing, even one that only read. */
	return db_exec(lab, "PRAGMA journal_mode=WAL;"
			    "PRAGMA synchronous=FULL;"
			    "PRAGMA journal_size_limit=0;"
			    "PRAGMA foreign_keys=ON;");
}

actsim_err meta_set(struct actsim_lab *lab, const char *key,
			   const char *value)
{
	sqlite3_stmt *st;
	actsim_err e = ACTSIM_OK;

	if (db_prepare(lab,
		       "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)",
		       &st) != ACTSIM_OK)
		return ACTSIM_E_DB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = db_fail(lab, "cannot write metadata");
	db_release(st);
	return e;
}

/* *out is NULL when the key is absent. */
actsim_err meta_get(struct actsim_lab *lab, const char *key,
			   char **out)
{
	sqlite3_stmt *st;
	actsim_err e = ACTSIM_OK;
	int rc;

	*out = NULL;
	if (db_prepare(lab, "SELECT value FROM meta WHERE key = ?", &st) !=
	    ACTSIM_OK)
		return ACTSIM_E_DB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = strdup((const char *)sqlite3_column_text(st, 0));
		if (*out == NULL)
			e = ACTSIM_E_NOMEM;
	} else if (rc != SQLITE_DONE) {
		e = db_fail(lab, "cannot read metadata");
	}
	db_release(st);
	return e;
}

static struct actsim_lab *lab_new(const char *dir)
{
	struct actsim_lab *lab = calloc(1, sizeof *lab);

	if (lab == NULL)
		return NULL;
	lab->dir = strdup(dir);
	if (lab->dir == NULL) {
		free(lab);
		return NULL;
	}
	lab->busy_ms = ACTSIM_LAB_BUSY_WAIT_MS;
	return lab;
}

static void remove_lab_files(const char *dir)
{
	static const char *const names[] = { REALM_PUBLIC, REALM_PRIVATE,
					     ADMIN_TOKEN, DB_CONFIG, LAB_DB,
					     LAB_DB "-wal", LAB_DB "-shm" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *p = path_join(dir, names[i]);

		if (p != NULL)
			unlink(p);
		free(p);
	}
}

static int user_version(struct actsim_lab *lab)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(lab->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Brings the schema up to ACTSIM_LAB_SCHEMA_VERSION inside the caller's
 * transaction. */
static actsim_err migrate(struct actsim_lab *lab, int from)
{
	char sql[64];
	actsim_err e;

	for (int v = from + 1; v <= ACTSIM_LAB_SCHEMA_VERSION; v++) {
		if (migrations[v] != NULL &&
		    (e = db_exec(lab, migrations[v])) != ACTSIM_OK)
			return e;
	}
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
		 ACTSIM_LAB_SCHEMA_VERSION);
	return db_exec(lab, sql);
}

/* Makes the database in a new temporary file, closes it (closing the last
 * connection checkpoints and removes the WAL, so the file alone is the
 * whole database), renames it into place and opens it: an init that fails
 * leaves no database, and one that succeeds never a partial one. */
actsim_err sqlite_create(struct actsim_lab *lab, const char *catalog)
{
	char fp[ACTSIM_FINGERPRINT_HEX], *tmp;
	int fd;
	actsim_err e = temp_file(lab, &tmp, &fd);

	if (e != ACTSIM_OK)
		return e;
	close(fd);
	e = db_open(lab, tmp + strlen(lab->dir) + 1, true);
	actsim_realm_fingerprint(lab->realm, fp);
	if (e == ACTSIM_OK)
		e = db_exec(lab, "BEGIN IMMEDIATE");
	if (e == ACTSIM_OK)
		e = db_exec(lab, schema_v1);
	if (e == ACTSIM_OK)
		e = migrate(lab, 1);
	if (e == ACTSIM_OK)
		e = meta_set(lab, "realm_fingerprint", fp);
	/* lets later opens recognise the private file made with the lab */
	if (e == ACTSIM_OK &&
	    actsim_realm_private_fingerprint(lab->realm, fp) == ACTSIM_OK)
		e = meta_set(lab, "realm_private_fingerprint", fp);
	if (e == ACTSIM_OK)
		e = meta_set(lab, "catalog", catalog != NULL ? catalog : "");
	if (e == ACTSIM_OK)
		e = meta_set(lab, "clock", ACTSIM_LAB_EPOCH_TEXT);
	if (e == ACTSIM_OK)
		e = db_exec(lab, "COMMIT");
	else if (lab->db != NULL)
		sqlite3_exec(lab->db, "ROLLBACK", NULL, NULL, NULL);
	db_cache_clear(lab);
	if (sqlite3_close(lab->db) != SQLITE_OK && e == ACTSIM_OK)
		e = lab_fail(lab, ACTSIM_E_DB, "cannot close '%s'", tmp);
	lab->db = NULL;
	if (e == ACTSIM_OK)
		e = rename_into(lab, &tmp, LAB_DB);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	if (e == ACTSIM_OK)
		e = db_open(lab, LAB_DB, false);
	return e;
}

actsim_err sqlite_open(struct actsim_lab *lab)
{
	int version;
	actsim_err e;

	e = db_open(lab, LAB_DB, false);
	if (e != ACTSIM_OK)
		return e;
	version = user_version(lab);
	if (version < 0)
		return lab_fail(lab, ACTSIM_E_DB,
				"lab database '%s/%s' is damaged: %s",
				lab->dir, LAB_DB, sqlite3_errmsg(lab->db));
	if (version > ACTSIM_LAB_SCHEMA_VERSION)
		return lab_fail(lab, ACTSIM_E_LAB_VERSION,
				"lab '%s' has format version %d; this actsim "
				"reads up to %d",
				lab->dir, version, ACTSIM_LAB_SCHEMA_VERSION);
	if (version < 1)
		return lab_fail(lab, ACTSIM_E_DB,
				"lab database '%s/%s' is damaged or not an "
				"actsim lab",
				lab->dir, LAB_DB);
	if (version == ACTSIM_LAB_SCHEMA_VERSION)
		return ACTSIM_OK;
	/* Re-read under the write lock: another process may have migrated
	 * meanwhile. */
	e = db_exec(lab, "BEGIN IMMEDIATE");
	if (e == ACTSIM_OK) {
		version = user_version(lab);
		if (version < ACTSIM_LAB_SCHEMA_VERSION)
			e = migrate(lab, version);
	}
	if (e == ACTSIM_OK)
		e = db_exec(lab, "COMMIT");
	if (e != ACTSIM_OK) {
		sqlite3_exec(lab->db, "ROLLBACK", NULL, NULL, NULL);
		return lab_fail(lab, e,
				"cannot migrate lab '%s' from format version "
				"%d: %s",
				lab->dir, version, sqlite3_errmsg(lab->db));
	}
	return ACTSIM_OK;
}

/* Picks the PostgreSQL backend for a new lab: the URI as given, and a
 * schema named after the lab's random admin token (hashed), so labs made
 * from the same seed can share a database. */
static actsim_err pg_backend_choose(struct actsim_lab *lab,
				    const struct actsim_lab_init_opts *opts)
{
	uint8_t h[ACTSIM_HASH_BYTES];
	char hex[2 * 8 + 1], name[32];
	actsim_err e = pg_check_url(lab, opts->database);

	if (e != ACTSIM_OK)
		return e;
	e = actsim_hash_tagged(h, "actsim/lab/schema/v1", opts->admin_token,
			       sizeof opts->admin_token);
	if (e != ACTSIM_OK)
		return e;
	actsim_hex(hex, h, 8);
	snprintf(name, sizeof name, "actsim_%s", hex);
	lab->db_url = strdup(opts->database);
	lab->db_schema = strdup(name);
	if (lab->db_url == NULL || lab->db_schema == NULL)
		return ACTSIM_E_NOMEM;
	lab->be = &lab_backend_pg;
	return ACTSIM_OK;
}

/* DIR/database.json's text, or NULL when out of memory. */
static char *db_config_text(const struct actsim_lab *lab)
{
	json_t *doc = json_pack("{s:s,s:s,s:s}", "backend", "postgresql",
				"url", lab->db_url, "schema", lab->db_schema);
	char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;

	json_decref(doc);
	return text;
}

actsim_err lab_write_db_config(struct actsim_lab *lab)
{
	char *text = db_config_text(lab), *tmp = NULL;
	actsim_err e;

	if (text == NULL)
		return ACTSIM_E_NOMEM;
	e = write_temp(lab, text, 0600, &tmp);
	free(text);
	if (e == ACTSIM_OK)
		e = rename_into(lab, &tmp, DB_CONFIG);
	if (tmp != NULL)
		unlink(tmp);
	free(tmp);
	return e;
}

char *lab_path(const char *dir, const char *name)
{
	return path_join(dir, name);
}

static actsim_err read_db_config(struct actsim_lab *lab)
{
	char *text = NULL;
	json_t *doc;
	const char *url = NULL, *schema = NULL;
	actsim_err e = read_file(lab, DB_CONFIG, &text);

	if (e != ACTSIM_OK)
		return e;
	doc = json_loads(text, 0, NULL);
	free(text);
	if (json_unpack(doc, "{s:s,s:s}", "url", &url, "schema", &schema) !=
	    0) {
		json_decref(doc);
		return lab_fail(lab, ACTSIM_E_REALM,
				"lab '%s': damaged '%s'", lab->dir, DB_CONFIG);
	}
	lab->db_url = strdup(url);
	lab->db_schema = strdup(schema);
	json_decref(doc);
	if (lab->db_url == NULL || lab->db_schema == NULL)
		return ACTSIM_E_NOMEM;
	return ACTSIM_OK;
}

static bool lab_present(const char *dir)
{
	return exists(dir, REALM_PUBLIC) || exists(dir, LAB_DB) ||
	       exists(dir, REALM_PRIVATE) || exists(dir, DB_CONFIG);
}

/* Writes the realm files and the admin token under temporary names, then,
 * holding the directory's lock, checks that no lab is there (unless
 * force), renames them into place and has the backend create its storage
 * last: a lab opens only once its storage is there, and the storage
 * records the realm's fingerprint. Concurrent inits queue on the lock;
 * the later ones then see the first one's lab and refuse, having changed
 * nothing. */
static actsim_err install_lab(struct actsim_lab *lab, const char *pub,
			      const char *priv, const char *catalog,
			      const struct actsim_lab_init_opts *opts)
{
	enum { PRIV, PUB, TOKEN, DB, NFILES };
	static const char *const names[NFILES] = { REALM_PRIVATE, REALM_PUBLIC,
						   ADMIN_TOKEN, DB_CONFIG };
	char *tmp[NFILES] = { NULL };
	char token[2 * ACTSIM_ADMIN_TOKEN_BYTES + 2];
	actsim_err e;
	int dfd, i;

	dfd = open(lab->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return lab_fail(lab, ACTSIM_E_IO, "cannot open '%s': %s",
				lab->dir, strerror(errno));
	while (flock(dfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			e = lab_fail(lab, ACTSIM_E_IO, "cannot lock '%s': %s",
				     lab->dir, strerror(errno));
			close(dfd);
			return e;
		}
	}
	if (!opts->force && lab_present(lab->dir)) {
		e = lab_fail(lab, ACTSIM_E_LAB_EXISTS,
			     "lab '%s' already exists (use --force to replace "
			     "it)",
			     lab->dir);
		goto out;
	}
	actsim_hex(token, opts->admin_token, ACTSIM_ADMIN_TOKEN_BYTES);
	token[2 * ACTSIM_ADMIN_TOKEN_BYTES] = '\n';
	token[2 * ACTSIM_ADMIN_TOKEN_BYTES + 1] = '\0';
	e = write_temp(lab, priv, 0600, &tmp[PRIV]);
	if (e == ACTSIM_OK)
		e = write_temp(lab, pub, 0644, &tmp[PUB]);
	if (e == ACTSIM_OK)
		e = write_temp(lab, token, 0600, &tmp[TOKEN]);
	OPENSSL_cleanse(token, sizeof token);
	if (e == ACTSIM_OK && lab->db_url != NULL) {
		char *text = db_config_text(lab);

		e = text != NULL ? write_temp(lab, text, 0600, &tmp[DB]) :
				   ACTSIM_E_NOMEM;
		free(text);
	}
	if (e != ACTSIM_OK)
		goto out;
	if (opts->force)
		remove_lab_files(lab->dir);
	for (i = 0; i < NFILES && e == ACTSIM_OK; i++)
		if (tmp[i] != NULL)
			e = rename_into(lab, &tmp[i], names[i]);
	if (e == ACTSIM_OK)
		e = lab->be->create(lab, catalog);
	if (e != ACTSIM_OK && (!opts->force || lab->db_url != NULL)) {
		/* Nothing was there, or the lab points to a database schema
		 * that could not be made: leave nothing. */
		lab->be->close(lab);
		remove_lab_files(lab->dir);
	}
	if (e == ACTSIM_OK && fsync(dfd) != 0)
		e = lab_fail(lab, ACTSIM_E_IO, "cannot sync '%s': %s",
			     lab->dir, strerror(errno));
out:
	for (i = 0; i < NFILES; i++) {
		if (tmp[i] != NULL)
			unlink(tmp[i]);
		free(tmp[i]);
	}
	close(dfd); /* releases the lock */
	return e;
}

actsim_err actsim_lab_create(struct actsim_lab **out, const char *dir,
			     const struct actsim_lab_init_opts *opts)
{
	struct actsim_lab *lab = lab_new(dir);
	struct actsim_catalog *cat = NULL;
	char *pub = NULL, *priv = NULL, *catalog = NULL;
	actsim_err e;

	*out = lab;
	if (lab == NULL)
		return ACTSIM_E_NOMEM;
	lab->be = &lab_backend_sqlite;
	if (opts->database != NULL) {
		e = pg_backend_choose(lab, opts);
		if (e != ACTSIM_OK)
			return e;
	}
	if (!opts->force && lab_present(dir))
		return lab_fail(lab, ACTSIM_E_LAB_EXISTS,
				"lab '%s' already exists (use --force to "
				"replace it)",
				dir);
	if (opts->catalog_path != NULL) {
		/* Validate before anything is written or removed. */
		e = actsim_catalog_load_file(&cat, opts->catalog_path,
					     lab->errmsg, sizeof lab->errmsg);
		actsim_catalog_free(cat);
		if (e != ACTSIM_OK)
			return e;
		catalog = realpath(opts->catalog_path, NULL);
		if (catalog == NULL)
			return lab_fail(lab, ACTSIM_E_IO,
					"cannot resolve catalog '%s': %s",
					opts->catalog_path, strerror(errno));
	}
	e = actsim_realm_generate(&lab->realm, opts->seed);
	if (e != ACTSIM_OK) {
		lab_fail(lab, e, "cannot generate the realm: %s",
			 actsim_strerror(e));
		goto out;
	}
	pub = actsim_realm_public_json(lab->realm);
	priv = actsim_realm_private_json(lab->realm);
	if (pub == NULL || priv == NULL) {
		e = ACTSIM_E_NOMEM;
		goto out;
	}
	e = mkdir_p(lab, dir);
	if (e == ACTSIM_OK)
		e = install_lab(lab, pub, priv, catalog, opts);
	if (e == ACTSIM_OK) {
		lab->catalog_path = catalog;
		catalog = NULL;
	}
out:
	free(pub);
	actsim_secure_free(priv);
	free(catalog);
	return e;
}

/* The realm files must be the ones the storage was made for: keys and
 * activations recorded under one realm mean nothing under another.
 * `recorded`: the fingerprint the database holds, or NULL. */
static actsim_err check_fingerprint(struct actsim_lab *lab,
				    const char *recorded)
{
	char fp[ACTSIM_FINGERPRINT_HEX];
	actsim_err e = ACTSIM_OK;

	actsim_realm_fingerprint(lab->realm, fp);
	if (recorded == NULL || strcmp(recorded, fp) != 0)
		e = lab_fail(lab, ACTSIM_E_LAB_DAMAGED,
			     "lab '%s' is damaged: %s/%s is not the realm its "
			     "database was made for (fingerprint %s, recorded "
			     "%s)",
			     lab->dir, lab->dir, REALM_PUBLIC, fp,
			     recorded != NULL ? recorded : "none");
	return e;
}

actsim_err actsim_lab_open(struct actsim_lab **out, const char *dir,
			   bool with_private)
{
	struct actsim_lab *lab = lab_new(dir);
	char *pub = NULL, *priv = NULL, *catalog = NULL, *recorded = NULL;
	char *recorded_private = NULL;
	char *ppath = NULL;
	char why[512];
	struct stat st;
	actsim_err e;

	*out = lab;
	if (lab == NULL)
		return ACTSIM_E_NOMEM;
	lab->be = &lab_backend_sqlite;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return lab_fail(lab, ACTSIM_E_NO_LAB,
				"cannot open lab '%s': no such directory "
				"(run 'actsim lab init')",
				dir);
	if (exists(dir, DB_CONFIG)) {
		e = read_db_config(lab);
		if (e != ACTSIM_OK)
			return e;
		lab->be = &lab_backend_pg;
	}
	if (!exists(dir, REALM_PUBLIC) ||
	    (lab->db_url == NULL && !exists(dir, LAB_DB)))
		return lab_fail(lab, ACTSIM_E_NO_LAB,
				"no lab in '%s' (run 'actsim lab init')", dir);
	if (with_private) {
		ppath = path_join(dir, REALM_PRIVATE);
		if (ppath == NULL)
			return ACTSIM_E_NOMEM;
		if (stat(ppath, &st) != 0)
			e = lab_fail(lab, ACTSIM_E_NO_LAB,
				     "lab '%s' has no private realm file '%s'",
				     dir, ppath);
		else if ((st.st_mode & 077) != 0)
			e = lab_fail(lab, ACTSIM_E_PERMISSION,
				     "private realm file '%s' is readable by "
				     "others (mode %04o): run 'chmod 600 %s'",
				     ppath, (unsigned)(st.st_mode & 07777),
				     ppath);
		else
			e = read_file(lab, REALM_PRIVATE, &priv);
		free(ppath);
		if (e != ACTSIM_OK)
			return e;
	}
	e = read_file(lab, REALM_PUBLIC, &pub);
	if (e != ACTSIM_OK)
		goto out;
	e = lab->be->open(lab);
	if (e == ACTSIM_OK)
		e = lab->be->meta_get(lab, "realm_fingerprint", &recorded);
	if (e == ACTSIM_OK && priv != NULL)
		e = lab->be->meta_get(lab, "realm_private_fingerprint",
				      &recorded_private);
	if (e != ACTSIM_OK)
		goto out;
	/* The realm the database was made with has passed every check
	 * then: the tests that only depend on its fingerprints are not
	 * run again by each command. */
	e = actsim_realm_load_known(&lab->realm, pub, priv, recorded,
				    recorded_private, why, sizeof why);
	if (e != ACTSIM_OK) {
		lab_fail(lab, e, "lab '%s': damaged realm: %s", dir, why);
		goto out;
	}
	e = check_fingerprint(lab, recorded);
	if (e == ACTSIM_OK)
		e = lab->be->meta_get(lab, "catalog", &catalog);
	if (e == ACTSIM_OK && catalog != NULL && catalog[0] != '\0') {
		lab->catalog_path = catalog;
		catalog = NULL;
	}
out:
	free(pub);
	actsim_secure_free(priv);
	free(catalog);
	free(recorded);
	free(recorded_private);
	return e;
}

void sqlite_close(struct actsim_lab *lab)
{
	db_cache_clear(lab);
	sqlite3_close(lab->db);
	lab->db = NULL;
}

void actsim_lab_close(struct actsim_lab *lab)
{
	if (lab == NULL)
		return;
	if (lab->be != NULL)
		lab->be->close(lab);
	actsim_realm_free(lab->realm);
	free(lab->db_url);
	free(lab->db_schema);
	free(lab->catalog_path);
	free(lab->dir);
	free(lab);
}

void actsim_lab_set_busy_timeout(struct actsim_lab *lab, int ms)
{
	lab->busy_ms = ms < 0 ? 0 : ms;
	if (lab->db != NULL)
		sqlite3_busy_timeout(lab->db, lab->busy_ms);
}

const char *actsim_lab_errmsg(const struct actsim_lab *lab)
{
	if (lab == NULL)
		return "out of memory";
	return lab->errmsg[0] != '\0' ? lab->errmsg : "no error";
}

actsim_err actsim_lab_errcode(const struct actsim_lab *lab)
{
	return lab != NULL ? lab->errcode : ACTSIM_E_NOMEM;
}

void actsim_lab_drop(struct actsim_lab *lab)
{
	if (lab != NULL && lab->be != NULL)
		lab->be->destroy(lab);
}

const char *actsim_lab_backend(const struct actsim_lab *lab)
{
	return lab->be->name;
}

const char *actsim_lab_dir(const struct actsim_lab *lab)
{
	return lab->dir;
}

const struct actsim_realm *actsim_lab_realm(const struct actsim_lab *lab)
{
	return lab->realm;
}

actsim_err actsim_lab_catalog(struct actsim_lab *lab,
			      struct actsim_catalog **out)
{
	if (lab->catalog_path != NULL)
		return actsim_catalog_load_file(out, lab->catalog_path,
						lab->errmsg,
						sizeof lab->errmsg);
	return actsim_catalog_load_builtin(out, lab->errmsg,
					   sizeof lab->errmsg);
}

struct key_text {
	char text[ACTSIM_PKEY_TEXT_BYTES];
	size_t index;
};

static int compare_text(const void *a, const void *b)
{
	return strcmp(((const struct key_text *)a)->text,
		      ((const struct key_text *)b)->text);
}

actsim_err sqlite_record_keys(struct actsim_lab *lab,
			      const struct actsim_pkey *keys, size_t n,
			      const struct actsim_keyconfig *cfg,
			      actsim_progress_fn progress, void *arg)
{
	sqlite3_stmt *st = NULL;
	struct key_text *texts = NULL;
	uint64_t key_id;
	uint32_t seq;
	actsim_err e;

	e = db_exec(lab, "BEGIN IMMEDIATE");
	if (e != ACTSIM_OK)
		return e;
	if (sqlite3_prepare_v2(lab->db,
			       "INSERT OR IGNORE INTO keys(key, sku, platform,"
			       " channel, r2, upgrade, channel_id, key_id) "
			       "VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK) {
		e = db_fail(lab, "prepare");
		goto out;
	}
	/* Rows go in in key order: appending to the B-tree is several times
	 * faster than inserting at random places in a large table. */
	texts = malloc(n * sizeof *texts);
	if (texts == NULL) {
		e = ACTSIM_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		actsim_pkey_format(texts[i].text, &keys[i]);
		texts[i].index = i;
	}
	qsort(texts, n, sizeof *texts, compare_text);
	for (size_t j = 0; j < n; j++) {
		size_t i = texts[j].index;

		sqlite3_bind_text(st, 1, texts[j].text, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, cfg->sku, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, cfg->platform, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, cfg->channel, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, cfg->r2);
		sqlite3_bind_int(st, 6, keys[i].upgrade);
		sqlite3_bind_int(st, 7, keys[i].channel_id);
		e = actsim_key_identity(&keys[i], &key_id, &seq);
		if (e != ACTSIM_OK)
			goto out;
		sqlite3_bind_int64(st, 8, (sqlite3_int64)key_id);
		if (sqlite3_step(st) != SQLITE_DONE) {
			e = db_fail(lab, "cannot record keys");
			goto out;
		}
		sqlite3_reset(st);
		if (progress != NULL && ((j + 1) % 8192 == 0 || j + 1 == n))
			progress(arg, j + 1, n);
	}
out:
	free(texts);
	sqlite3_finalize(st);
	if (e == ACTSIM_OK)
		e = db_exec(lab, "COMMIT");
	if (e != ACTSIM_OK)
		sqlite3_exec(lab->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

actsim_err sqlite_counts(struct actsim_lab *lab,
			 struct actsim_lab_counts *out)
{
	sqlite3_stmt *st;
	actsim_err e = ACTSIM_OK;

	if (sqlite3_prepare_v2(lab->db, "SELECT count(*) FROM keys", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(lab, "cannot count keys");
	if (sqlite3_step(st) == SQLITE_ROW)
		out->keys = sqlite3_column_int64(st, 0);
	else
		e = db_fail(lab, "cannot count keys");
	sqlite3_finalize(st);
	return e;
}

actsim_err actsim_lab_admin_token(struct actsim_lab *lab,
				  char out[ACTSIM_ADMIN_TOKEN_HEX])
{
	char *path = path_join(lab->dir, ADMIN_TOKEN), *text = NULL;
	struct stat st;
	actsim_err e;
	size_t n;

	if (path == NULL)
		return ACTSIM_E_NOMEM;
	if (stat(path, &st) != 0) {
		e = lab_fail(lab, ACTSIM_E_NO_LAB, "lab '%s' has no admin token",
			     lab->dir);
	} else if ((st.st_mode & 077) != 0) {
		e = lab_fail(lab, ACTSIM_E_PERMISSION,
			     "admin token '%s' is readable by others (mode "
			     "%04o): run 'chmod 600 %s'",
			     path, (unsigned)(st.st_mode & 07777), path);
	} else {
		e = read_file(lab, ADMIN_TOKEN, &text);
	}
	free(path);
	if (e != ACTSIM_OK)
		return e;
	n = strcspn(text, "\r\n");
	if (n != 2 * ACTSIM_ADMIN_TOKEN_BYTES ||
	    strspn(text, "0123456789abcdef") != n)
		e = lab_fail(lab, ACTSIM_E_REALM, "lab '%s': damaged admin token",
			     lab->dir);
	else {
		memcpy(out, text, n);
		out[n] = '\0';
	}
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return e;
}
