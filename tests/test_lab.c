/* The lab directory: create, refuse to overwrite, force, open, permission
 * and version checks, damaged files, recording keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "actsim/lab.h"

static char base[64];

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof base, "/tmp/actsim-test-lab-XXXXXX");
	return mkdtemp(base) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void lab_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", base, name);
}

static struct actsim_lab_init_opts opts(uint64_t seed, bool force)
{
	struct actsim_lab_init_opts o;

	memset(&o, 0, sizeof o);
	assert_int_equal(actsim_realm_seed_from_number(o.seed, seed),
			 ACTSIM_OK);
	o.force = force;
	return o;
}

static void create_ok(const char *dir, uint64_t seed, bool force)
{
	struct actsim_lab *lab;
	struct actsim_lab_init_opts o = opts(seed, force);
	actsim_err e = actsim_lab_create(&lab, dir, &o);

	if (e != ACTSIM_OK)
		fail_msg("create: %s", actsim_lab_errmsg(lab));
	actsim_lab_close(lab);
}

static void test_create_and_open(void **state)
{
	char dir[128], file[160];
	struct actsim_lab *lab;
	struct actsim_lab_counts c;
	struct stat st;

	(void)state;
	lab_path(dir, sizeof dir, "a/b/lab");
	create_ok(dir, 1, false);
	snprintf(file, sizeof file, "%s/realm-private.json", dir);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(actsim_lab_open(&lab, dir, true), ACTSIM_OK);
	assert_true(actsim_realm_has_private(actsim_lab_realm(lab)));
	assert_int_equal(actsim_lab_counts(lab, &c), ACTSIM_OK);
	assert_int_equal(c.keys, 0);
	actsim_lab_close(lab);
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_OK);
	assert_false(actsim_realm_has_private(actsim_lab_realm(lab)));
	actsim_lab_close(lab);
	actsim_lab_close(NULL);
}

static void test_refuses_overwrite(void **state)
{
	char dir[128], file[160];
	struct actsim_lab *lab;
	struct actsim_lab_init_opts o = opts(2, false);
	char fp_before[ACTSIM_FINGERPRINT_HEX], fp_after[ACTSIM_FINGERPRINT_HEX];

	(void)state;
	lab_path(dir, sizeof dir, "exists");
	create_ok(dir, 1, false);
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_OK);
	actsim_realm_fingerprint(actsim_lab_realm(lab), fp_before);
	actsim_lab_close(lab);
	assert_int_equal(actsim_lab_create(&lab, dir, &o), ACTSIM_E_LAB_EXISTS);
	assert_non_null(strstr(actsim_lab_errmsg(lab), "--force"));
	actsim_lab_close(lab);
	/* nothing changed */
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_OK);
	actsim_realm_fingerprint(actsim_lab_realm(lab), fp_after);
	assert_string_equal(fp_before, fp_after);
	actsim_lab_close(lab);
	/* --force replaces it, database included */
	create_ok(dir, 2, true);
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_OK);
	actsim_realm_fingerprint(actsim_lab_realm(lab), fp_after);
	assert_string_not_equal(fp_before, fp_after);
	actsim_lab_close(lab);
	snprintf(file, sizeof file, "%s/.tmp-realm", dir);
	assert_int_not_equal(access(file, F_OK), 0);
}

static void test_no_lab(void **state)
{
	char dir[128];
	struct actsim_lab *lab;

	(void)state;
	lab_path(dir, sizeof dir, "missing");
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_E_NO_LAB);
	assert_non_null(strstr(actsim_lab_errmsg(lab), "missing"));
	actsim_lab_close(lab);
	lab_path(dir, sizeof dir, "");
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_E_NO_LAB);
	assert_non_null(strstr(actsim_lab_errmsg(lab), "lab init"));
	actsim_lab_close(lab);
}

static void test_private_permissions(void **state)
{
	char dir[128], file[160];
	struct actsim_lab *lab;

	(void)state;
	lab_path(dir, sizeof dir, "perm");
	create_ok(dir, 3, false);
	snprintf(file, sizeof file, "%s/realm-private.json", dir);
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(actsim_lab_open(&lab, dir, true), ACTSIM_E_PERMISSION);
	assert_non_null(strstr(actsim_lab_errmsg(lab), "chmod 600"));
	actsim_lab_close(lab);
	/* public-only use is still fine */
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_OK);
	actsim_lab_close(lab);
}

static void set_user_version(const char *dir, int v)
{
	char file[160], sql[64];
	sqlite3 *db;

	snprintf(file, sizeof file, "%s/lab.db", dir);
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The whole of a file, for checking that a refused lab was left as it
 * was; the caller frees. */
static char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc((size_t)*len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)*len, f), (size_t)*len);
	fclose(f);
	return buf;
}

static void assert_unchanged(const char *path, const char *before,
			     long before_len)
{
	long len;
	char *after = slurp(path, &len);

	assert_int_equal(len, before_len);
	assert_memory_equal(after, before, (size_t)len);
	free(after);
}

static void test_newer_and_damaged(void **state)
{
	char *before;
	long before_len;
	char dir[128], file[160];
	struct actsim_lab *lab;
	FILE *f;

	(void)state;
	lab_path(dir, sizeof dir, "newer");
	create_ok(dir, 4, false);
	set_user_version(dir, 99);
	snprintf(file, sizeof file, "%s/lab.db", dir);
	before = slurp(file, &before_len);
	assert_int_equal(actsim_lab_open(&lab, dir, true),
			 ACTSIM_E_LAB_VERSION);
	assert_non_null(strstr(actsim_lab_errmsg(lab), "version 99"));
	actsim_lab_close(lab);
	assert_unchanged(file, before, before_len); /* never rewritten */
	free(before);

	lab_path(dir, sizeof dir, "damaged");
	create_ok(dir, 5, false);
	snprintf(file, sizeof file, "%s/lab.db", dir);
	unlink(file);
	f = fopen(file, "w");
	fputs("this is not a database, just text that is long enough to "
	      "be noticed by sqlite when it reads the header page....",
	      f);
	fclose(f);
	before = slurp(file, &before_len);
	assert_int_equal(actsim_lab_open(&lab, dir, true), ACTSIM_E_DB);
	actsim_lab_close(lab);
	assert_unchanged(file, before, before_len);
	free(before);

	lab_path(dir, sizeof dir, "badrealm");
	create_ok(dir, 6, false);
	snprintf(file, sizeof file, "%s/realm.json", dir);
	f = fopen(file, "w");
	fputs("{\"format\":\"actsim-realm-public\",\"version\":1}", f);
	fclose(f);
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_E_REALM);
	assert_non_null(strstr(actsim_lab_errmsg(lab), "damaged realm"));
	actsim_lab_close(lab);
}

/* A lab of format version 1 is migrated forward, in one transaction. */
static void test_migrates_forward(void **state)
{
	char dir[128], file[160];
	struct actsim_lab *lab;
	sqlite3 *db;
	sqlite3_stmt *st;
	int version = 0, indexes = 0, columns = 0;

	(void)state;
	lab_path(dir, sizeof dir, "old");
	create_ok(dir, 8, false);
	snprintf(file, sizeof file, "%s/lab.db", dir);
	/* make it a version 1 lab */
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP INDEX activations_by_pid;"
					  "ALTER TABLE request_log DROP COLUMN"
					  " fault;"
					  "ALTER TABLE request_log DROP COLUMN"
					  " wall_at;"
					  "PRAGMA user_version = 1;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(actsim_lab_open(&lab, dir, false), ACTSIM_OK);
	actsim_lab_close(lab);
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db,
			   "SELECT count(*) FROM sqlite_master WHERE name = "
			   "'activations_by_pid'",
			   -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		indexes = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db,
			   "SELECT count(*) FROM pragma_table_info('request_log')"
			   " WHERE name IN ('fault', 'wall_at')",
			   -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		columns = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(version, ACTSIM_LAB_SCHEMA_VERSION);
	assert_int_equal(indexes, 1);
	assert_int_equal(columns, 2);
}

static void test_record_keys(void **state)
{
	char dir[128];
	struct actsim_lab *lab;
	struct actsim_catalog *cat;
	struct actsim_keygen g;
	struct actsim_pkey keys[50];
	struct actsim_lab_counts c;
	const struct actsim_keyconfig *k;

	(void)state;
	lab_path(dir, sizeof dir, "keys");
	create_ok(dir, 7, false);
	assert_int_equal(actsim_lab_open(&lab, dir, true), ACTSIM_OK);
	assert_int_equal(actsim_lab_catalog(lab, &cat), ACTSIM_OK);
	k = actsim_catalog_find(cat, "enterprise", "x64", "volume", true);
	assert_non_null(k);
	memset(&g, 0, sizeof g);
	g.realm = actsim_lab_realm(lab);
	g.channel_id_min = k->channel_id_min;
	g.channel_id_max = k->channel_id_max;
	assert_int_equal(actsim_pkey_generate_batch(&g, 50, 2, keys, NULL, NULL),
			 ACTSIM_OK);
	assert_int_equal(actsim_lab_record_keys(lab, keys, 50, k, NULL, NULL), ACTSIM_OK);
	/* the same keys again are kept once */
	assert_int_equal(actsim_lab_record_keys(lab, keys, 50, k, NULL, NULL), ACTSIM_OK);
	assert_int_equal(actsim_lab_counts(lab, &c), ACTSIM_OK);
	assert_int_equal(c.keys, 50);
	actsim_catalog_free(cat);
	actsim_lab_close(lab);
}

static json_t *fields_of(struct actsim_lab *lab, const char *const *fields,
			 actsim_err want)
{
	json_t *rows = NULL;

	assert_int_equal(actsim_lab_machine_fields(lab, fields, &rows), want);
	return rows;
}

static void test_machine_fields(void **state)
{
	static const char *const fields[] = { "s", "i", "neg", "big", "t",
					      "f", "n", "o", "r", "nope",
					      NULL };
	static const char *const bad_char[] = { "s", "a'b", NULL };
	static const char *const bad_path[] = { "$.s", NULL };
	static const char *const upper[] = { "S", NULL };
	static const char *const none[] = { NULL };
	static const char *const empty[] = { "", NULL };
	const char *many[ACTSIM_LAB_FIELDS_MAX + 2];
	char dir[128];
	struct actsim_lab *lab;
	json_t *b = json_pack(
		"{s:s,s:i,s:i,s:I,s:b,s:b,s:n,s:{s:[i,s]},s:f,s:s}", "s",
		"quote \" slash \\ \u00e9 tab\t", "i", 42, "neg", -7, "big",
		(json_int_t)1234567890123456789LL, "t", 1, "f", 0, "n", "o",
		"a", 1, "x", "r", 1.5, "other", "not asked for");
	json_t *a = json_pack("{s:s}", "s", "plain");
	json_t *rows, *want;

	(void)state;
	lab_path(dir, sizeof dir, "fields");
	create_ok(dir, 3, false);
	assert_int_equal(actsim_lab_open(&lab, dir, true), ACTSIM_OK);
	assert_int_equal(actsim_lab_begin(lab, true), ACTSIM_OK);
	assert_int_equal(actsim_lab_machine_put(lab, "b", b, true), ACTSIM_OK);
	assert_int_equal(actsim_lab_machine_put(lab, "a", a, true), ACTSIM_OK);
	assert_int_equal(actsim_lab_commit(lab), ACTSIM_OK);

	/* ordered by name; members as stored, absent ones left out */
	rows = fields_of(lab, fields, ACTSIM_OK);
	json_object_del(b, "other");
	want = json_pack("[O,O]", a, b);
	if (!json_equal(rows, want)) {
		char *got = json_dumps(rows, JSON_SORT_KEYS);

		fail_msg("got %s", got);
	}
	json_decref(rows);
	json_decref(want);

	/* a bad list is refused before the database sees it */
	assert_null(fields_of(lab, NULL, ACTSIM_E_INVALID_ARG));
	assert_null(fields_of(lab, none, ACTSIM_E_INVALID_ARG));
	assert_null(fields_of(lab, empty, ACTSIM_E_INVALID_ARG));
	assert_null(fields_of(lab, bad_char, ACTSIM_E_INVALID_ARG));
	assert_null(fields_of(lab, bad_path, ACTSIM_E_INVALID_ARG));
	assert_null(fields_of(lab, upper, ACTSIM_E_INVALID_ARG));
	for (size_t i = 0; i <= ACTSIM_LAB_FIELDS_MAX; i++)
		many[i] = "s";
	many[ACTSIM_LAB_FIELDS_MAX + 1] = NULL;
	assert_null(fields_of(lab, many, ACTSIM_E_INVALID_ARG));
	many[ACTSIM_LAB_FIELDS_MAX] = NULL;
	rows = fields_of(lab, many, ACTSIM_OK);
	assert_int_equal(json_array_size(rows), 2);
	json_decref(rows);

	json_decref(a);
	json_decref(b);
	actsim_lab_close(lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_open),
		cmocka_unit_test(test_refuses_overwrite),
		cmocka_unit_test(test_no_lab),
		cmocka_unit_test(test_private_permissions),
		cmocka_unit_test(test_newer_and_damaged),
		cmocka_unit_test(test_migrates_forward),
		cmocka_unit_test(test_record_keys),
		cmocka_unit_test(test_machine_fields),
	};

	return cmocka_run_group_tests_name("lab", tests, setup, teardown);
}
