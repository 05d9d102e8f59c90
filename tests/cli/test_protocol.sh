#!/bin/sh
# The clearinghouse at the HTTP and TLS level: libevent's refusals in
# JSON, HEAD, TLS close_notify (tests/protocol.py).
. "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/../protocol.py" "$A" "$T"
