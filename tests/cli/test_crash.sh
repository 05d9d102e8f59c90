#!/bin/sh
# Crash safety: SIGKILL the server under concurrent activations (20
# cycles) and a CLI command mid-transaction; nothing acknowledged is lost.
. "$(dirname "$0")/lib.sh"
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
python3 "$(dirname "$0")/../crash/crash_test.py" "$A" "$HW" "$T" "${CRASH_CYCLES:-20}"
