#!/usr/bin/env python3
"""An independent product-key verifier written from docs/formats.md alone.

usage: independent_verify.py REALM_EXPORT.json < keys.txt
       independent_verify.py REALM_EXPORT.json cid IID CID

Reads the output of `actsim lab export --public FILE` and one key per line;
prints "valid KEY" or "invalid KEY" for each. With `cid`, checks the check
digits of an installation ID and a confirmation ID and whether the CID
unlocks that IID; prints "valid" or "invalid: why". It shares no code with
actsim: the tests run it to show that the documented format is complete.
"""
import hashlib
import json
import sys


def point_add(P, Q, p):
    """Affine addition on y^2 = x^3 + x; None is the point at infinity."""
    if P is None:
        return Q
    if Q is None:
        return P
    (x1, y1), (x2, y2) = P, Q
    if x1 == x2 and (y1 + y2) % p == 0:
        return None
    if P == Q:
        lam = (3 * x1 * x1 + 1) * pow(2 * y1, -1, p) % p
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, p) % p
    x3 = (lam * lam - x1 - x2) % p
    return (x3, (lam * (x1 - x3) - y1) % p)


def mul(k, P, p):
    R = None
    while k:
        if k & 1:
            R = point_add(R, P, p)
        P = point_add(P, P, p)
        k >>= 1
    return R


def verify(realm, text):
    pk = realm["product_key"]
    alphabet = pk["alphabet"]
    digits = [c for c in text.upper() if c not in "- \t"]
    if len(digits) != 25 or any(c not in alphabet for c in digits):
        return False
    value = 0
    for c in digits:
        value = value * 24 + alphabet.index(c)
    if value >= 1 << 114:
        return False
    f = {name: (value >> lsb) & ((1 << bits) - 1)
         for name, (lsb, bits) in pk["fields"].items()}
    curve = realm["curve"]
    p, n = int(curve["p"], 16), int(curve["n"], 16)
    G = (int(curve["G"]["x"], 16), int(curve["G"]["y"], 16))
    Y = (int(pk["public"]["x"], 16), int(pk["public"]["y"], 16))
    if f["signature"] >= n:
        return False
    R = point_add(mul(f["signature"], G, p), mul(f["hash"], Y, p), p)
    if R is None:
        return False
    msg = (bytes([f["upgrade"]]) + f["channel_id"].to_bytes(2, "big") +
           f["auth_info"].to_bytes(2, "big") + R[0].to_bytes(48, "big") +
           R[1].to_bytes(48, "big"))
    d = hashlib.sha256(pk["hash_tag"].encode() + b"\0" + msg).digest()
    return int.from_bytes(d[:4], "big") >> 1 == f["hash"]


def digit_groups(text, groups):
    """The value of an ID of `groups` groups, or None when a check digit
    (d1 + 2*d2 + d3 + 2*d4 + d5) mod 7 fails."""
    digits = [c for c in text if c.isdigit()]
    if len(digits) != 6 * groups or len(text.replace("-", "")) != 6 * groups:
        return None
    data = ""
    for g in range(groups):
        d = [int(c) for c in digits[6 * g:6 * g + 6]]
        if (d[0] + 2 * d[1] + d[2] + 2 * d[3] + d[4]) % 7 != d[5]:
            return None
        data += "".join(map(str, d[:5]))
    return int(data)


def verify_cid(realm, iid_text, cid_text):
    iid = digit_groups(iid_text, 9)
    cid = digit_groups(cid_text, 7)
    if iid is None or cid is None:
        return "invalid: check digit"
    act = realm["activation"]
    f = {name: (cid >> lsb) & ((1 << bits) - 1)
         for name, (lsb, bits) in act["confirmation_id_fields"].items()}
    if cid >> 116 or f["version"] != 1:
        return "invalid: version"
    curve = realm["curve"]
    p, n = int(curve["p"], 16), int(curve["n"], 16)
    G = (int(curve["G"]["x"], 16), int(curve["G"]["y"], 16))
    Y = (int(act["public"]["x"], 16), int(act["public"]["y"], 16))
    if f["signature"] >= n:
        return "invalid: signature"
    R = point_add(mul(f["signature"], G, p), mul(f["hash"], Y, p), p)
    if R is None:
        return "invalid: signature"
    msg = (iid.to_bytes(19, "big") + R[0].to_bytes(48, "big") +
           R[1].to_bytes(48, "big"))
    d = hashlib.sha256(act["hash_tag"].encode() + b"\0" + msg).digest()
    h = int.from_bytes(d[:8], "big") >> (64 - act["hash_bits"])
    return "valid" if h == f["hash"] else "invalid: signature"


def main():
    with open(sys.argv[1]) as fh:
        realm = json.load(fh)
    if len(sys.argv) == 5 and sys.argv[2] == "cid":
        print(verify_cid(realm, sys.argv[3], sys.argv[4]))
        return
    for line in sys.stdin:
        key = line.strip()
        if key:
            print(("valid " if verify(realm, key) else "invalid ") + key)


if __name__ == "__main__":
    main()
