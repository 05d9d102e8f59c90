#include "actsim/err.h"

#include <stddef.h>

static const char *const messages[ACTSIM_E__COUNT] = {
	[ACTSIM_OK] = "success",
	[ACTSIM_E_NOMEM] = "out of memory",
	[ACTSIM_E_INVALID_ARG] = "invalid argument",
	[ACTSIM_E_MALFORMED_KEY] = "malformed product key",
	[ACTSIM_E_KEY_RANGE] = "product key value out of range",
	[ACTSIM_E_BAD_SIGNATURE] = "product key signature does not verify",
	[ACTSIM_E_UNKNOWN_CHANNEL_ID] = "channel ID not configured in the catalog",
	[ACTSIM_E_CATALOG] = "malformed catalog",
	[ACTSIM_E_UNKNOWN_PRODUCT] = "product not in the catalog",
	[ACTSIM_E_REALM] = "malformed realm",
	[ACTSIM_E_IO] = "input/output error",
	[ACTSIM_E_NO_LAB] = "no lab",
	[ACTSIM_E_LAB_EXISTS] = "lab already exists",
	[ACTSIM_E_DB] = "database error",
	[ACTSIM_E_CRYPTO] = "cryptographic library failure",
	[ACTSIM_E_TOO_BIG] = "input too large",
	[ACTSIM_E_LAB_VERSION] = "lab made by a newer actsim",
	[ACTSIM_E_PERMISSION] = "private file readable by others",
	[ACTSIM_E_MALFORMED_ID] = "malformed installation or confirmation ID",
	[ACTSIM_E_INVALID_IID] = "not an installation ID of this lab",
	[ACTSIM_E_NOT_FOUND] = "not found",
	[ACTSIM_E_EXISTS] = "already exists",
	[ACTSIM_E_LAB_BUSY] = "lab busy",
	[ACTSIM_E_LAB_DAMAGED] = "lab damaged",
	[ACTSIM_E_DB_UNAVAILABLE] = "lab database unreachable",
};

const char *actsim_strerror(actsim_err e)
{
	if ((int)e < 0 || e >= ACTSIM_E__COUNT || messages[e] == NULL)
		return "unknown error";
	return messages[e];
}
