/* Simulated servers: an installation (key, product ID, language, country,
 * install time), its hardware and its activation record. Machines live in
 * the lab database; these functions run inside the caller's transaction. */
#ifndef ACTSIM_MACHINE_H
#define ACTSIM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/hwid.h"
#include "actsim/ids.h"
#include "actsim/lab.h"
#include "actsim/license.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ACTSIM_MACHINE_NAME_MAX 63
#define ACTSIM_WORD_MAX 64
#define ACTSIM_MAX_APPS 32
#define ACTSIM_APP_MAX 47
#define ACTSIM_MACHINE_HISTORY 32

/* What happened to a machine after installation, for its timeline. */
enum actsim_machine_event_kind {
	ACTSIM_EVENT_ACTIVATED, /* a confirmation ID was accepted */
	ACTSIM_EVENT_HARDWARE   /* components were replaced */
};

struct actsim_machine_event {
	enum actsim_machine_event_kind kind;
	int64_t at;
	char detail[16];       /* activation kind (online, phone, ...) */
	unsigned votes;        /* hardware: votes matching the baseline */
	bool within_tolerance; /* hardware: still within tolerance */
};

/* A machine. Plain value: no resources. */
struct actsim_machine {
	char name[ACTSIM_MACHINE_NAME_MAX + 1];
	char key[ACTSIM_PKEY_TEXT_BYTES];
	char sku[ACTSIM_WORD_MAX + 1], channel[ACTSIM_WORD_MAX + 1];
	char platform[ACTSIM_WORD_MAX + 1];
	bool r2;
	char language[ACTSIM_WORD_MAX + 1], country[ACTSIM_WORD_MAX + 1];
	char product_id[ACTSIM_PID_TEXT_BYTES];
	uint16_t channel_id;
	uint32_t sequence;
	unsigned install;
	uint64_t key_id;
	int64_t installed_at;
	struct actsim_hw_profile hardware;
	uint64_t hardware_hash;
	unsigned replacements; /* components replaced so far */
	bool activated;
	int64_t activated_at;
	uint64_t baseline_hash; /* hardware at the last activation */
	char activation_kind[16]; /* local, online, phone, cid, oem_bios */
	char confirmation_id[ACTSIM_CID_TEXT_BYTES];
	bool out_of_tolerance;
	int64_t out_of_tolerance_at;
	/* software: seeds 000, 002, 003, 004 */
	unsigned os;        /* 2000, 2003 or 2008 */
	unsigned sp;        /* service pack level */
	char apps[ACTSIM_MAX_APPS][ACTSIM_APP_MAX + 1]; /* "exchange:2003" */
	size_t napps;
	bool sp2_blocked;   /* by the hotfix scan tool, until /d */
	char regressed[ACTSIM_MAX_APPS][ACTSIM_APP_MAX + 1]; /* KB numbers */
	size_t nregressed;
	bool exchange_broken; /* an unsupported upgrade was forced */
	/* the last ACTSIM_MACHINE_HISTORY events, oldest first */
	struct actsim_machine_event history[ACTSIM_MACHINE_HISTORY];
	size_t nhistory;
};

struct actsim_machine_spec {
	const char *name;
	const char *key;
	const struct actsim_hw_profile *hardware;
	const char *language; /* NULL: "en" */
	const char *country;  /* NULL: the catalog's default */
	unsigned os;          /* 0: 2003 */
	int sp;               /* -1: 1 (R2 CD1 is SP1 slipstreamed) */
	bool r2;              /* R2 installed (also true with an R2 key) */
	const char *const *apps; /* NULL-terminated, may be NULL */
};

/* Whether an application name is one a machine can have:
 * exchange:2000|2003|2007|2007sp1, powershell, ie:6|7, cluster,
 * domain-controller, adc:2000, driver:NAME, hotfix:KBnnnnnn[-v2]. */
bool actsim_app_valid(const char *app);

/* Whether the machine has the application (exact name). */
bool actsim_machine_has_app(const struct actsim_machine *m, const char *app);
/* The installed version of a versioned application ("exchange"), or
 * NULL. */
const char *actsim_machine_app_version(const struct actsim_machine *m,
				       const char *name);
/* Adds (when absent) or removes an application. */
bool actsim_machine_add_app(struct actsim_machine *m, const char *app);
void actsim_machine_remove_app(struct actsim_machine *m, const char *app);

/* Installs a machine at the lab clock's time. Errors, with a message in
 * err: ACTSIM_E_INVALID_ARG (name, language, country),
 * ACTSIM_E_MALFORMED_KEY, ACTSIM_E_BAD_SIGNATURE (the key is not valid),
 * ACTSIM_E_EXISTS. An OEM key on hardware whose BIOS carries the catalog's
 * marker is pre-activated; a volume license key is exempt. */
actsim_err actsim_machine_create(struct actsim_lab *lab,
				 const struct actsim_catalog *cat,
				 const struct actsim_machine_spec *spec,
				 struct actsim_machine *out, char *err,
				 size_t cap) __attribute__((warn_unused_result));

actsim_err actsim_machine_load(struct actsim_lab *lab, const char *name,
			       struct actsim_machine *out)
	__attribute__((warn_unused_result));
/* Reads a stored record (one of actsim_lab_machine_all's) into *out;
 * ACTSIM_E_DB when it is damaged. */
actsim_err actsim_machine_from_json(json_t *rec, struct actsim_machine *out)
	__attribute__((warn_unused_result));

/* The members of a stored record that actsim_machine_summary_from_json
 * reads (NULL-terminated; for actsim_lab_machine_fields). */
const char *const *actsim_machine_summary_fields(void);
/* Reads a record, whole or cut down to actsim_machine_summary_fields,
 * into the parts of *out a license needs: name, sku, channel, platform,
 * r2, installed_at, hardware_hash, activated(_at), baseline_hash and the
 * tolerance fields; the rest is zero. ACTSIM_E_DB when it is damaged. */
actsim_err actsim_machine_summary_from_json(json_t *rec,
					    struct actsim_machine *out)
	__attribute__((warn_unused_result));

actsim_err actsim_machine_save(struct actsim_lab *lab,
			       const struct actsim_machine *m)
	__attribute__((warn_unused_result));

/* The machine's license at `now`. */
void actsim_machine_license(const struct actsim_catalog *cat,
			    const struct actsim_machine *m, int64_t now,
			    struct actsim_license_state *out);

/* The machine's current installation ID (its current hardware). */
actsim_err actsim_machine_iid(struct actsim_lab *lab,
			      const struct actsim_machine *m,
			      struct actsim_iid *out)
	__attribute__((warn_unused_result));

/* New hardware: votes it against the activation baseline; going out of
 * tolerance starts the reactivation window at `now`, coming back within
 * tolerance ends it. An activated machine's history records the change
 * with its votes. */
actsim_err actsim_machine_set_hardware(struct actsim_machine *m,
				       const struct actsim_hw_profile *p,
				       int64_t now)
	__attribute__((warn_unused_result));

struct actsim_check_result;
/* Installs another product key (slmgr /ipk), checked against the
 * installed media (the machine's SKU, channel, platform, R2) as Setup
 * checks it; the verdict goes to *check. When the key is accepted the
 * machine takes it with a new product ID (same install digits) and must
 * activate again; installed_at does not move, so the grace period keeps
 * counting from installation; an OEM key on hardware whose BIOS carries
 * the catalog's marker comes activated, as at installation. The key
 * already installed changes nothing. When refused, *m is unchanged and
 * ACTSIM_OK is returned with check->code saying why. Errors:
 * ACTSIM_E_MALFORMED_KEY (text that is not a key). Does not save. */
actsim_err actsim_machine_change_key(struct actsim_lab *lab,
				     const struct actsim_catalog *cat,
				     struct actsim_machine *m, const char *key,
				     struct actsim_check_result *check)
	__attribute__((warn_unused_result));

/* Records an accepted confirmation ID: the current hardware becomes the
 * baseline, and the history gets an activation event. */
void actsim_machine_activated(struct actsim_machine *m, const char *cid,
			      const char *kind, int64_t now);

/* The machine as a document (what `machine show` prints, less license
 * fields). */
json_t *actsim_machine_to_json(const struct actsim_machine *m);

/* The machine's grace timeline at `now`, a new object:
 *   {"name", "channel", "now", "start", "end",
 *    "events": [{"at", "kind", "label", ...}],   ordered by time
 *    "windows": [{"kind", "from", "to"}]}
 * Event kinds: installed, reminder, deadline, activated, hardware (with
 * "votes", "needed" and "within_tolerance"), reactivation_deadline,
 * evaluation_end; window kinds: grace, reactivation. Times are RFC 3339.
 * "start" and "end" bound what a drawing should show: installation to a
 * little past the last event or now. NULL when out of memory. Pure. */
json_t *actsim_machine_timeline(const struct actsim_catalog *cat,
				const struct actsim_machine *m, int64_t now);

#ifdef __cplusplus
}
#endif
#endif
