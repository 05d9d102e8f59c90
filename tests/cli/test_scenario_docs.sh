#!/bin/sh
# The CI recipes in docs/scenarios.md, run as written: every actsim and
# prove command in the "In CI" section's code blocks, from a folder laid
# out like the repository (build/ and fixtures/). Their reports must be
# what the CI tools accept.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=$(dirname "$A")
mkdir -p "$T/ci"
ln -s "$BUILD_DIR" "$T/ci/build"
ln -s "$ROOT/fixtures" "$T/ci/fixtures"
python3 - "$ROOT/docs/scenarios.md" > "$T/cmds" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text.split("## In CI", 1)[1].split("\n## ", 1)[0]
for block in re.findall(r"```[a-z]*\n(.*?)```", section, re.S):
    for line in block.splitlines():
        line = re.sub(r"^\s*(- )?(run: )?", "", line)
        if line.startswith("build/actsim ") or line.startswith("prove "):
            print(line)
PY
check "the doc has recipe commands" '[ "$(grep -c "^build/actsim scenario run" "$T/cmds")" -ge 3 ]' "$(cat "$T/cmds")"
check "no recipe points at a folder that does not exist" '! grep -q "tests/scenarios" "$T/cmds"' "$(cat "$T/cmds")"
while IFS= read -r cmd; do
	(cd "$T/ci" && sh -c "$cmd") >"$T/out" 2>"$T/err"
	rc=$?
	check "recipe runs: $cmd" '[ "$rc" = 0 ]' "exit $rc; $(head -5 "$T/err") $(tail -5 "$T/out")"
done < "$T/cmds"
check "the JUnit a recipe wrote validates against junit-10.xsd" 'xmllint --noout --schema "$ROOT/tests/junit-10.xsd" "$T/ci/scenarios.xml" 2>"$T/err"' "$(cat "$T/err")"
check "the TAP a recipe wrote has every shipped file" '[ "$(grep -c "^# fixtures/scenarios/.*\.scn$" "$T/ci/scenarios.tap")" = "$(ls "$ROOT"/fixtures/scenarios/*.scn | wc -l)" ]' "$(head -3 "$T/ci/scenarios.tap")"
finish
