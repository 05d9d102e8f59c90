#!/bin/sh
# The clearinghouse against hostile clients and a busy lab
# (tests/hardening.py).
. "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/../hardening.py" "$A" "$T"
