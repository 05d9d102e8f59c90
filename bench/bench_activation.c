/* Activation benchmark: installation IDs generated, confirmation IDs
 * issued and verified per second, and the cost of evaluating a license 1
 * day versus 10 years after installation (it must not grow with simulated
 * time). usage: bench_activation [SECONDS_PER_FIGURE]
 * Prints "name value" lines: ops per second, or ns per evaluation. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "actsim/catalog.h"
#include "actsim/ids.h"
#include "actsim/license.h"
#include "actsim/realm.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct actsim_iid_plain plain(unsigned i)
{
	struct actsim_iid_plain p = { ACTSIM_IID_VERSION,
				      UINT64_C(0x7226ca1909e6d591) ^ i,
				      171,
				      i % 1000000,
				      i % 1000,
				      i };
	return p;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0, end;
	uint8_t seed[ACTSIM_SEED_BYTES];
	struct actsim_realm *r;
	struct actsim_catalog *cat;
	struct actsim_iid iids[1024];
	struct actsim_cid cids[1024];
	unsigned long ops;
	volatile int64_t sink = 0;

	if (secs <= 0 || actsim_realm_seed_from_number(seed, 0) != ACTSIM_OK ||
	    actsim_realm_generate(&r, seed) != ACTSIM_OK ||
	    actsim_catalog_load_builtin(&cat, NULL, 0) != ACTSIM_OK)
		return 1;
	for (unsigned i = 0; i < 1024; i++) {
		struct actsim_iid_plain p = plain(i);

		if (actsim_iid_encrypt(r, &p, &iids[i]) != ACTSIM_OK ||
		    actsim_cid_issue(r, &iids[i], &cids[i]) != ACTSIM_OK)
			return 1;
	}
	for (ops = 0, end = now() + secs; now() < end;)
		for (int i = 0; i < 64; i++, ops++) {
			struct actsim_iid_plain p = plain((unsigned)ops);
			struct actsim_iid iid;

			if (actsim_iid_encrypt(r, &p, &iid) != ACTSIM_OK)
				return 1;
		}
	printf("iid_generate %.0f\n", (double)ops / secs);
	for (ops = 0, end = now() + secs; now() < end;)
		for (int i = 0; i < 64; i++, ops++)
			if (actsim_cid_issue(r, &iids[ops % 1024], &cids[0]) !=
			    ACTSIM_OK)
				return 1;
	printf("cid_issue %.0f\n", (double)ops / secs);
	for (unsigned i = 0; i < 1024; i++)
		if (actsim_cid_issue(r, &iids[i], &cids[i]) != ACTSIM_OK)
			return 1;
	for (ops = 0, end = now() + secs; now() < end;)
		for (int i = 0; i < 64; i++, ops++)
			if (actsim_cid_verify(r, &iids[ops % 1024],
					      &cids[ops % 1024]) != ACTSIM_OK)
				return 1;
	printf("cid_verify %.0f\n", (double)ops / secs);

	/* License evaluation: 1 day and 10 years after installation. */
	{
		struct actsim_license l = { 0 };
		struct actsim_license_state s;
		static const int64_t later[] = { 86400, 3650LL * 86400 };
		static const char *const names[] = { "license_eval_ns_1d",
						     "license_eval_ns_10y" };

		l.channel = actsim_catalog_channel(cat, "retail");
		l.rules = actsim_catalog_activation(cat);
		l.installed_at = INT64_C(1767225600);
		for (int k = 0; k < 2; k++) {
			double t0;
			unsigned long n = 0;

			t0 = now();
			for (end = t0 + secs; now() < end;)
				for (int i = 0; i < 4096; i++, n++) {
					actsim_license_eval(
						&l, l.installed_at + later[k] +
							    (int64_t)(n & 1),
						&s);
					sink += s.days_left;
				}
			printf("%s %.1f\n", names[k],
			       (now() - t0) * 1e9 / (double)n);
		}
	}
	(void)sink;
	actsim_catalog_free(cat);
	actsim_realm_free(r);
	return 0;
}
