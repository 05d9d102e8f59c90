#include <stdio.h>
#include <string.h>

#include "actsim/hwid.h"
#include "../common/internal.h"

static const struct {
	const char *name;
	unsigned lsb, bits, votes;
} fields[ACTSIM_HW_FIELDS] = {
	[ACTSIM_HW_VOLUME_SERIAL] = { "volume_serial", 0, 10, 1 },
	[ACTSIM_HW_NIC_MAC] = { "nic_mac", 10, 10, 3 },
	[ACTSIM_HW_CDROM] = { "cdrom", 20, 7, 1 },
	[ACTSIM_HW_DISPLAY] = { "display", 27, 5, 1 },
	[ACTSIM_HW_CPU_SERIAL] = { "cpu_serial", 35, 6, 1 },
	[ACTSIM_HW_HDD] = { "hdd", 41, 7, 1 },
	[ACTSIM_HW_SCSI] = { "scsi", 48, 5, 1 },
	[ACTSIM_HW_IDE] = { "ide", 53, 4, 1 },
	[ACTSIM_HW_CPU_MODEL] = { "cpu_model", 57, 3, 1 },
	[ACTSIM_HW_RAM_RANGE] = { "ram_range", 60, 3, 1 },
};

#define VERSION_LSB 32
#define DOCKABLE_BIT 63

const char *actsim_hw_field_name(enum actsim_hw_field f)
{
	return (unsigned)f < ACTSIM_HW_FIELDS ? fields[f].name : NULL;
}

int actsim_hw_field_lookup(const char *name)
{
	if (strcmp(name, "ram") == 0 || strcmp(name, "ram_mb") == 0)
		return ACTSIM_HW_RAM_RANGE;
	for (int f = 0; f < ACTSIM_HW_FIELDS; f++)
		if (strcmp(fields[f].name, name) == 0)
			return f;
	return -1;
}

unsigned actsim_hw_field_bits(enum actsim_hw_field f)
{
	return (unsigned)f < ACTSIM_HW_FIELDS ? fields[f].bits : 0;
}

unsigned actsim_hw_field_votes(enum actsim_hw_field f)
{
	return (unsigned)f < ACTSIM_HW_FIELDS ? fields[f].votes : 0;
}

static actsim_err perr(char *err, size_t cap, const char *member,
		       const char *what)
{
	if (err != NULL && cap > 0)
		snprintf(err, cap, "$.%s: %s", member, what);
	return ACTSIM_E_INVALID_ARG;
}

actsim_err actsim_hw_profile_from_json(struct actsim_hw_profile *out,
				       const json_t *doc, char *err,
				       size_t cap)
{
	struct actsim_hw_profile p;
	const char *key;
	json_t *v;

	if (!json_is_object(doc)) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "$: a hardware profile must be a "
					   "JSON object");
		return ACTSIM_E_INVALID_ARG;
	}
	memset(&p, 0, sizeof p);
	p.ram_mb = -1;
	json_object_foreach((json_t *)doc, key, v) {
		int f = -1;

		for (int i = 0; i < ACTSIM_HW_STRINGS; i++)
			if (strcmp(key, fields[i].name) == 0)
				f = i;
		if (json_is_null(v))
			continue;
		if (f >= 0 || strcmp(key, "bios") == 0) {
			char *dst = f >= 0 ? p.id[f] : p.bios;

			if (!json_is_string(v) || json_string_length(v) == 0)
				return perr(err, cap, key,
					    "must be a non-empty string or "
					    "null");
			if (json_string_length(v) > ACTSIM_HW_ID_MAX)
				return perr(err, cap, key,
					    "longer than 128 bytes");
			if (strlen(json_string_value(v)) !=
			    json_string_length(v))
				return perr(err, cap, key,
					    "must not contain NUL");
			memcpy(dst, json_string_value(v),
			       json_string_length(v) + 1);
			if (f >= 0)
				p.present[f] = true;
			else
				p.has_bios = true;
		} else if (strcmp(key, "ram_mb") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 1L << 40)
				return perr(err, cap, key,
					    "must be a whole number of "
					    "megabytes or null");
			p.ram_mb = (long)json_integer_value(v);
		} else if (strcmp(key, "dockable") == 0) {
			if (!json_is_boolean(v))
				return perr(err, cap, key,
					    "must be true or false");
			p.dockable = json_is_true(v);
		} else {
			return perr(err, cap, key,
				    "unknown member (expected volume_serial, "
				    "nic_mac, cdrom, display, cpu_serial, hdd, "
				    "scsi, ide, cpu_model, ram_mb, dockable, "
				    "bios)");
		}
	}
	*out = p;
	return ACTSIM_OK;
}

actsim_err actsim_hw_profile_parse(struct actsim_hw_profile *out,
				   const char *text, size_t len, char *err,
				   size_t cap)
{
	json_error_t je;
	json_t *doc;
	actsim_err e;

	if (len > ACTSIM_HW_PROFILE_MAX) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "larger than %d bytes",
				 ACTSIM_HW_PROFILE_MAX);
		return ACTSIM_E_TOO_BIG;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		if (err != NULL && cap > 0)
			snprintf(err, cap, "line %d column %d: invalid JSON: %s",
				 je.line, je.column, je.text);
		return ACTSIM_E_INVALID_ARG;
	}
	e = actsim_hw_profile_from_json(out, doc, err, cap);
	json_decref(doc);
	return e;
}

json_t *actsim_hw_profile_to_json(const struct actsim_hw_profile *p)
{
	json_t *doc = json_object();

	for (int i = 0; i < ACTSIM_HW_STRINGS; i++)
		if (p->present[i])
			json_object_set_new(doc, fields[i].name,
					    json_string(p->id[i]));
	if (p->ram_mb >= 0)
		json_object_set_new(doc, "ram_mb", json_integer(p->ram_mb));
	json_object_set_new(doc, "dockable", json_boolean(p->dockable));
	if (p->has_bios)
		json_object_set_new(doc, "bios", json_string(p->bios));
	return doc;
}

void actsim_hw_profile_replace(struct actsim_hw_profile *p,
			       enum actsim_hw_field f, unsigned serial)
{
	char buf[ACTSIM_HW_ID_MAX + 32];
	size_t n;

	if (f == ACTSIM_HW_RAM_RANGE) {
		/* Always into another range: doubled, or 512 MB when the
		 * memory was absent or already at the top range (1 GB+). */
		if (p->ram_mb < 0 || p->ram_mb >= 1024)
			p->ram_mb = 512;
		else
			p->ram_mb = p->ram_mb * 2 < 32 ? 32 : p->ram_mb * 2;
		return;
	}
	if ((unsigned)f >= ACTSIM_HW_STRINGS)
		return;
	/* Keep the tail, where serial numbers live, if the ID is long. */
	snprintf(buf, sizeof buf, "%s/replacement-%u",
		 p->present[f] ? p->id[f] : fields[f].name, serial);
	n = strlen(buf);
	if (n > ACTSIM_HW_ID_MAX) {
		memmove(buf, buf + n - ACTSIM_HW_ID_MAX, ACTSIM_HW_ID_MAX + 1);
		n = ACTSIM_HW_ID_MAX;
	}
	memcpy(p->id[f], buf, n + 1);
	p->present[f] = true;
}

static unsigned ram_range(long mb)
{
	static const long limits[] = { 32, 64, 128, 256, 512, 1024 };
	unsigned r = 1;

	if (mb < 0)
		return 0;
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
		if (mb >= limits[i])
			r = (unsigned)i + 2;
	return r;
}

actsim_err actsim_hw_hash(const struct actsim_hw_profile *p, uint64_t *out)
{
	uint64_t h = (uint64_t)ACTSIM_HW_VERSION << VERSION_LSB;

	for (int f = 0; f < ACTSIM_HW_STRINGS; f++) {
		uint8_t buf[32 + ACTSIM_HW_ID_MAX + 1], d[ACTSIM_HASH_BYTES];
		size_t nl = strlen(fields[f].name), il;
		uint64_t v;
		actsim_err e;

		if (!p->present[f])
			continue;
		il = strnlen(p->id[f], ACTSIM_HW_ID_MAX);
		memcpy(buf, fields[f].name, nl);
		buf[nl] = 0;
		memcpy(buf + nl + 1, p->id[f], il);
		e = actsim_hash_tagged(d, "actsim/hwid/v1", buf, nl + 1 + il);
		if (e != ACTSIM_OK)
			return e;
		v = actsim_get_be64(d) % ((UINT64_C(1) << fields[f].bits) - 1) +
		    1;
		h |= v << fields[f].lsb;
	}
	h |= (uint64_t)ram_range(p->ram_mb) << fields[ACTSIM_HW_RAM_RANGE].lsb;
	if (p->dockable)
		h |= UINT64_C(1) << DOCKABLE_BIT;
	*out = h;
	return ACTSIM_OK;
}

unsigned actsim_hw_hash_field(uint64_t hash, enum actsim_hw_field f)
{
	if ((unsigned)f >= ACTSIM_HW_FIELDS)
		return 0;
	return (unsigned)((hash >> fields[f].lsb) &
			  ((UINT64_C(1) << fields[f].bits) - 1));
}

bool actsim_hw_hash_dockable(uint64_t hash)
{
	return (hash >> DOCKABLE_BIT) & 1;
}

unsigned actsim_hw_hash_version(uint64_t hash)
{
	return (unsigned)((hash >> VERSION_LSB) & 7);
}

void actsim_hw_hash_format(char out[ACTSIM_HW_HASH_HEX], uint64_t hash)
{
	uint8_t be[8];

	actsim_put_be64(be, hash);
	actsim_hex(out, be, sizeof be);
}

actsim_err actsim_hw_hash_parse(const char *text, uint64_t *out)
{
	uint64_t v = 0;

	if (strlen(text) != 16)
		return ACTSIM_E_INVALID_ARG;
	for (int i = 0; i < 16; i++) {
		char c = text[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return ACTSIM_E_INVALID_ARG;
		v = v << 4 | d;
	}
	*out = v;
	return ACTSIM_OK;
}

void actsim_hw_compare(uint64_t base, uint64_t now, struct actsim_hw_vote *out)
{
	out->votes = 0;
	out->changed = 0;
	for (int f = 0; f < ACTSIM_HW_FIELDS; f++) {
		if (actsim_hw_hash_field(base, f) == actsim_hw_hash_field(now, f))
			out->votes += fields[f].votes;
		else
			out->changed |= 1u << f;
	}
	out->needed = actsim_hw_hash_dockable(base) ?
			      ACTSIM_HW_NEEDED_DOCKABLE :
			      ACTSIM_HW_NEEDED;
	out->within_tolerance = out->votes >= out->needed;
}
