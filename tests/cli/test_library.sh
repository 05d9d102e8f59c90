#!/bin/sh
# The shared library exports exactly the public API: every function a
# header in include/actsim/ declares, and nothing else. A program built
# against it with only the public headers links and runs.
. "$(dirname "$0")/lib.sh"
B=$(dirname "$A")
SO=$B/libactsim.so

nm -D --defined-only "$SO" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' |
	sort -u >"$T/exported"
grep -ho 'actsim_[a-z0-9_]* *(' include/actsim/*.h | sed 's/ *(//' |
	sort -u >"$T/declared"
extra=$(comm -23 "$T/exported" "$T/declared" | tr '\n' ' ')
missing=$(comm -13 "$T/exported" "$T/declared" | tr '\n' ' ')
check "libactsim.so exports $(wc -l <"$T/exported") symbols" '[ -s "$T/exported" ]' "none"
check "every exported symbol is declared in a public header" '[ -z "$extra" ]' "not public: $extra"
check "every public function is exported" '[ -z "$missing" ]' "missing: $missing"

# The example from docs/library.md, against the shared library.
cat >"$T/app.c" <<'C'
#include <stdio.h>
#include <actsim/keycheck.h>
#include <actsim/lab.h>

int main(int argc, char **argv)
{
	struct actsim_lab *lab;
	struct actsim_catalog *cat = NULL;
	struct actsim_check_result r;
	struct actsim_media media = { "standard", "retail", "x86", false };
	int rc = 1;

	(void)argc;
	if (actsim_lab_open(&lab, argv[1], false) != ACTSIM_OK) {
		fprintf(stderr, "%s\n", actsim_lab_errmsg(lab));
		actsim_lab_close(lab);
		return 3;
	}
	if (actsim_lab_catalog(lab, &cat) == ACTSIM_OK &&
	    actsim_key_check(actsim_lab_realm(lab), cat, argv[2], &media, &r,
			     NULL) == ACTSIM_OK) {
		puts(r.message);
		rc = 0;
	}
	actsim_catalog_free(cat);
	actsim_lab_close(lab);
	return rc;
}
C
$A lab init --seed 0 >/dev/null
K=$($A key gen --sku standard --channel retail --platform x86)
# A sanitizer build of the library needs its runtime in the program too.
san=
nm -D "$SO" | grep -q ' U __asan_init' && san="-fsanitize=address,undefined"
nm -D "$SO" | grep -q ' U __tsan_init' && san="-fsanitize=thread"
cc $san -Iinclude $(pkg-config --cflags jansson) -o "$T/app" "$T/app.c" \
	-L"$B" -lactsim 2>"$T/cc.err"
check "a program using only public headers links against libactsim.so" '[ -x "$T/app" ]' "$(head -5 "$T/cc.err")"
mkdir "$T/lib" && ln -s "$(cd "$B" && pwd)/libactsim.so" "$T/lib/libactsim.so.0"
run env LD_LIBRARY_PATH="$T/lib" "$T/app" "$ACTSIM_LAB" "$K"
check "and runs: the key checks out" '[ "$rc" = 0 ] && grep -q "valid" "$T/out"' "exit $rc: $(out) $(err | head -3)"

finish
