#!/usr/bin/env python3
"""Feeds malformed inputs to every front end and checks that each gets its
documented error code and exit or HTTP status (docs/errors.md), and that
the lab database is unchanged afterwards (the request log aside, which
records every request by design).

usage: bad_input.py ACTSIM HW_DIR WORKDIR"""
import hashlib
import json
import os
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.request

from taplib import finish, report, run_cli

actsim, hw_dir, work = sys.argv[1], sys.argv[2], sys.argv[3]
lab = os.path.join(work, "lab")
env = dict(os.environ, ACTSIM_LAB=lab)


def cli(*args, stdin=None):
    return run_cli(actsim, env, args, stdin=stdin, cwd=work, timeout=60)



def expect_cli(name, code, exit_status, *args):
    rc, doc = cli(*args)
    got = doc.get("error", {}).get("code")
    report(rc == exit_status and got == code, name,
           "exit %d code %s: %s" % (rc, got, json.dumps(doc)[:200]))


def state():
    """A digest of every table but the request log, and the realm."""
    db = sqlite3.connect(os.path.join(lab, "lab.db"))
    h = hashlib.sha256()
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE "
                               "type='table' ORDER BY name"):
        if table == "request_log":
            continue
        for row in db.execute("SELECT * FROM %s ORDER BY 1" % table):
            h.update(repr(row).encode())
    db.close()
    for f in ("realm.json", "realm-private.json", "admin-token"):
        h.update(open(os.path.join(lab, f), "rb").read())
    return h.hexdigest()


# ---- the lab ----
subprocess.run([actsim, "lab", "init", "--seed", "0"], env=env, check=True,
               capture_output=True)
_, doc = cli("key", "gen", "--sku", "standard", "--channel", "retail",
             "--platform", "x86")
KEY = doc["keys"][0]["key"]
hw = os.path.join(hw_dir, "pe2850.json")
cli("machine", "create", "m1", "--key", KEY, "--hw", hw)
_, doc = cli("machine", "iid", "m1")
IID = doc["installation_id"]
before = state()

# ---- product keys ----
alphabet = "BCDFGHJKMPQRTVWXY2346789"
good = KEY.replace("-", "")
for n in list(range(0, 25)) + [26, 27, 30, 40, 100]:
    text = (good * 4)[:n]
    expect_cli("key check, %d characters" % n, "MALFORMED_KEY", 2,
               "key", "check", text)
for pos, bad in zip(range(25), "AEIOU015aeiou!@#$%^&*()_+"):
    text = good[:pos] + bad + good[pos + 1:]
    expect_cli("key check, '%s' at %d" % (bad, pos + 1), "MALFORMED_KEY", 2,
               "key", "check", text)
for text in ("\t\t", "BCDFG\x01HJKMP", "é" * 25, "-" * 40, "x" * 300,
             "\xff\xfe" * 13):
    expect_cli("key check, odd text %r" % text[:8], "MALFORMED_KEY", 2,
               "key", "check", "--", text)
expect_cli("unknown command in Latin-1 bytes", "USAGE", 2, b"\xe9t\xe9")
expect_cli("key check, bytes that are not UTF-8", "MALFORMED_KEY", 2, "key",
           "check", b"\xff\xfe\xfd")
for n in (1, 10, 24, 26):
    expect_cli("key decode, %d characters" % n, "MALFORMED_KEY", 2,
               "key", "decode", good[:n] if n <= 25 else good + "BC")
expect_cli("key gen, web/x64", "UNKNOWN_PRODUCT", 2, "key", "gen", "--sku",
           "web", "--channel", "retail", "--platform", "x64")
for args in (["--sku", "home", "--channel", "retail", "--platform", "x86"],
             ["--sku", "web", "--channel", "shop", "--platform", "x86"],
             ["--sku", "web", "--channel", "retail", "--platform", "arm"],
             ["--sku", "web", "--channel", "retail", "--platform", "x86",
              "--count", "0"],
             ["--sku", "web", "--channel", "retail", "--platform", "x86",
              "--count", "-1"],
             ["--sku", "web", "--channel", "retail", "--platform", "x86",
              "--seed", "x"],
             ["--sku", "web", "--channel", "retail"],
             ["--sku", "web", "--channel", "retail", "--platform", "x86",
              "--format", "yaml"]):
    expect_cli("key gen " + " ".join(args), "USAGE", 2, "key", "gen", *args)

# ---- installation and confirmation IDs ----
digits = IID.replace("-", "")
for n in (0, 1, 6, 53, 55, 60, 108):
    expect_cli("iid decode, %d digits" % n, "MALFORMED_INSTALLATION_ID", 2,
               "iid", "decode", (digits * 3)[:n])
for g in range(9):
    d = list(digits)
    i = 6 * g + 2
    d[i] = str((int(d[i]) + 1) % 10)
    rc, doc = cli("iid", "decode", "".join(d))
    err = doc.get("error", {})
    report(rc == 2 and err.get("code") == "MALFORMED_INSTALLATION_ID" and
           err.get("group") == g + 1, "iid decode, typo in group %d" % (g + 1),
           json.dumps(doc)[:200])
for c in "abcxyz!?":
    expect_cli("iid decode, character %s" % c, "MALFORMED_INSTALLATION_ID", 2,
               "iid", "decode", digits[:10] + c + digits[11:])
for n in (0, 5, 41, 43):
    expect_cli("cid verify, %d digits" % n, "MALFORMED_CONFIRMATION_ID", 2,
               "cid", "verify", IID, ("123456" * 8)[:n])
    expect_cli("machine activate --cid, %d digits" % n,
               "MALFORMED_CONFIRMATION_ID", 2, "machine", "activate", "m1",
               "--cid", ("123456" * 8)[:n] or "x")
for n in (0, 12, 60):
    expect_cli("cid issue, %d digits" % n, "MALFORMED_INSTALLATION_ID", 2,
               "cid", "issue", (digits * 2)[:n])

# ---- hardware profiles ----
profiles = {
    "array": "[]", "string": '"x"', "number": "5", "unknown": '{"nic":"a"}',
    "hdd number": '{"hdd": 5}', "hdd empty": '{"hdd": ""}',
    "ram negative": '{"ram_mb": -1}', "ram string": '{"ram_mb": "4G"}',
    "ram huge": '{"ram_mb": 1e30}', "dockable": '{"dockable": "yes"}',
    "duplicate": '{"hdd":"a","hdd":"b"}', "truncated": '{"hdd":',
    "long id": '{"hdd":"%s"}' % ("x" * 200), "nul": '{"hdd":"a\\u0000b"}',
    "bios object": '{"bios": {}}',
}
for name, text in profiles.items():
    path = os.path.join(work, "bad.json")
    open(path, "w").write(text)
    expect_cli("hw hash, profile %s" % name, "MALFORMED_PROFILE", 2,
               "hw", "hash", path)
    expect_cli("machine hw, profile %s" % name, "MALFORMED_PROFILE", 2,
               "machine", "hw", "m1", "--profile", path)
open(os.path.join(work, "big.json"), "w").write(" " * 20000 + "{}")
expect_cli("hw hash, oversize profile", "TOO_BIG", 2, "hw", "hash",
           os.path.join(work, "big.json"))

# ---- command-line arguments ----
for args in (["frob"], ["key"], ["key", "frob"], ["lab", "frob"],
             ["machine"], ["machine", "frob"], ["machine", "show"],
             ["machine", "logon", "m1", "--bogus"],
             ["machine", "hw", "m1"], ["machine", "hw", "m1", "--replace", "gpu"],
             ["machine", "activate", "m1"],
             ["machine", "activate", "m1", "--local", "--online"],
             ["machine", "activate", "m1", "--online", "--url", "http://x"],
             ["clock", "set", "tomorrow"], ["clock", "set", "2026-02-30"],
             ["clock", "advance", "soon"], ["clock", "advance", "-1d"],
             ["clock", "advance", "0d"], ["clock"], ["hw"], ["iid"], ["cid"],
             ["phone", "--single-computer", "maybe"],
             ["setup", "r2", "--to", "standard/retail/x86"],
             ["plan", "m1"], ["plan", "m1", "--to", "1995"],
             ["hotfix-scan", "m1", "/z"], ["admin", "frob"],
             ["scenario"], ["server", "--threads", "0"],
             ["server", "--listen", "nowhere"],
             ["machine", "create", "x", "--key", KEY],
             ["machine", "create", "bad name", "--key", KEY, "--hw", hw],
             ["machine", "create", "x", "--key", KEY, "--hw", hw, "--lang",
              "xx"],
             ["machine", "create", "x", "--key", KEY, "--hw", hw, "--country",
              "ZZ"],
             ["machine", "create", "x", "--key", KEY, "--hw", hw, "--os",
              "95"],
             ["machine", "create", "x", "--key", KEY, "--hw", hw, "--app",
              "office"]):
    expect_cli(" ".join(args), "USAGE", 2, *args)
expect_cli("machine create, name in use", "MACHINE_EXISTS", 2, "machine",
           "create", "m1", "--key", KEY, "--hw", hw)
for sub in ("show", "logon", "iid", "delete"):
    expect_cli("machine %s ghost" % sub, "NO_SUCH_MACHINE", 2, "machine", sub,
               "ghost")

# ---- scenario lines ----
lines = ["expect exit == 0", "clock show\nexpect now = 1",
         "clock show\nexpect now == grace", "clock show\nexpect no..path == 1",
         "clock show\nexpect [x] == 1", "clock show\nexpect now ~ 5",
         "clock show\nset 1X = now", "clock show\nset X now",
         "machine show ${NOPE}", "frobnicate", "lab init --seed x",
         "clock show\nlab init", "scenario run x.scn", "server start now",
         "key gen \"unbalanced", "clock show\nexpect", "clock show\nexpect now",
         "clock show\nexpect now ==", "set X = now", "machine show ${X"]
for i, text in enumerate(lines):
    path = os.path.join(work, "bad%d.scn" % i)
    open(path, "w").write(text + "\n")
    expect_cli("scenario line %r" % text.split("\n")[-1][:30],
               "SCENARIO_PARSE", 2, "scenario", "check", path)

# ---- HTTP bodies, routes and headers ----
server = subprocess.Popen([actsim, "server", "--listen", "127.0.0.1:0"],
                          env=env, stdout=subprocess.PIPE, text=True)
url = server.stdout.readline().strip().split(" ")[-1]
ctx = ssl.create_default_context(cafile=os.path.join(lab, "tls", "ca.pem"))
token = open(os.path.join(lab, "admin-token")).read().strip()


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(url + path, method=method,
                                 data=body.encode() if isinstance(body, str)
                                 else body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def expect_http(name, status, code, method, path, body=None, headers=None):
    got_status, doc = http(method, path, body, headers)
    got = doc.get("error", {}).get("code")
    report(got_status == status and got == code, "HTTP " + name,
           "%d %s" % (got_status, json.dumps(doc)[:200]))


bodies = ["", "{", "[]", "null", "1", '"x"', "{]", '{"a":1,"a":2}',
          "\xff\xfe", "{" * 50]
for b in bodies:
    expect_http("activation body %r" % b[:10], 400, "MALFORMED_JSON", "POST",
                "/v1/activations", b)
for b in ('{}', '{"installation_id": 1}', '{"installation_id": null}',
          '{"installation_id": ["x"]}', '{"installation_id": "%s"}' % ("1" * 300),
          '{"installation_id": "a\\u0001b"}'):
    expect_http("activation member %s" % b[:30], 400, "MALFORMED_REQUEST",
                "POST", "/v1/activations", b)
for n in (0, 3, 53, 55):
    expect_http("activation IID of %d digits" % n, 400,
                "MALFORMED_INSTALLATION_ID", "POST", "/v1/activations",
                json.dumps({"installation_id": digits[:n] if n <= 54 else digits + "1"}))


def http_status(method, path, headers=None):
    """The status only; None when the connection was reset before the
    answer could be read (the rest of the request still unread)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(
                url + path, method=method, headers=headers or {}),
                context=ctx, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError):
        return None


for name, path, headers in (
        ("request line of 20,000 characters", "/" + "a" * 20000, None),
        ("header of 20,000 characters", "/healthz", {"X-Big": "b" * 20000}),
        ("200 headers", "/healthz",
         dict(("X-H%d" % i, "v" * 60) for i in range(200)))):
    got = http_status("GET", path, headers)
    report(got in (431, None), "HTTP " + name + " refused",
           "status %s" % got)
expect_http("oversize activation", 413, "BODY_TOO_LARGE", "POST",
            "/v1/activations", json.dumps({"installation_id": "1" * 5000}))
for b in ('{}', '{"product_key": 5}', '{"product_key": "%s", "media": 1}' % KEY,
          '{"product_key": "%s", "media": {"sku": "standard"}}' % KEY,
          '{"product_key": "%s", "media": {"sku": "standard", "channel": "retail", "platform": "x86", "r2": "no"}}' % KEY):
    expect_http("validate %s" % b[:30], 400, "MALFORMED_REQUEST", "POST",
                "/v1/keys/validate", b)
expect_http("validate malformed key", 400, "MALFORMED_KEY", "POST",
            "/v1/keys/validate", '{"product_key": "AAAAA"}')
for b in ('{}', '{"product_id": "x", "email": "a@b"}',
          '{"product_id": "12345-123-1234568-12345", "email": "a@b"}',
          '{"product_id": "76317-171-6117695-05465"}',
          '{"product_id": "76317-171-6117695-05465", "email": "nope"}',
          '{"product_id": "76317-171-6117695-05465", "name": 7}'):
    expect_http("registration %s" % b[:40], 400, "MALFORMED_REQUEST", "POST",
                "/v1/registrations", b)
for path in ("/index.html", "/app", "/v1", "/v1/activations/x", "/v2/activations", "/metrics/x",
             "/v1/admin/blocks/", "/v1/admin/blocks/a/b", "/%00", "/..%2f"):
    expect_http("route %s" % path, 404, "NOT_FOUND", "GET", path)
for method, path in (("GET", "/v1/activations"), ("PUT", "/healthz"),
                     ("DELETE", "/metrics"), ("POST", "/v1/admin/clock"),
                     ("PUT", "/v1/keys/validate")):
    expect_http("%s %s" % (method, path), 405, "METHOD_NOT_ALLOWED", method,
                path, "{}")
for auth in (None, "", "Bearer", "Bearer ", "Bearer x", "Basic " + token,
             "bearer " + token, "Bearer " + token + "0", "Bearer " + token[:-1],
             "Bearer  " + token):
    expect_http("admin auth %r" % (auth[:12] if auth else auth), 401,
                "UNAUTHORIZED", "GET", "/v1/admin/activations",
                headers={"Authorization": auth} if auth is not None else {})
admin = {"Authorization": "Bearer " + token}
for q in ("?product_key=AAAA", "?product_id=nope", "?product_key=%ZZ"):
    expect_http("admin activations %s" % q, 400,
                "MALFORMED_KEY" if "AAAA" in q else "MALFORMED_REQUEST", "GET",
                "/v1/admin/activations" + q, headers=admin)
for b in ('{}', '{"product_key": "x"}', '{"product_key": 1}'):
    expect_http("block %s" % b, 400,
                "MALFORMED_KEY" if '"x"' in b else "MALFORMED_REQUEST",
                "POST", "/v1/admin/blocks", b, admin)
for b in ('{}', '{"now": "x"}', '{"advance": "x"}', '{"now": 1}',
          '{"now": "2026-01-01", "advance": "1d"}', '{"advance": "99999d"}'):
    expect_http("clock %s" % b, 400, "MALFORMED_REQUEST", "PUT",
                "/v1/admin/clock", b, admin)
for b in ('{}', '{"route": "/v1/activations"}',
          '{"route": "/v1/activations", "kind": "boom"}',
          '{"route": "/v1/activations", "kind": "error", "probability": 0}',
          '{"route": "/v1/activations", "kind": "error", "probability": 1.5}',
          '{"route": "/v1/activations", "kind": "error", "status": 200}',
          '{"route": "/v1/activations", "kind": "error", "delay_ms": 5}',
          '{"route": "/v1/activations", "kind": "error", "code": "a b"}',
          '{"route": "/v1/activations", "kind": "latency"}',
          '{"route": "/v1/activations", "kind": "latency", "delay_ms": 999999}',
          '{"route": "/v1/activations", "kind": "slow"}',
          '{"route": "/v1/activations", "kind": "tls"}',
          '{"route": "/v1/activations", "kind": "reset", "method": "BREW"}',
          '{"route": "/v1/activations", "kind": "reset", "count": -1}',
          '{"route": "/v1/activations", "kind": "reset", "typo": 1}'):
    expect_http("faults %s" % b[:60], 400, "MALFORMED_REQUEST", "PUT",
                "/v1/admin/faults", b, admin)
for b in ('{"route": "x", "kind": "error"}',
          '{"route": "/v1/activation", "kind": "error"}',
          '{"route": "/v1/admin/faults", "kind": "reset"}',
          '{"route": "/v1/admin/*", "kind": "reset"}',
          '{"route": "unmatched", "kind": "reset"}'):
    expect_http("fault route %s" % b[:50], 400, "UNKNOWN_ROUTE", "PUT",
                "/v1/admin/faults", b, admin)
for q in ("?limit=0", "?limit=x", "?limit=100000"):
    expect_http("requests %s" % q, 400, "MALFORMED_REQUEST", "GET",
                "/v1/admin/requests" + q, headers=admin)
expect_http("unblock a key not blocked", 404, "NOT_BLOCKED", "DELETE",
            "/v1/admin/blocks/" + KEY, headers=admin)
server.terminate()
server.wait(timeout=20)

after = state()
report(before == after, "the lab database is unchanged by all of it",
       "changed")
finish()
