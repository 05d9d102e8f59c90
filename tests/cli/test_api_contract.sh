#!/bin/sh
# The API contract: docs/openapi.yaml linted with Redocly CLI's
# recommended rules (tests/api/redocly.yaml), then every route of the
# server's route table sent its success and error cases, each answer's
# status, body and declared headers validated against the document
# (tests/api/contract.test.js, ajv). Runs a real server on a temporary
# lab; the npm packages come from tests/api/package-lock.json
# (scripts/install-deps runs `npm ci` there).
. "$(dirname "$0")/lib.sh"
API=$(cd "$(dirname "$0")/../api" && pwd)
DOCS=$(cd "$(dirname "$0")/../../docs" && pwd)
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)

if [ ! -d "$API/node_modules/@redocly/cli" ] || [ ! -d "$API/node_modules/ajv" ]; then
	not_ok "the npm packages of tests/api are installed" \
		"run scripts/install-deps (npm ci in tests/api)"
	finish
	exit 1
fi

# The lab: keys and machines whose installation IDs the cases send.
$A lab init --seed 0 >/dev/null
hw() {
	printf '{"volume_serial":"v%s","nic_mac":"n%s","hdd":"h%s","cdrom":"c%s","display":"d%s","cpu_serial":"s%s","ide":"i%s","cpu_model":"m%s"}' \
		"$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" > "$T/hw$1.json"
	echo "$T/hw$1.json"
}
RETAIL=$($A key gen --sku standard --channel retail --platform x86)
for i in 1 2 3; do
	$A machine create r$i --key "$RETAIL" --hw "$(hw $i)" >/dev/null
done
BLOCKED=$($A key gen --sku enterprise --channel retail --platform x86)
$A machine create b1 --key "$BLOCKED" --hw "$(hw 4)" >/dev/null
VOLUME=$($A key gen --sku standard --channel volume --platform x86)
$A machine create v1 --key "$VOLUME" --hw "$HW/dl380.json" >/dev/null
export CONTRACT_RETAIL_KEY="$RETAIL" CONTRACT_BLOCKED_KEY="$BLOCKED"
export CONTRACT_IID_R1="$($A machine iid r1)" CONTRACT_IID_R2="$($A machine iid r2)"
export CONTRACT_IID_R3="$($A machine iid r3)" CONTRACT_IID_B1="$($A machine iid b1)"
export CONTRACT_IID_V1="$($A machine iid v1)"
export CONTRACT_PRODUCT_ID="$($A --json machine show r1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["product_id"])')"

# The route table as the server has it (the same table it routes by).
$A --json server --routes > "$T/routes.json"
# One write may wait for the writer: a lab held by another process then
# shows both 503s, LAB_BUSY and SERVER_BUSY.
start_server --write-queue-max 1
export CONTRACT_URL="$URL" CONTRACT_CA="$ACTSIM_LAB/tls/ca.pem"
export CONTRACT_TOKEN="$($A lab token)" CONTRACT_LAB="$ACTSIM_LAB"
export CONTRACT_ROUTES="$T/routes.json" CONTRACT_DOC="$DOCS/openapi.yaml"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
cd "$API" && node contract.test.js
