/* Product-key benchmark: keys generated and checked per second on one and
 * two threads, against a baseline that checks the same keys with
 * OpenSSL's generic EC_POINT_mul on the same realm curve.
 *
 * usage: bench_keys [SECONDS_PER_FIGURE]   (default 1.0)
 * Prints one line per figure: "name ops_per_second". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "actsim/pkey.h"
#include "actsim/realm.h"

#define POOL 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct actsim_realm *realm;
static struct actsim_keygen gen;
static struct actsim_pkey pool[POOL];
static double seconds = 1.0;

struct job {
	int kind; /* 0 generate, 1 check */
	unsigned long ops;
	unsigned offset;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	double end = now() + seconds;
	unsigned long ops = 0;
	struct actsim_pkey k;

	while (now() < end) {
		for (int i = 0; i < 64; i++, ops++) {
			if (j->kind == 0) {
				if (actsim_pkey_generate(&gen, j->offset + ops,
							 &k) != ACTSIM_OK)
					abort();
			} else if (actsim_pkey_verify(
					   realm,
					   &pool[(j->offset + ops) % POOL]) !=
				   ACTSIM_OK) {
				abort();
			}
		}
	}
	j->ops = ops;
	return NULL;
}

static double run(int kind, unsigned threads)
{
	pthread_t t[8];
	struct job jobs[8];
	unsigned long total = 0;

	for (unsigned i = 0; i < threads; i++) {
		jobs[i].kind = kind;
		jobs[i].offset = i * 1000003u;
		pthread_create(&t[i], NULL, worker, &jobs[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += jobs[i].ops;
	}
	return (double)total / seconds;
}

/* The baseline: R = s*G + h*Y with OpenSSL's generic prime-curve code,
 * then the same hash as actsim_pkey_verify. */
static BIGNUM *hexbn(json_t *o, const char *k)
{
	BIGNUM *b = NULL;

	BN_hex2bn(&b, json_string_value(json_object_get(o, k)));
	return b;
}

static double baseline(void)
{
	char *pub = actsim_realm_public_json(realm);
	json_t *doc = json_loads(pub, 0, NULL);
	json_t *curve = json_object_get(doc, "curve");
	json_t *g = json_object_get(curve, "G");
	json_t *y = json_object_get(json_object_get(doc, "product_key"),
				    "public");
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = hexbn(curve, "p"), *n = hexbn(curve, "n"),
	       *cof = hexbn(curve, "cofactor"), *a = BN_new(), *b = BN_new();
	BIGNUM *gx = hexbn(g, "x"), *gy = hexbn(g, "y"), *yx = hexbn(y, "x"),
	       *yy = hexbn(y, "y"), *s = BN_new(), *h = BN_new(),
	       *rx = BN_new(), *ry = BN_new();
	EC_GROUP *grp;
	EC_POINT *G, *Y, *R;
	unsigned long ops = 0;
	double end;
	uint8_t buf[5 + 96], d[32];
	const char tag[] = "actsim/pkey/v1";

	BN_set_word(a, 1);
	BN_zero(b);
	grp = EC_GROUP_new_curve_GFp(p, a, b, ctx);
	G = EC_POINT_new(grp);
	Y = EC_POINT_new(grp);
	R = EC_POINT_new(grp);
	if (grp == NULL ||
	    !EC_POINT_set_affine_coordinates(grp, G, gx, gy, ctx) ||
	    !EC_GROUP_set_generator(grp, G, n, cof) ||
	    !EC_POINT_set_affine_coordinates(grp, Y, yx, yy, ctx)) {
		fprintf(stderr, "baseline: OpenSSL rejected the curve\n");
		exit(1);
	}
	end = now() + seconds;
	while (now() < end) {
		for (int i = 0; i < 16; i++, ops++) {
			const struct actsim_pkey *k = &pool[ops % POOL];
			EVP_MD_CTX *mc = EVP_MD_CTX_new();
			unsigned int dl;
			uint32_t hv;

			BN_set_word(s, k->signature);
			BN_set_word(h, k->hash);
			EC_POINT_mul(grp, R, s, Y, h, ctx);
			EC_POINT_get_affine_coordinates(grp, R, rx, ry, ctx);
			buf[0] = k->upgrade;
			buf[1] = (uint8_t)(k->channel_id >> 8);
			buf[2] = (uint8_t)k->channel_id;
			buf[3] = (uint8_t)(k->auth_info >> 8);
			buf[4] = (uint8_t)k->auth_info;
			BN_bn2binpad(rx, buf + 5, 48);
			BN_bn2binpad(ry, buf + 53, 48);
			EVP_DigestInit_ex(mc, EVP_sha256(), NULL);
			EVP_DigestUpdate(mc, tag, sizeof tag);
			EVP_DigestUpdate(mc, buf, sizeof buf);
			EVP_DigestFinal_ex(mc, d, &dl);
			EVP_MD_CTX_free(mc);
			hv = ((uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
			      (uint32_t)d[2] << 8 | d[3]) >> 1;
			if (hv != k->hash) {
				fprintf(stderr, "baseline: mismatch\n");
				exit(1);
			}
		}
	}
	EC_POINT_free(G);
	EC_POINT_free(Y);
	EC_POINT_free(R);
	EC_GROUP_free(grp);
	BN_free(p); BN_free(n); BN_free(cof); BN_free(a); BN_free(b);
	BN_free(gx); BN_free(gy); BN_free(yx); BN_free(yy);
	BN_free(s); BN_free(h); BN_free(rx); BN_free(ry);
	BN_CTX_free(ctx);
	json_decref(doc);
	free(pub);
	return (double)ops / seconds;
}

int main(int argc, char **argv)
{
	uint8_t seed[ACTSIM_SEED_BYTES];

	if (argc > 1)
		seconds = strtod(argv[1], NULL);
	if (seconds <= 0)
		seconds = 1.0;
	if (actsim_realm_seed_from_number(seed, 0) != ACTSIM_OK ||
	    actsim_realm_generate(&realm, seed) != ACTSIM_OK)
		return 1;
	gen.realm = realm;
	gen.channel_id_min = 100;
	gen.channel_id_max = 111;
	if (actsim_keygen_seed_from_number(gen.stream_key, 7) != ACTSIM_OK ||
	    actsim_pkey_generate_batch(&gen, POOL, 2, pool, NULL, NULL) !=
		    ACTSIM_OK)
		return 1;
	printf("key_gen_1t %.0f\n", run(0, 1));
	printf("key_gen_2t %.0f\n", run(0, 2));
	printf("key_check_1t %.0f\n", run(1, 1));
	printf("key_check_2t %.0f\n", run(1, 2));
	printf("baseline_check_1t %.0f\n", baseline());
	actsim_realm_free(realm);
	return 0;
}
