#!/bin/sh
# The bad-input catalogue: 200+ malformed inputs through every front end,
# each with its documented code and status, and the lab unchanged.
. "$(dirname "$0")/lib.sh"
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
python3 "$(dirname "$0")/../bad_input.py" "$A" "$HW" "$T"
