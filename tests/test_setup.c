/* Setup and servicing rules against the seed texts: both R2 upgrade
 * matrices cell by cell, every option's conditions and key prompts, SP2
 * and the hotfix scan tool, updates, and each Exchange blocker. The
 * expected values are typed here from the seeds, not from the catalog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "actsim/catalog.h"
#include "actsim/keycheck.h"
#include "actsim/machine.h"
#include "actsim/pkey.h"
#include "actsim/setup.h"

static struct actsim_catalog *cat;
static struct actsim_realm *realm;

static int setup(void **state)
{
	uint8_t seed[ACTSIM_SEED_BYTES];

	(void)state;
	if (actsim_catalog_load_builtin(&cat, NULL, 0) != ACTSIM_OK ||
	    actsim_realm_seed_from_number(seed, 4) != ACTSIM_OK ||
	    actsim_realm_generate(&realm, seed) != ACTSIM_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	actsim_catalog_free(cat);
	actsim_realm_free(realm);
	return 0;
}

static json_t *ask(const char *fsku, const char *fch, const char *fpl,
		   const char *flang, unsigned sp, const char *tsku,
		   const char *tch, const char *tpl, const char *tlang,
		   const char *key, bool r2key, bool dc)
{
	struct actsim_r2_query q = { fsku, fch, fpl, flang, sp, tsku, tch,
				     tpl, tlang, key, r2key, dc };

	return actsim_setup_r2(cat, realm, &q);
}

static const char *code(json_t *d)
{
	return json_string_value(json_object_get(d, "code"));
}

/* seed 000, "supported channel upgrades": rows from, columns to */
static void test_channel_matrix(void **state)
{
	static const char *const ch[] = { "retail", "msdn", "evaluation", "oem",
					  "volume" };
	static const bool yes[5][5] = {
		/* Retail R2, MSDN R2, Evaluation R2, OEM R2, Volume R2 */
		{ 1, 1, 1, 0, 1 }, /* Retail */
		{ 1, 1, 1, 0, 1 }, /* MSDN */
		{ 1, 1, 1, 0, 1 }, /* Evaluation */
		{ 1, 1, 1, 1, 1 }, /* OEM */
		{ 1, 1, 1, 0, 1 }, /* Volume license */
	};

	(void)state;
	for (int f = 0; f < 5; f++)
		for (int t = 0; t < 5; t++) {
			json_t *d = ask("standard", ch[f], "x86", "en", 1,
					"standard", ch[t], "x86", "en", NULL,
					false, false);
			int want = f == t ? 1 : yes[f][t] ? 2 : 3;

			assert_true(json_is_true(json_object_get(d, "allowed")));
			if (json_integer_value(json_object_get(d, "option")) !=
			    want)
				fail_msg("%s -> %s: option %lld, want %d", ch[f],
					 ch[t],
					 json_integer_value(
						 json_object_get(d, "option")),
					 want);
			json_decref(d);
		}
}

/* seed 000, "supported SKU upgrades"; Web is not supported */
static void test_sku_matrix(void **state)
{
	static const char *const sku[] = { "standard", "enterprise",
					   "datacenter" };
	static const bool yes[3][3] = {
		{ 1, 1, 0 }, /* Standard -> Standard R2, Enterprise R2 */
		{ 0, 1, 0 }, /* Enterprise -> Enterprise R2 */
		{ 0, 0, 1 }, /* Datacenter -> Datacenter R2 */
	};

	(void)state;
	for (int f = 0; f < 3; f++)
		for (int t = 0; t < 3; t++) {
			json_t *d = ask(sku[f], "retail", "x64", "en", 1, sku[t],
					"retail", "x64", "en", NULL, false,
					false);

			assert_int_equal(json_is_true(json_object_get(d,
								      "allowed")),
					 yes[f][t]);
			if (!yes[f][t])
				assert_string_equal(code(d),
						    "SKU_NOT_SUPPORTED");
			else
				assert_int_equal(json_integer_value(
							 json_object_get(d,
									 "option")),
						 f == t ? 1 : 2);
			json_decref(d);
		}
	for (int t = 0; t < 3; t++) {
		json_t *d = ask("web", "retail", "x86", "en", 1, sku[t],
				"retail", "x86", "en", NULL, false, false);

		assert_string_equal(code(d), "WEB_EDITION");
		assert_string_equal(json_string_value(json_object_get(d,
								      "message")),
				    "Windows Server 2003 Web Edition is not "
				    "supported for SKU upgrades.");
		json_decref(d);
	}
}

static void test_refusals(void **state)
{
	json_t *d;

	(void)state;
	d = ask("enterprise", "retail", "ia64", "en", 1, "enterprise", "retail",
		"ia64", "en", NULL, false, false);
	assert_string_equal(code(d), "NO_ITANIUM_R2");
	json_decref(d);
	d = ask("standard", "retail", "x86", "en", 0, "standard", "retail",
		"x86", "en", NULL, false, false);
	assert_string_equal(code(d), "SP1_REQUIRED");
	assert_string_equal(json_string_value(json_object_get(d, "message")),
			    "Windows Server 2003 R2 is unavailable as a "
			    "stand-alone update for existing Windows Server "
			    "2003 installations that are not running SP1.");
	json_decref(d);
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x64", "en", NULL, false, false);
	assert_string_equal(code(d), "PLATFORM_MISMATCH");
	assert_non_null(strstr(json_string_value(json_object_get(d, "message")),
			       "only updates 64-bit versions"));
	json_decref(d);
	d = ask("standard", "retail", "x64", "en", 1, "standard", "retail",
		"x86", "en", NULL, false, false);
	assert_non_null(strstr(json_string_value(json_object_get(d, "message")),
			       "only updates 32-bit versions"));
	json_decref(d);
	d = ask("standard", "retail", "x86", "de", 1, "standard", "retail",
		"x86", "fr", NULL, false, false);
	assert_string_equal(code(d), "LANGUAGE_MISMATCH");
	assert_true(json_is_true(json_object_get(d, "clean_install_required")));
	assert_false(json_is_true(json_object_get(d, "allowed")));
	json_decref(d);
}

static char *make_key(const char *sku, const char *ch, const char *pl,
		      bool r2, char out[ACTSIM_PKEY_TEXT_BYTES])
{
	const struct actsim_keyconfig *k = actsim_catalog_find(cat, sku, pl, ch,
							       r2);
	struct actsim_keygen g;
	struct actsim_pkey key;

	memset(&g, 0, sizeof g);
	g.realm = realm;
	g.channel_id_min = k->channel_id_min;
	g.channel_id_max = k->channel_id_max;
	assert_int_equal(actsim_pkey_generate(&g, 0, &key), ACTSIM_OK);
	actsim_pkey_format(out, &key);
	return out;
}

static void test_keys_and_prompts(void **state)
{
	char key[ACTSIM_PKEY_TEXT_BYTES];
	json_t *d;

	(void)state;
	/* option 1 prompts for the R2 key, unless it is already in */
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x86", "en", make_key("standard", "retail", "x86", true, key),
		false, false);
	assert_string_equal(code(d), "OPTION_1");
	assert_true(json_is_true(json_object_get(d, "prompt_for_key")));
	json_decref(d);
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x86", "en", NULL, true, false);
	assert_false(json_is_true(json_object_get(d, "prompt_for_key")));
	json_decref(d);
	/* option 2 always asks on CD1 */
	d = ask("standard", "retail", "x86", "en", 1, "standard", "volume",
		"x86", "en", NULL, true, false);
	assert_true(json_is_true(json_object_get(d, "prompt_for_key")));
	json_decref(d);
	/* a key of another channel, and a key of the old (non-R2) product */
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x86", "en", make_key("standard", "volume", "x86", true, key),
		false, false);
	assert_string_equal(code(d), "INVALID_KEY");
	assert_string_equal(json_string_value(json_object_get(d, "message")),
			    "The product key you entered is not valid. Please "
			    "type a valid product key.");
	json_decref(d);
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x86", "en", make_key("standard", "retail", "x86", false, key),
		false, false);
	assert_string_equal(code(d), "INVALID_KEY");
	json_decref(d);
	/* the right channel, another edition */
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x86", "en", make_key("enterprise", "retail", "x86", true, key),
		false, false);
	assert_string_equal(code(d), "EDITION_MISMATCH");
	assert_string_equal(json_string_value(json_object_get(d, "message")),
			    "Setup cannot continue because the operating "
			    "system edition is different from the setup "
			    "edition.");
	json_decref(d);
	/* OEM media and an OEM R2 key over another channel: option 3 */
	d = ask("standard", "retail", "x86", "en", 1, "standard", "oem", "x86",
		"en", make_key("standard", "oem", "x86", true, key), false,
		false);
	assert_string_equal(code(d), "OPTION_3");
	assert_non_null(strstr(json_string_value(json_array_get(
				       json_object_get(d, "steps"), 1)),
			       "816579"));
	json_decref(d);
}

static void test_steps_and_warnings(void **state)
{
	json_t *d;
	char all[8192] = "";
	size_t i;
	json_t *s;

	(void)state;
	d = ask("standard", "retail", "x86", "en", 1, "enterprise", "msdn",
		"x86", "en", NULL, false, true);
	json_array_foreach(json_object_get(d, "steps"), i, s)
		strncat(all, json_string_value(s), sizeof all - strlen(all) - 1);
	assert_non_null(strstr(all, "Reapply all post-Windows Server 2003 SP1 "
				    "security updates and hotfixes."));
	assert_non_null(strstr(all, "Reapply any third-party drivers"));
	assert_int_equal(json_array_size(json_object_get(d, "warnings")), 2);
	assert_non_null(strstr(json_string_value(json_array_get(
				       json_object_get(d, "warnings"), 0)),
			       "back up a server"));
	assert_non_null(strstr(json_string_value(json_array_get(
				       json_object_get(d, "warnings"), 1)),
			       "remove Active Directory from the domain "
			       "controller"));
	json_decref(d);
	d = ask("standard", "retail", "x86", "en", 1, "standard", "retail",
		"x86", "en", NULL, false, false);
	assert_int_equal(json_array_size(json_object_get(d, "warnings")), 1);
	json_decref(d);
}

static struct actsim_machine server(unsigned os, unsigned sp)
{
	struct actsim_machine m;

	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "srv");
	m.os = os;
	m.sp = sp;
	return m;
}

static void test_sp2_and_scan(void **state)
{
	struct actsim_machine m = server(2003, 1);
	const char *why = NULL;
	json_t *d;

	(void)state;
	actsim_machine_add_app(&m, "hotfix:KB911000");
	actsim_machine_add_app(&m, "hotfix:KB911037");
	actsim_machine_add_app(&m, "hotfix:KB911037-v2");
	actsim_machine_add_app(&m, "ie:7");
	/* pre-SP2: lists what may regress and blocks SP2 */
	d = actsim_setup_hotfix_scan(cat, &m, false);
	assert_string_equal(json_string_value(json_object_get(d, "phase")),
			    "pre-sp2");
	assert_int_equal(json_array_size(json_object_get(d, "hotfixes")), 1);
	assert_true(m.sp2_blocked);
	json_decref(d);
	assert_null(actsim_setup_sp2(cat, &m, false, &why));
	assert_string_equal(why, "SP2_BLOCKED");
	/* /d unblocks */
	d = actsim_setup_hotfix_scan(cat, &m, true);
	assert_false(m.sp2_blocked);
	json_decref(d);
	d = actsim_setup_sp2(cat, &m, false, &why);
	assert_non_null(d);
	assert_int_equal(m.sp, 2);
	/* the original regressed; the reissued one migrated; IE7 kept */
	assert_int_equal(m.nregressed, 1);
	assert_string_equal(m.regressed[0], "KB911000");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(d, "migrated"), 0)),
			    "KB911037");
	assert_string_equal(actsim_machine_app_version(&m, "ie"), "7");
	json_decref(d);
	/* post-SP2: lists what regressed */
	d = actsim_setup_hotfix_scan(cat, &m, false);
	assert_string_equal(json_string_value(json_object_get(d, "phase")),
			    "post-sp2");
	assert_int_equal(json_array_size(json_object_get(d, "hotfixes")), 1);
	json_decref(d);
	assert_null(actsim_setup_sp2(cat, &m, false, &why));
	assert_string_equal(why, "NOT_APPLICABLE");
}

static void test_sp2_everywhere_and_slipstream(void **state)
{
	static const char *const platforms[] = { "x86", "x64", "ia64" };
	const char *why;

	(void)state;
	for (int r2 = 0; r2 < 2; r2++)
		for (int p = 0; p < 3; p++) {
			struct actsim_machine m = server(2003, 1);
			json_t *d;

			m.r2 = r2;
			snprintf(m.platform, sizeof m.platform, "%s",
				 platforms[p]);
			actsim_machine_add_app(&m, "ie:7");
			d = actsim_setup_sp2(cat, &m, true, &why);
			assert_non_null(d);
			/* integrated media leaves IE6 as the default */
			assert_string_equal(actsim_machine_app_version(&m, "ie"),
					    "6");
			json_decref(d);
		}
	{
		struct actsim_machine w2k = server(2000, 4);

		assert_null(actsim_setup_sp2(cat, &w2k, false, &why));
	}
}

static void test_updates(void **state)
{
	struct actsim_machine m = server(2003, 1);
	json_t *d;
	size_t i, superseded = 0, total;
	json_t *u;

	(void)state;
	d = actsim_setup_updates(cat, &m, false);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(d, "updates"),
						   0),
				    "id")),
			    "SP2");
	json_array_foreach(json_object_get(d, "updates"), i, u)
		superseded += json_is_true(json_object_get(u,
							  "superseded_by_sp2"));
	assert_int_equal(superseded, 0);
	total = json_array_size(json_object_get(d, "updates"));
	json_decref(d);
	/* hiding SP2 shows what it supersedes */
	d = actsim_setup_updates(cat, &m, true);
	json_array_foreach(json_object_get(d, "updates"), i, u) {
		assert_string_not_equal(json_string_value(json_object_get(u,
									  "id")),
					"SP2");
		superseded += json_is_true(json_object_get(u,
							  "superseded_by_sp2"));
	}
	assert_true(superseded > 0);
	assert_int_equal(json_array_size(json_object_get(d, "updates")),
			 total - 1 + superseded);
	json_decref(d);
}

static bool has_blocker(json_t *plan, const char *code)
{
	size_t i;
	json_t *b;

	json_array_foreach(json_object_get(plan, "blockers"), i, b)
		if (strcmp(json_string_value(json_object_get(b, "code")),
			   code) == 0)
			return true;
	return false;
}

static void test_exchange_plans(void **state)
{
	struct actsim_machine m;
	json_t *p;

	(void)state;
	/* Exchange 2000 on Windows 2000 -> 2003: aborts; inside out works */
	m = server(2000, 4);
	actsim_machine_add_app(&m, "exchange:2000");
	p = actsim_setup_plan(cat, &m, 2003, NULL);
	assert_false(json_is_true(json_object_get(p, "possible")));
	assert_true(has_blocker(p, "EXCHANGE2000_ON_2003"));
	json_decref(p);
	p = actsim_setup_plan(cat, &m, 2003, "2003");
	assert_true(json_is_true(json_object_get(p, "possible")));
	assert_int_equal(json_array_size(json_object_get(p, "steps")), 3);
	assert_non_null(strstr(json_string_value(json_array_get(
				       json_object_get(p, "steps"), 1)),
			       "Exchange 2003 upgrade"));
	assert_non_null(strstr(json_string_value(json_array_get(
				       json_object_get(p, "steps"), 2)),
			       "Windows 2003"));
	json_decref(p);
	/* installing Exchange 2000 on Windows 2003 fails */
	m = server(2003, 1);
	p = actsim_setup_plan(cat, &m, 2003, "2000");
	assert_true(has_blocker(p, "EXCHANGE2000_ON_2003"));
	json_decref(p);
	/* the Exchange 2000 ADC does not work with Windows 2003 */
	m = server(2000, 4);
	actsim_machine_add_app(&m, "adc:2000");
	p = actsim_setup_plan(cat, &m, 2003, NULL);
	assert_true(has_blocker(p, "ADC2000_ON_2003"));
	json_decref(p);
	/* Exchange 2003 on Windows 2000: features missing, a warning */
	m = server(2000, 4);
	p = actsim_setup_plan(cat, &m, 2000, "2003");
	assert_true(json_is_true(json_object_get(p, "possible")));
	assert_non_null(strstr(json_string_value(json_array_get(
				       json_object_get(p, "warnings"), 0)),
			       "Volume Shadow Copy"));
	json_decref(p);
	/* Exchange 2007: RTM not on 2008, SP1 is; no in-place OS upgrade */
	m = server(2008, 0);
	p = actsim_setup_plan(cat, &m, 2008, "2007");
	assert_true(has_blocker(p, "EXCHANGE2007_RTM_ON_2008"));
	json_decref(p);
	p = actsim_setup_plan(cat, &m, 2008, "2007sp1");
	assert_true(json_is_true(json_object_get(p, "possible")));
	json_decref(p);
	m = server(2003, 2);
	actsim_machine_add_app(&m, "exchange:2007sp1");
	actsim_machine_add_app(&m, "powershell");
	actsim_machine_add_app(&m, "cluster");
	p = actsim_setup_plan(cat, &m, 2008, NULL);
	assert_true(has_blocker(p, "EXCHANGE2007_INPLACE_2008"));
	assert_true(has_blocker(p, "POWERSHELL"));
	assert_true(has_blocker(p, "CLUSTER_MIXED_OS"));
	assert_int_equal(json_array_size(json_object_get(p, "alternatives")),
			 3);
	json_decref(p);
	/* forcing it breaks Exchange, as seed 004 recounts */
	actsim_setup_apply(cat, &m, 2008, NULL, true);
	assert_true(m.exchange_broken);
	assert_int_equal(m.os, 2008);
	assert_false(actsim_machine_has_app(&m, "powershell"));
	/* PowerShell alone still blocks the OS upgrade */
	m = server(2003, 2);
	actsim_machine_add_app(&m, "powershell");
	p = actsim_setup_plan(cat, &m, 2008, NULL);
	assert_true(has_blocker(p, "POWERSHELL"));
	json_decref(p);
}

static void test_apps(void **state)
{
	static const char *const good[] = {
		"exchange:2000", "exchange:2003", "exchange:2007",
		"exchange:2007sp1", "powershell", "ie:7", "cluster",
		"domain-controller", "driver:raid5", "hotfix:KB911000",
		"hotfix:KB911000-v2"
	};
	static const char *const bad[] = { "exchange:5.5", "hotfix:911000",
					   "hotfix:KB12", "driver:", "ie:8",
					   "office", "hotfix:KB911000-v3" };
	struct actsim_machine m = server(2003, 1);

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(actsim_app_valid(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (actsim_app_valid(bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	actsim_machine_add_app(&m, "exchange:2003");
	actsim_machine_add_app(&m, "exchange:2007");
	assert_int_equal(m.napps, 1); /* one version at a time */
	assert_string_equal(actsim_machine_app_version(&m, "exchange"),
			    "2007");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channel_matrix),
		cmocka_unit_test(test_sku_matrix),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_keys_and_prompts),
		cmocka_unit_test(test_steps_and_warnings),
		cmocka_unit_test(test_sp2_and_scan),
		cmocka_unit_test(test_sp2_everywhere_and_slipstream),
		cmocka_unit_test(test_updates),
		cmocka_unit_test(test_exchange_plans),
		cmocka_unit_test(test_apps),
	};

	return cmocka_run_group_tests_name("setup", tests, setup, teardown);
}
