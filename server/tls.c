#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tls.h"
#include "../common/banned.h"

static int fail(char *err, size_t cap, const char *what)
{
	unsigned long e = ERR_get_error();
	char ossl[160] = "";

	if (e != 0)
		ERR_error_string_n(e, ossl, sizeof ossl);
	snprintf(err, cap, "%s%s%s", what, ossl[0] ? ": " : "", ossl);
	ERR_clear_error();
	return -1;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate for `key`, signed by issuer_key (self-signed when issuer
 * is NULL). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer,
		       EVP_PKEY *issuer_key, int ca)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	int ok;

	ok = x != NULL && name != NULL &&
	     RAND_bytes(serial, sizeof serial) == 1 &&
	     (serial[0] &= 0x7f, (bn = BN_bin2bn(serial, sizeof serial, NULL)) !=
				    NULL) &&
	     BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL &&
	     X509_set_version(x, 2) &&
	     ASN1_TIME_set_string_X509(X509_getm_notBefore(x),
				       "20000101000000Z") &&
	     ASN1_TIME_set_string_X509(X509_getm_notAfter(x),
				       "20991231235959Z") &&
	     X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)"actsim lab", -1,
					-1, 0) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) &&
	     X509_set_subject_name(x, name) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
					      name) &&
	     X509_set_pubkey(x, key) &&
	     add_ext(x, issuer ? issuer : x, NID_subject_key_identifier,
		     "hash") &&
	     add_ext(x, issuer ? issuer : x, NID_authority_key_identifier,
		     "keyid:always");
	if (ok && ca)
		ok = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_ext(x, x, NID_key_usage,
			     "critical,keyCertSign,cRLSign");
	else if (ok)
		ok = add_ext(x, issuer, NID_basic_constraints,
			     "critical,CA:FALSE") &&
		     add_ext(x, issuer, NID_key_usage,
			     "critical,digitalSignature") &&
		     add_ext(x, issuer, NID_ext_key_usage, "serverAuth") &&
		     add_ext(x, issuer, NID_subject_alt_name,
			     "DNS:localhost,IP:127.0.0.1,IP:::1");
	if (ok)
		ok = X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()) >
		     0;
	BN_free(bn);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Writes PEM with write_fn into path, created with `mode`. */
static int write_pem(const char *path, mode_t mode, X509 *cert,
		     EVP_PKEY *key)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FILE *f;
	int ok;

	if (fd < 0)
		return 0;
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return 0;
	}
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return 0;
	}
	ok = cert ? PEM_write_X509(f, cert) :
		    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok;
}

int tls_ensure_lab_certs(const char *lab_dir, char *err, size_t cap)
{
	char dir[4096], ca[4200], cakey[4200], srv[4200], srvkey[4200];
	EVP_PKEY *ck = NULL, *sk = NULL;
	X509 *cc = NULL, *sc = NULL;
	int rc = -1;

	snprintf(dir, sizeof dir, "%s/tls", lab_dir);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	snprintf(cakey, sizeof cakey, "%s/ca-key.pem", dir);
	snprintf(srv, sizeof srv, "%s/server.pem", dir);
	snprintf(srvkey, sizeof srvkey, "%s/server-key.pem", dir);
	if (access(ca, R_OK) == 0 && access(srv, R_OK) == 0 &&
	    access(srvkey, R_OK) == 0)
		return 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, cap, "cannot create '%s': %s", dir,
			 strerror(errno));
		return -1;
	}
	ck = EVP_EC_gen("P-256");
	sk = EVP_EC_gen("P-256");
	if (ck == NULL || sk == NULL) {
		fail(err, cap, "cannot generate TLS keys");
		goto out;
	}
	cc = make_cert(ck, "actsim lab CA", NULL, NULL, 1);
	sc = cc ? make_cert(sk, "localhost", cc, ck, 0) : NULL;
	if (sc == NULL) {
		fail(err, cap, "cannot make the lab certificates");
		goto out;
	}
	if (!write_pem(cakey, 0600, NULL, ck) ||
	    !write_pem(srvkey, 0600, NULL, sk) || !write_pem(ca, 0644, cc, NULL) ||
	    !write_pem(srv, 0644, sc, NULL)) {
		snprintf(err, cap, "cannot write certificates in '%s'", dir);
		goto out;
	}
	rc = 0;
out:
	X509_free(cc);
	X509_free(sc);
	EVP_PKEY_free(ck);
	EVP_PKEY_free(sk);
	return rc;
}

SSL_CTX *tls_server_ctx(const char *cert_file, const char *key_file,
			char *err, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		fail(err, cap, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_RENEGOTIATION);
	/* Key exchange with the named curves only: TLS 1.3 would otherwise
	 * offer the finite-field (FFDHE) groups too. */
	if (!SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") ||
	    !SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:"
					  "!aNULL:!eNULL:!SHA1") ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		fail(err, cap, "cannot load the server certificate and key");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
