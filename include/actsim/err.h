/* actsim error codes. The numbers are frozen: tooling stores them. */
#ifndef ACTSIM_ERR_H
#define ACTSIM_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum actsim_err {
	ACTSIM_OK = 0,
	ACTSIM_E_NOMEM = 1,           /* out of memory */
	ACTSIM_E_INVALID_ARG = 2,     /* bad argument from the caller */
	ACTSIM_E_MALFORMED_KEY = 3,   /* wrong length or character */
	ACTSIM_E_KEY_RANGE = 4,       /* 25 valid characters, value >= 2^114 */
	ACTSIM_E_BAD_SIGNATURE = 5,   /* key signature does not verify */
	ACTSIM_E_UNKNOWN_CHANNEL_ID = 6, /* channel ID not in the catalog */
	ACTSIM_E_CATALOG = 7,         /* catalog file malformed */
	ACTSIM_E_UNKNOWN_PRODUCT = 8, /* combination the catalog lacks */
	ACTSIM_E_REALM = 9,           /* realm file malformed or inconsistent */
	ACTSIM_E_IO = 10,             /* file system error */
	ACTSIM_E_NO_LAB = 11,         /* lab directory missing or not a lab */
	ACTSIM_E_LAB_EXISTS = 12,     /* lab init over an existing lab */
	ACTSIM_E_DB = 13,             /* database error */
	ACTSIM_E_CRYPTO = 14,         /* OpenSSL or GMP failure */
	ACTSIM_E_TOO_BIG = 15,        /* input over its documented cap */
	ACTSIM_E_LAB_VERSION = 16,    /* lab from a newer actsim */
	ACTSIM_E_PERMISSION = 17,     /* private file readable by others */
	ACTSIM_E_MALFORMED_ID = 18,   /* installation/confirmation ID text */
	ACTSIM_E_INVALID_IID = 19,    /* not an installation ID of this realm */
	ACTSIM_E_NOT_FOUND = 20,      /* no such machine or record */
	ACTSIM_E_EXISTS = 21,         /* a machine of that name exists */
	ACTSIM_E_LAB_BUSY = 22,       /* another process held the lab too long */
	ACTSIM_E_LAB_DAMAGED = 23,    /* realm files and database disagree */
	ACTSIM_E_DB_UNAVAILABLE = 24, /* the lab's database server unreachable */
	ACTSIM_E__COUNT                /* not an error: number of codes */
} actsim_err;

/* Returns a static, human-readable text for `e`; never NULL. Unknown
 * values give "unknown error". Thread-safe. */
const char *actsim_strerror(actsim_err e);

#ifdef __cplusplus
}
#endif
#endif
