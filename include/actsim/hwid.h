/* Hardware profiles, the 64-bit hardware hash and tolerance voting
 * (DESIGN.md section 3; docs/formats.md).
 *
 * Hash bits, least significant first: volume serial 0-9, NIC MAC 10-19,
 * CD-ROM 20-26, display adapter 27-31, version 32-34, CPU serial 35-40,
 * hard drive 41-47, SCSI adapter 48-52, IDE controller 53-56, CPU model
 * 57-59, RAM range 60-62, dockable 63. */
#ifndef ACTSIM_HWID_H
#define ACTSIM_HWID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "actsim/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The voted components, in hash order. */
enum actsim_hw_field {
	ACTSIM_HW_VOLUME_SERIAL,
	ACTSIM_HW_NIC_MAC,
	ACTSIM_HW_CDROM,
	ACTSIM_HW_DISPLAY,
	ACTSIM_HW_CPU_SERIAL,
	ACTSIM_HW_HDD,
	ACTSIM_HW_SCSI,
	ACTSIM_HW_IDE,
	ACTSIM_HW_CPU_MODEL,
	ACTSIM_HW_RAM_RANGE,
	ACTSIM_HW_FIELDS
};

#define ACTSIM_HW_STRINGS 9    /* every field but RAM is an ID string */
#define ACTSIM_HW_ID_MAX 128   /* longest component ID, bytes */
#define ACTSIM_HW_PROFILE_MAX 16384 /* longest profile JSON, bytes */
#define ACTSIM_HW_VERSION 1
#define ACTSIM_HW_TOTAL_VOTES 12
#define ACTSIM_HW_NEEDED 7
#define ACTSIM_HW_NEEDED_DOCKABLE 4
#define ACTSIM_HW_HASH_HEX 17

/* A machine's hardware. Plain value: no resources. */
struct actsim_hw_profile {
	bool present[ACTSIM_HW_STRINGS];
	char id[ACTSIM_HW_STRINGS][ACTSIM_HW_ID_MAX + 1];
	long ram_mb; /* -1: absent */
	bool dockable;
	bool has_bios;
	char bios[ACTSIM_HW_ID_MAX + 1];
};

/* "volume_serial", "nic_mac", ..., "ram_range"; NULL out of range. */
const char *actsim_hw_field_name(enum actsim_hw_field f);
/* The field with that name ("ram" and "ram_mb" mean ram_range); -1. */
int actsim_hw_field_lookup(const char *name);
unsigned actsim_hw_field_bits(enum actsim_hw_field f);
unsigned actsim_hw_field_votes(enum actsim_hw_field f);

/* Parses a profile document: members volume_serial, nic_mac, cdrom,
 * display, cpu_serial, hdd, scsi, ide, cpu_model, bios (strings), ram_mb
 * (integer), dockable (bool); all optional, null means absent; any other
 * member is an error. On failure returns ACTSIM_E_INVALID_ARG with
 * "$.member: what is wrong" in err. */
actsim_err actsim_hw_profile_from_json(struct actsim_hw_profile *out,
				       const json_t *doc, char *err,
				       size_t cap)
	__attribute__((warn_unused_result));
actsim_err actsim_hw_profile_parse(struct actsim_hw_profile *out,
				   const char *text, size_t len, char *err,
				   size_t cap) __attribute__((warn_unused_result));
/* The profile as a document (new reference); absent members omitted. */
json_t *actsim_hw_profile_to_json(const struct actsim_hw_profile *p);

/* Replaces one component with a new one, as a technician would: a string
 * ID becomes "<old>/replacement-<serial>"; RAM moves to another range
 * (doubled, or 512 MB from absent or 1 GB and more). */
void actsim_hw_profile_replace(struct actsim_hw_profile *p,
			       enum actsim_hw_field f, unsigned serial);

/* The 64-bit hardware hash of a profile. */
actsim_err actsim_hw_hash(const struct actsim_hw_profile *p, uint64_t *out)
	__attribute__((warn_unused_result));

/* One field's value in a hash; 0 means absent. */
unsigned actsim_hw_hash_field(uint64_t hash, enum actsim_hw_field f);
bool actsim_hw_hash_dockable(uint64_t hash);
unsigned actsim_hw_hash_version(uint64_t hash);

/* 16 lower-case hex digits; parsing accepts either case. */
void actsim_hw_hash_format(char out[ACTSIM_HW_HASH_HEX], uint64_t hash);
actsim_err actsim_hw_hash_parse(const char *text, uint64_t *out)
	__attribute__((warn_unused_result));

/* The outcome of voting `now` against the baseline `base`. */
struct actsim_hw_vote {
	unsigned votes;        /* votes of the fields that match */
	unsigned needed;       /* 7, or 4 when the baseline is dockable */
	bool within_tolerance; /* votes >= needed */
	unsigned changed;      /* bit f set: field f differs */
};

void actsim_hw_compare(uint64_t base, uint64_t now,
		       struct actsim_hw_vote *out);

#ifdef __cplusplus
}
#endif
#endif
