/* Setup and servicing rules (seeds 000, 002, 003, 004): the R2 upgrade
 * advisor, Service Pack 2 and its hotfix scan tool, available updates, and
 * Exchange/Windows upgrade planning. The facts are the catalog's
 * (r2_upgrade, service_pack_2, exchange); these functions are the
 * mechanisms. Results are JSON documents (new references). */
#ifndef ACTSIM_SETUP_H
#define ACTSIM_SETUP_H

#include <stdbool.h>

#include <jansson.h>

#include "actsim/catalog.h"
#include "actsim/machine.h"
#include "actsim/realm.h"

#ifdef __cplusplus
extern "C" {
#endif

struct actsim_r2_query {
	const char *from_sku, *from_channel, *from_platform, *from_language;
	unsigned from_sp;
	const char *to_sku, *to_channel, *to_platform, *to_language;
	const char *key;       /* the R2 key to be typed, or NULL */
	bool r2_key_installed; /* SP1 installed with, or key changed to, an R2
				* key before CD2 */
	bool domain_controller;
};

/* The advice: {"allowed", "option" (1|2|3|null), "prompt_for_key",
 * "clean_install_required", "code", "message", "steps", "warnings"}. Codes:
 * OPTION_1, OPTION_2, OPTION_3, SP1_REQUIRED, NO_ITANIUM_R2,
 * PLATFORM_MISMATCH, LANGUAGE_MISMATCH, WEB_EDITION, SKU_NOT_SUPPORTED,
 * INVALID_KEY, EDITION_MISMATCH. Pure. */
json_t *actsim_setup_r2(const struct actsim_catalog *cat,
			const struct actsim_realm *realm,
			const struct actsim_r2_query *q);

/* Installs Service Pack 2 on a machine (changes *m). Returns a report
 * {"sp", "ie", "regressed", "migrated", "warnings"}, or NULL with *code
 * set: "SP2_BLOCKED" (the scan tool blocked it), "NOT_APPLICABLE" (not
 * Windows Server 2003, or SP2 already). */
json_t *actsim_setup_sp2(const struct actsim_catalog *cat,
			 struct actsim_machine *m, bool slipstream,
			 const char **code);

/* The hotfix regression scan tool. Before SP2: the installed
 * support-only hotfixes that would regress, and SP2 blocked unless
 * `unblock` (/d); after SP2: the regressed ones. Changes *m. Returns
 * {"phase", "hotfixes": [{kb, title, reissued}], "sp2_blocked"}. */
json_t *actsim_setup_hotfix_scan(const struct actsim_catalog *cat,
				 struct actsim_machine *m, bool unblock);

/* Updates offered: SP2 while it is needed and not hidden; updates it
 * supersedes are hidden while it is offered. {"updates": [...]} */
json_t *actsim_setup_updates(const struct actsim_catalog *cat,
			     const struct actsim_machine *m, bool hide_sp2);

/* An upgrade plan to target_os (2003, 2008) and, when exchange is not
 * NULL, to that Exchange version: {"possible", "steps", "blockers":
 * [{code, reason, source}], "alternatives", "warnings"}. Pure. */
json_t *actsim_setup_plan(const struct actsim_catalog *cat,
			  const struct actsim_machine *m, unsigned target_os,
			  const char *exchange);

/* Carries a plan out: the OS and Exchange change as planned; with
 * blockers it happens only when forced, and Exchange ends up broken as
 * seed 004 recounts. */
void actsim_setup_apply(const struct actsim_catalog *cat,
			struct actsim_machine *m, unsigned target_os,
			const char *exchange, bool blocked);

#ifdef __cplusplus
}
#endif
#endif
