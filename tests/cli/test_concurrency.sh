#!/bin/sh
# Concurrent clients against the clearinghouse (tests/concurrency.py);
# `make tsan` runs the same against a ThreadSanitizer build.
. "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/../concurrency.py" "$A" "$T"
